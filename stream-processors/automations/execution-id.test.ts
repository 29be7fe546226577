import { eventTrigger, executionId, slotTrigger, uuidV5 } from './execution-id';

describe('execution ids', () => {
  it('are UUIDs of version 5 and RFC variant, the same for the same fire and action', () => {
    const id = executionId('acme', 'morning', 3, slotTrigger(Date.UTC(2026, 0, 1, 7)), 0);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(executionId('acme', 'morning', 3, 'schedule:2026-01-01T07:00:00.000Z', 0)).toBe(id);
  });

  it('differ by tenant, automation, revision, trigger and action', () => {
    const base = ['acme', 'morning', 3, eventTrigger('fleet.measurements.v1', 2, '41'), 0] as const;
    const ids = new Set([
      executionId(...base),
      executionId('beta', base[1], base[2], base[3], base[4]),
      executionId(base[0], 'evening', base[2], base[3], base[4]),
      executionId(base[0], base[1], 4, base[3], base[4]),
      executionId(base[0], base[1], base[2], eventTrigger('fleet.measurements.v1', 2, '42'), base[4]),
      executionId(base[0], base[1], base[2], base[3], 1),
    ]);
    expect(ids.size).toBe(6);
    // names that would run together when concatenated stay apart
    expect(uuidV5('["a/b","c"]')).not.toBe(uuidV5('["a","b/c"]'));
  });
});
