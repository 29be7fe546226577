import type { CommandRequest } from '../../schemas/types';
import { noEffects } from './device-commands';
import { changelogRecords, CommandStateReader, type ChangelogRecord } from './command-changelog';
import { PartitionCommands } from './partition-commands';

const t0 = 1_700_000_000_000;
const pump = { tenant: 'acme', site: 'plant1', device: 'pump7' };
const meter = { tenant: 'acme', site: 'plant1', device: 'meter1' };
const limits = { maxInFlight: 1, maxQueued: 10 };

function request(id: number, change: Partial<CommandRequest> = {}): CommandRequest {
  return {
    id: `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`, ...pump, action: 'send', name: 'reboot', params: '{}',
    timeoutMs: 5000, persistent: true, ttlSeconds: 600, caller: 'tok', createdAt: t0, ...change,
  };
}

/** Reads records back as a restore does (the latest of a key wins), in the order given. */
function restored(records: readonly ChangelogRecord[]): PartitionCommands {
  const reader = new CommandStateReader();
  for (const r of records) reader.read(r.key, r.value === null ? null : Buffer.from(r.value));
  const state = new PartitionCommands(limits);
  reader.restoreInto(state);
  return state;
}

describe('the commands changelog', () => {
  it('restores presence, open commands in arrival order and their timers, and forgets finished ones', () => {
    const state = new PartitionCommands(limits);
    const log: ChangelogRecord[] = [];
    const commit = () => log.push(...changelogRecords(state.takeChanges()));
    state.apply(pump, (c) => c.presenceChanged(true, t0, t0, noEffects()));
    state.apply(meter, (c) => c.presenceChanged(false, t0, t0, noEffects()));
    commit();
    state.apply(pump, (c) => [1, 2, 3].forEach((i) => c.request(request(i), t0 + i, noEffects())));
    commit();
    state.apply(pump, (c) => c.result(request(1).id, 'succeeded', Buffer.from('ok'), t0 + 10, noEffects()));
    commit();
    expect(log.filter((r) => r.value === null).map((r) => r.key)).toEqual([`acme/plant1/pump7\u0000${request(1).id}`]);

    const back = restored(log);
    expect([back.deviceCount, back.openCount]).toEqual([2, 2]);
    // request 2 was sent at t0 + 10 when 1 was answered: its timeout is the next timer
    expect(back.nextDeadline()).toBe(t0 + 10 + 5000);
    const effects = noEffects();
    back.apply(pump, (c) => {
      c.result(request(1).id, 'succeeded', Buffer.alloc(0), t0 + 20, effects);
      c.result(request(2).id, 'succeeded', Buffer.alloc(0), t0 + 20, effects);
      c.request(request(2), t0 + 20, effects);
    });
    // the finished id is remembered, the next queued one (3) goes out, the repeated request is not taken again
    expect(effects.ignored).toEqual(['finished_command', 'duplicate_request']);
    expect(effects.statuses.map((s) => [s.id, s.state, s.revision])).toEqual([
      [request(2).id, 'SUCCEEDED', 3],
      [request(3).id, 'SENT', 2],
    ]);
    const meterEffects = noEffects();
    back.apply(meter, (c) => c.request(request(9, { ...meter, persistent: false, ttlSeconds: null }), t0 + 30, meterEffects));
    expect(meterEffects.statuses.map((s) => [s.state, s.reason])).toEqual([['FAILED', 'offline']]);
  });

  it('matches commands to their device whatever order compaction left the records in', () => {
    const state = new PartitionCommands(limits);
    state.apply(pump, (c) => c.request(request(1), t0, noEffects()));
    const records = changelogRecords(state.takeChanges());
    const back = restored([...records].reverse());
    expect(back.openCount).toBe(1);
    expect(back.nextDeadline()).toBe(t0 + 600_000);
  });

  it('skips restore markers', () => {
    expect(restored([{ key: '\u0000restore:1', value: 'a read' }]).deviceCount).toBe(0);
  });
});

describe('timers across a partition', () => {
  it('fire for the devices whose deadline passed only, and send what the freed slots allow', () => {
    const state = new PartitionCommands(limits);
    state.apply(pump, (c) => c.presenceChanged(true, t0, t0, noEffects()));
    state.apply(pump, (c) => [1, 2].forEach((i) => c.request(request(i), t0, noEffects())));
    state.apply(meter, (c) => c.request(request(3, { ...meter, ttlSeconds: 60 }), t0, noEffects()));
    state.takeChanges();
    const effects = noEffects();
    state.expire(t0 + 5000, effects);
    expect(effects.statuses.map((s) => [s.id, s.state])).toEqual([
      [request(1).id, 'TIMED_OUT'],
      [request(2).id, 'SENT'],
    ]);
    expect(state.takeChanges().map((c) => c.key)).toEqual(['acme/plant1/pump7']);
    expect(state.nextDeadline()).toBe(t0 + 5000 + 5000);
  });
});
