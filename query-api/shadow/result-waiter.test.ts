import type { ShadowResult } from '../../schemas/types';
import { ResultWaiter } from './result-waiter';

const result = (requestId: string): ShadowResult => ({
  requestId, tenant: 'a', site: 'b', device: 'c', operation: 'update', accepted: true, code: 200, error: null, message: null, version: 1, document: '{}', processedAt: 0,
});

describe('ResultWaiter', () => {
  it("hands each request its own answer and ignores other replicas' answers", async () => {
    const waiter = new ResultWaiter();
    const mine = waiter.wait('r1', 5000);
    waiter.deliver(result('someone-else'));
    waiter.deliver(result('r1'));
    await expect(mine).resolves.toMatchObject({ requestId: 'r1' });
    expect(waiter.waiting).toBe(0);
  });

  it('answers undefined after the timeout, or at once when cancelled', async () => {
    const waiter = new ResultWaiter();
    await expect(waiter.wait('late', 10)).resolves.toBeUndefined();
    const cancelled = waiter.wait('unsent', 5000);
    waiter.cancel('unsent');
    await expect(cancelled).resolves.toBeUndefined();
    waiter.deliver(result('late'));
    expect(waiter.waiting).toBe(0);
  });
});
