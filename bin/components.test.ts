import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { components } from './components';

describe('the table of components', () => {
  it('gives every component its own env prefix and ops port', () => {
    expect(new Set(components.map((c) => c.envPrefix)).size).toBe(components.length);
    expect(new Set(components.map((c) => c.opsPort)).size).toBe(components.length);
    for (const c of components) expect(c.envPrefix).toBe(`${c.name.replace(/-/g, '_').toUpperCase()}_`);
  });

  it("is what the image exposes: every ops port and every service port, nothing else", () => {
    const dockerfile = readFileSync(join(__dirname, '..', 'Dockerfile'), 'utf8');
    const exposed = /^EXPOSE (.+)$/m.exec(dockerfile)![1]!.split(/\s+/).map(Number).sort();
    const ports = components.flatMap((c) => [c.opsPort, ...Object.values(c.servicePorts ?? {})]).sort();
    expect(exposed).toEqual(ports);
  });
});
