import { needsUpdate, type UpdateQuestion } from './notification-log';

const ask = (q: Partial<UpdateQuestion>) => needsUpdate({ entry: undefined, firing: new Set(), resolved: new Set(), sendResolved: true, repeatIntervalMs: 4 * 3600_000, now: 10_000_000, ...q });
const entry = (firing: string[], resolved: string[] = [], at = 9_999_000) => ({ firing, resolved, at });

describe("the notification log's decision (Alertmanager's needsUpdate)", () => {
  it('notifies a group never notified once something fires, not for resolved alerts alone', () => {
    expect(ask({ firing: new Set(['a']) })).toBe(true);
    expect(ask({ resolved: new Set(['a']) })).toBe(false);
  });

  it('notifies a new firing alert, not the same firing set again before the repeat interval', () => {
    expect(ask({ entry: entry(['a']), firing: new Set(['a', 'b']) })).toBe(true);
    expect(ask({ entry: entry(['a', 'b']), firing: new Set(['a']) })).toBe(false);
  });

  it('notifies a newly resolved alert only to receivers that want resolved notifications', () => {
    expect(ask({ entry: entry(['a', 'b']), firing: new Set(['a']), resolved: new Set(['b']) })).toBe(true);
    expect(ask({ entry: entry(['a', 'b']), firing: new Set(['a']), resolved: new Set(['b']), sendResolved: false })).toBe(false);
    expect(ask({ entry: entry(['a'], ['b']), firing: new Set(['a']), resolved: new Set(['b']) })).toBe(false);
  });

  it('notifies once everything resolved, whatever sendResolved says, if the receiver had been told they fired', () => {
    expect(ask({ entry: entry(['a']), resolved: new Set(['a']), sendResolved: false })).toBe(true);
    expect(ask({ entry: entry([]), resolved: new Set(['a']) })).toBe(false);
  });

  it('repeats an unchanged firing group after the repeat interval', () => {
    expect(ask({ entry: entry(['a'], [], 10_000_000 - 4 * 3600_000 - 1), firing: new Set(['a']) })).toBe(true);
    expect(ask({ entry: entry(['a'], [], 10_000_000 - 4 * 3600_000), firing: new Set(['a']) })).toBe(false);
  });
});
