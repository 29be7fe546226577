import { ShadowView } from './shadow-view';

const stored = (version: number, deleted = false) => ({ version, deleted, document: `{"version":${version}}` });

describe('ShadowView', () => {
  it('keeps the newest version of each device, ignoring an older record read again', () => {
    const view = new ShadowView();
    view.take('a/b/c', stored(3));
    view.take('a/b/c', stored(1));
    expect(view.get('a/b/c')?.version).toBe(3);
    view.take('a/b/c', stored(4, true));
    expect(view.get('a/b/c')).toEqual(stored(4, true));
    expect(view.get('a/b/d')).toBeUndefined();
  });

  it('resolves a wait once the partition is read to the offset, and at once when it is already', async () => {
    const view = new ShadowView();
    const waiting = view.until(1, 10n, 5000);
    view.advance(1, 5n);
    view.advance(0, 50n);
    let settled = false;
    void waiting.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    view.advance(1, 10n);
    await expect(waiting).resolves.toBe(true);
    await expect(view.until(1, 7n, 1)).resolves.toBe(true);
    view.advance(1, 3n);
    expect(view.position(1)).toBe(10n);
  });

  it('gives up a wait after its timeout', async () => {
    const view = new ShadowView();
    await expect(view.until(0, 1n, 10)).resolves.toBe(false);
  });
});
