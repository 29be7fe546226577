import { PublishSlots } from './publish-slots';

describe('PublishSlots', () => {
  it('makes the publication past the bound wait for a release, then hands it the slot', async () => {
    const slots = new PublishSlots(2);
    await slots.acquire();
    await slots.acquire();
    let third = false;
    const waiting = slots.acquire().then(() => (third = true));
    await Promise.resolve();
    expect(third).toBe(false);
    slots.release();
    await waiting;
    expect(third).toBe(true);
    expect(slots.inUse).toBe(2);
    slots.release();
    slots.release();
    expect(slots.inUse).toBe(0);
  });
});
