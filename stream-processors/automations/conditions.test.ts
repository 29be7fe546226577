import { automationFromDefinition } from '../../schemas/automation';
import { conditionHolds } from './conditions';

const conditionsOf = (conditions: unknown) =>
  automationFromDefinition('acme', { id: 'a', trigger: { on: 'readings', series: ['/acme/**'] }, conditions, actions: [{ handler: 'mqtt_publish', target: { topic: 'fleet/acme/x' } }] }).conditions;

describe('conditions', () => {
  const latest = new Map([['/acme/s/outside/temperature', 5]]);
  const inputs = (eventValue: number | undefined) => ({ eventValue, latest: (path: string) => latest.get(path) });

  it('compare the event value and a series latest value, with all and any nested', () => {
    const c = conditionsOf({ all: [{ value: '> 80' }, { any: [{ series: '/acme/s/outside/temperature', value: '< 10' }, { value: '>= 100' }] }] });
    expect(conditionHolds(c, inputs(85))).toBe(true);
    expect(conditionHolds(c, inputs(75))).toBe(false);
    latest.set('/acme/s/outside/temperature', 20);
    expect(conditionHolds(c, inputs(85))).toBe(false);
    expect(conditionHolds(c, inputs(100))).toBe(true);
  });

  it('a missing value makes its comparison false; no conditions always hold', () => {
    expect(conditionHolds(conditionsOf({ value: '!= 0' }), inputs(undefined))).toBe(false);
    expect(conditionHolds(conditionsOf({ series: '/acme/s/never/seen', value: '< 1' }), inputs(0))).toBe(false);
    expect(conditionHolds(null, inputs(undefined))).toBe(true);
  });
});
