import { textTable } from './text-table';

describe('textTable', () => {
  it('pads every column but the last to its widest cell', () => {
    expect(textTable(['DEVICE', 'STATE'], [['acme/p1/meter-7', 'active'], ['a/b/c', 'revoked']])).toBe(
      'DEVICE           STATE\nacme/p1/meter-7  active\na/b/c            revoked\n',
    );
  });

  it('prints the headers alone when there are no rows', () => {
    expect(textTable(['ID', 'ROLE'], [])).toBe('ID  ROLE\n');
  });
});
