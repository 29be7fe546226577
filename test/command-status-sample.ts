import type { CommandStatus } from '../schemas/types';

/** A command status for tests of pure code: acme/plant1/pump1's reboot, SENT at `at`, unless `change` says otherwise. */
export function commandStatusSample(id: string, change: Partial<CommandStatus> = {}, at = 1_700_000_000_000): CommandStatus {
  return {
    id, tenant: 'acme', site: 'plant1', device: 'pump1', name: 'reboot', params: '{"delay":1}', caller: 'tok1', persistent: false, timeoutMs: 5000, ttlSeconds: null,
    state: 'SENT', reason: null, answer: null, createdAt: at, queuedAt: null, sentAt: at, ackedAt: null, finishedAt: null, canceledBy: null, revision: 1, updatedAt: at, ...change,
  };
}
