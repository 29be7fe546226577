/**
 * Which consumer groups stand between a device and a rule's input, each
 * with the topic it reads: a rule reading raw readings waits on this
 * processor only; one reading the 1h rollups on this processor (reading
 * the 1h topic), the 1h stage (reading the 1m topic) and the 1m stage
 * (reading the raw readings). The input's clock is the slowest of them
 * (input-completeness.ts). Pure.
 */
import type { RuleInput } from '../../schemas/alert-rule';
import type { TopicReader } from './input-completeness';

/** The name of a rule input for clocks, metrics and the pipeline-stale alert: `raw`, or the rollup resolution. */
export function inputName(input: RuleInput): string {
  return input.kind === 'raw' ? 'raw' : input.resolution;
}

export interface PipelineTopology {
  alertsGroupId: string;
  measurementsTopic: string;
  /** the topic of each resolution */
  rollupTopic(resolution: string): string;
  /** the rollups processor's resolutions, finest first: each stage reads the one before it, the first the raw readings */
  rollupsResolutions: readonly string[];
  /** the rollups processor's consumer groups are `<prefix>-<resolution>` */
  rollupsGroupIdPrefix: string;
}

/** The readers of input `name` (`raw` or a resolution), this processor first. */
export function readersOf(name: string, topology: PipelineTopology): TopicReader[] {
  if (name === 'raw') return [{ groupId: topology.alertsGroupId, topic: topology.measurementsTopic, transactional: false }];
  const stage = topology.rollupsResolutions.indexOf(name);
  if (stage < 0) throw new Error(`resolution ${name} is not one of the rollups processor's (${topology.rollupsResolutions.join(', ')})`);
  // rollup topics are written in transactions only: by the rollups stages and their corrector
  const readers: TopicReader[] = [{ groupId: topology.alertsGroupId, topic: topology.rollupTopic(name), transactional: true }];
  for (let s = stage; s >= 0; s--) {
    const input = s === 0 ? topology.measurementsTopic : topology.rollupTopic(topology.rollupsResolutions[s - 1]!);
    readers.push({ groupId: `${topology.rollupsGroupIdPrefix}-${topology.rollupsResolutions[s]!}`, topic: input, transactional: s > 0 });
  }
  return readers;
}
