/**
 * `make docs`: writes the option reference that `fleetstream options`
 * generates into README.md, between its markers (bin/option-docs.test.ts
 * fails until it is done).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configurationMarkdown } from '../../bin/option-docs';

const file = join(__dirname, '..', '..', '..', 'README.md');
const readme = readFileSync(file, 'utf8');
const updated = readme.replace(/(<!-- options:start -->\n)[\s\S]*?(<!-- options:end -->)/, (_all, start: string, end: string) => start + configurationMarkdown() + end);
if (updated === readme) console.log('docs: README.md is up to date');
else {
  writeFileSync(file, updated);
  console.log('docs: README.md option reference rewritten');
}
