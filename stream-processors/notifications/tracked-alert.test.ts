import type { AlertEvent } from '../../schemas/types';
import { changeOf, fingerprintOf, labelsOf } from './tracked-alert';

const event = (overrides: Partial<AlertEvent>): AlertEvent => ({
  alarmId: 'alarm-1', tenant: 'acme', ruleId: 'boiler-hot', path: '/acme/plant1/boiler1/temperature', transition: 'firing', from: 'pending', to: 'firing',
  severity: 'warning', previousSeverity: null, value: 85, reads: 'raw', eventTime: 2000, episodeStart: 1000, labels: { team: 'heating', site: 'spoofed' }, emittedAt: 2000, ...overrides,
});

describe('an alert as notifications track it', () => {
  it("has its rule's labels and what the event says, the event winning", () => {
    expect(labelsOf(event({}))).toEqual({ team: 'heating', tenant: 'acme', rule: 'boiler-hot', path: '/acme/plant1/boiler1/temperature', site: 'plant1', device: 'boiler1', metric: 'temperature', severity: 'warning' });
  });

  it('starts when it fired, not when its episode went pending (a rule\'s `for` must not cut groupWait short)', () => {
    const change = changeOf(event({}));
    expect(change.kind === 'firing' && change.alert.startsAt).toBe(2000);
  });

  it('fires while firing, recovering or without data; resolves; is forgotten when cancelled; pending is no alert yet', () => {
    expect(changeOf(event({ transition: 'recovering', to: 'recovering' })).kind).toBe('firing');
    expect(changeOf(event({ transition: 'no_data', to: 'no_data' })).kind).toBe('firing');
    expect(changeOf(event({ transition: 'resolved', to: 'normal', severity: null }))).toEqual({ kind: 'resolved', alarmId: 'alarm-1', endsAt: 2000, value: 85 });
    expect(changeOf(event({ transition: 'cancelled', to: 'normal' })).kind).toBe('forget');
    expect(changeOf(event({ transition: 'pending', to: 'pending' })).kind).toBe('none');
  });

  it('gets a new fingerprint when it escalates', () => {
    const warning = fingerprintOf({ alarmId: 'a', labels: labelsOf(event({})) });
    expect(fingerprintOf({ alarmId: 'a', labels: labelsOf(event({ severity: 'critical' })) })).not.toBe(warning);
    expect(fingerprintOf({ alarmId: 'a', labels: labelsOf(event({})) })).toBe(warning);
  });
});
