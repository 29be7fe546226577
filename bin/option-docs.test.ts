import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configurationMarkdown } from './option-docs';

const root = join(__dirname, '..');

/** The README's option reference, between its markers. */
function readmeReference(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const match = /<!-- options:start -->\n([\s\S]*?)<!-- options:end -->/.exec(readme);
  if (!match) throw new Error('README.md has no <!-- options:start --> ... <!-- options:end --> section');
  return match[1]!;
}

describe('the README configuration reference', () => {
  it('is what `fleetstream options` generates from the schemas (regenerate it with `make docs`)', () => {
    expect(readmeReference()).toBe(configurationMarkdown());
  });
});
