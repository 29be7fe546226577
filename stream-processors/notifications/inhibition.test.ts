import { parseMatcher, type LabelMatcher } from '../../schemas/label-matchers';
import { Inhibitor } from './inhibition';
import type { TrackedAlert } from './tracked-alert';

const m = (text: string) => parseMatcher(text) as LabelMatcher;
const alert = (alarmId: string, labels: Record<string, string>, status: 'firing' | 'resolved' = 'firing'): TrackedAlert => ({ alarmId, tenant: 'acme', labels, status, startsAt: 0, endsAt: null, value: null });
const rule = { sourceMatchers: [m('severity=critical')], targetMatchers: [m('severity=warning')], equal: ['site'] };

describe('inhibition', () => {
  const critical = alert('c', { severity: 'critical', site: 'plant1' });
  const warningSameSite = alert('w1', { severity: 'warning', site: 'plant1' });
  const warningOtherSite = alert('w2', { severity: 'warning', site: 'plant2' });

  it('mutes a target with the equal labels of a firing source, not one of another site', () => {
    const inhibitor = new Inhibitor([rule], [critical, warningSameSite, warningOtherSite]);
    expect([inhibitor.isInhibited(warningSameSite), inhibitor.isInhibited(warningOtherSite), inhibitor.isInhibited(critical)]).toEqual([true, false, false]);
  });

  it('a resolved source inhibits nothing', () => {
    expect(new Inhibitor([rule], [{ ...critical, status: 'resolved' }, warningSameSite]).isInhibited(warningSameSite)).toBe(false);
  });

  it('an alert matching both sides does not inhibit itself', () => {
    const both = { sourceMatchers: [m('site=plant1')], targetMatchers: [m('site=plant1')], equal: [] };
    expect(new Inhibitor([both], [warningSameSite]).isInhibited(warningSameSite)).toBe(false);
  });

  it('reads a label missing on both sides as equal', () => {
    const noSite = { ...rule, equal: ['zone'] };
    expect(new Inhibitor([noSite], [critical, warningOtherSite]).isInhibited(warningOtherSite)).toBe(true);
  });
});
