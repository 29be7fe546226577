import { readPolicyFiles } from './policy-store';

describe('the example notification policy', () => {
  it('validates', async () => {
    const documents = await readPolicyFiles([`${__dirname}/examples`]);
    expect(documents.map((d) => d.document.tenant)).toEqual(['acme']);
  });
});
