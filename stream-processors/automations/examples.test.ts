import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { automationFromDefinition, parseAutomationDocument } from '../../schemas/automation';

describe('the example automation documents', () => {
  const dir = join(__dirname, 'examples');
  it.each(readdirSync(dir).filter((f) => f.endsWith('.yaml')))('%s validates as automations apply reads it', (file) => {
    const document = parseAutomationDocument(readFileSync(join(dir, file), 'utf8'), file);
    expect(document.definitions.size).toBeGreaterThan(0);
    for (const definition of document.definitions.values()) expect(automationFromDefinition(document.tenant, definition).enabled).toBe(true);
  });
});
