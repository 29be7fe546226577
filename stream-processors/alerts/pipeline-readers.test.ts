import { inputName, readersOf, type PipelineTopology } from './pipeline-readers';

const topology: PipelineTopology = {
  alertsGroupId: 'alerts',
  measurementsTopic: 'm',
  rollupTopic: (r) => `r.${r}`,
  rollupsResolutions: ['1m', '1h', '1d'],
  rollupsGroupIdPrefix: 'rollups',
};

describe('the readers behind a rule input', () => {
  it('is this processor alone for raw readings', () => {
    expect(readersOf('raw', topology)).toEqual([{ groupId: 'alerts', topic: 'm', transactional: false }]);
  });

  it('is this processor and every rollups stage down to the raw readings for a rollup', () => {
    expect(readersOf('1h', topology)).toEqual([
      { groupId: 'alerts', topic: 'r.1h', transactional: true },
      { groupId: 'rollups-1h', topic: 'r.1m', transactional: true },
      { groupId: 'rollups-1m', topic: 'm', transactional: false },
    ]);
  });

  it('refuses a resolution the rollups processor does not compute', () => {
    expect(() => readersOf('5m', topology)).toThrow(/5m is not one of the rollups processor's/);
  });

  it('names inputs raw or by resolution', () => {
    expect([inputName({ kind: 'raw' }), inputName({ kind: 'rollup', resolution: '1h', field: 'max' })]).toEqual(['raw', '1h']);
  });
});
