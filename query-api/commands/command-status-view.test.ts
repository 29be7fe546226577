import type { CommandStatus } from '../../schemas/types';
import { commandStatusSample } from '../../test/command-status-sample';
import { CommandStatusView } from './command-status-view';

const t0 = 1_700_000_000_000;

const status = (id: string, change: Partial<CommandStatus> = {}) => commandStatusSample(id, change, t0);

describe('the command status view', () => {
  it('keeps the newest revision, counts open commands per device and caller, and tells listeners of newer statuses only', () => {
    let now = t0;
    const view = new CommandStatusView({ historyMs: 60_000, now: () => now });
    const seen: string[] = [];
    const stop = view.watch('a', (s) => seen.push(`${s.state}@${s.revision}`));
    view.apply(status('a'));
    view.apply(status('b', { caller: 'tok2' }));
    view.apply(status('c', { device: 'other' }));
    expect([view.openOfDevice('acme/plant1/pump1'), view.openOfCaller('tok1'), view.openOfCaller('tok2')]).toEqual([2, 2, 1]);
    view.apply(status('a', { state: 'SUCCEEDED', revision: 2, finishedAt: t0 + 10 }));
    view.apply(status('a', { state: 'SENT', revision: 1 }));
    expect(view.get('a')?.state).toBe('SUCCEEDED');
    expect(seen).toEqual(['SENT@1', 'SUCCEEDED@2']);
    expect(view.openOfDevice('acme/plant1/pump1')).toBe(1);
    stop();
    view.apply(status('a', { state: 'SUCCEEDED', revision: 3, finishedAt: t0 + 10 }));
    expect(seen).toHaveLength(2);
    now = t0 + 70_000;
    view.sweep();
    expect([view.get('a'), view.size]).toEqual([undefined, 2]);
    // a finished command older than the history, read back from the topic, is not kept
    view.apply(status('d', { state: 'FAILED', revision: 1, finishedAt: t0 }));
    expect(view.get('d')).toBeUndefined();
  });
});
