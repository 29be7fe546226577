import { readConnectionSettings } from '../../lib/config';
import { createKafka } from '../../lib/kafka';
import { rootLogger } from '../../lib/logger';
import { rollupsGroupOf } from '../../sink-kit/sink-consumers';
import { defaultResolutions, redisSinkGroupId, rollupsGroupIdPrefix, timescaleSinkGroupId, topicNames } from '../../schemas/topics';
import { groupLags } from './group-lag';

/**
 * Waits until the pipeline's components have caught up with what the topics
 * already held (earlier runs, or anything published while the pipeline was
 * down): a measurement taken over a backlog measures the backlog.
 */
export async function waitPipelineIdle(log: (line: string) => void): Promise<void> {
  const settings = readConnectionSettings();
  const admin = createKafka({ brokers: settings.kafkaBrokers, clientId: 'bench-pipeline-idle', logger: rootLogger.child({}, { level: 'warn' }) }).admin();
  await admin.connect();
  try {
    const rollups = defaultResolutions.map(topicNames.rollups);
    const groups: [string, string[]][] = [
      ...[timescaleSinkGroupId, redisSinkGroupId].flatMap((group): [string, string[]][] => [
        [group, [topicNames.measurements]],
        [rollupsGroupOf(group), rollups],
      ]),
      [`${rollupsGroupIdPrefix}-1m`, [topicNames.measurements]],
    ];
    const deadline = Date.now() + 15 * 60_000;
    for (let polls = 0; ; polls++) {
      const lags = await groupLags(admin, groups);
      const total = lags.reduce((a, b) => a + b, 0);
      // the rollup stages keep emitting provisional rollups, so "idle" is a lag of a few seconds' output
      if (total < 5000) return;
      if (Date.now() > deadline) throw new Error(`the pipeline did not catch up with the topics' backlog in 15 minutes (${total} records behind)`);
      if (polls % 5 === 0) log(`  catching up with the topics' backlog first: ${groups.map(([g], i) => `${g} ${lags[i]}`).join(', ')} records behind`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  } finally {
    await admin.disconnect();
  }
}
