import { topicCatalogue, topicNames } from './topics';

describe('topic catalogue', () => {
  it('holds each rollup stage\'s state changelog, compacted, with the partitions of the stage\'s input, so `topics apply --partitions N` grows them together', () => {
    const catalogue = topicCatalogue({ partitions: 12, resolutions: ['1m', '1h'] });
    const spec = (name: string) => catalogue.find((t) => t.name === name);
    for (const [resolution, input] of [['1m', topicNames.measurements], ['1h', topicNames.rollups('1m')]] as const) {
      const changelog = spec(topicNames.rollupState(resolution));
      expect(changelog).toMatchObject({ partitions: spec(input)!.partitions, config: { 'cleanup.policy': 'compact' } });
    }
  });

  it("keeps the rollup changelogs' tombstones (every closed window's chunks) an hour, not Kafka's day, and rolls their segments hourly so compaction reaches them", () => {
    const changelog = topicCatalogue({ partitions: 6 }).find((t) => t.name === topicNames.rollupState('1m'))!;
    expect(changelog.config).toMatchObject({ 'delete.retention.ms': String(60 * 60 * 1000), 'segment.ms': String(60 * 60 * 1000) });
  });

  it('names the changelogs as the rollup processor does with its default group id prefix', () => {
    expect(topicNames.rollupState('1m')).toBe('fleetstream-rollups.1m.state');
    expect(topicNames.rollupState('1m', 'other')).toBe('other.1m.state');
  });

  it("holds the commands processor's changelog, compacted, with as many partitions as its two inputs", () => {
    const catalogue = topicCatalogue({ partitions: 9 });
    const spec = (name: string) => catalogue.find((t) => t.name === name);
    expect(spec(topicNames.commandState())).toMatchObject({ partitions: 9, config: { 'cleanup.policy': 'compact' } });
    expect(spec(topicNames.commands)?.partitions).toBe(9);
    expect(spec(topicNames.deviceMessages)?.partitions).toBe(9);
    expect(spec(topicNames.commandStatus)?.config['cleanup.policy']).toContain('compact');
  });
});
