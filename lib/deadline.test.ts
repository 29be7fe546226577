import { withDeadline } from './deadline';
import { FleetstreamError } from './errors';

describe('withDeadline', () => {
  it('turns work that never settles into the error it names', async () => {
    const never = new Promise<never>(() => undefined);
    const timeout = () => new FleetstreamError('STATE_RESTORE_TIMEOUT', 'took too long');
    await expect(withDeadline(never, 20, timeout)).rejects.toMatchObject({ code: 'STATE_RESTORE_TIMEOUT', retriable: false });
    await expect(withDeadline(Promise.resolve(7), 20, timeout)).resolves.toBe(7);
    await expect(withDeadline(Promise.reject(new Error('failed first')), 1000, timeout)).rejects.toThrow('failed first');
  });
});
