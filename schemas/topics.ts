/**
 * The topic catalogue: every topic fleetstream reads or writes, with the
 * partition count and configuration `fleetstream topics apply` gives it.
 * Records are keyed by series path, so one series lives in one partition.
 */
export interface TopicSpec {
  name: string;
  partitions: number;
  /** Topic-level configuration; anything not named keeps the broker's default. */
  config: Record<string, string>;
  purpose: string;
}

const day = 24 * 60 * 60 * 1000;

/** Rollup resolutions, finest first; each stage is computed from the one before it. */
export const defaultResolutions = ['1m', '1h', '1d'] as const;

/** The rollup processor's default prefix of its consumer groups and state changelogs. */
export const rollupsGroupIdPrefix = 'fleetstream-rollups';

/** The commands processor's default consumer group, and the prefix of its state changelog. */
export const commandsGroupId = 'fleetstream-commands';

/** The alerts processor's default consumer group, and the prefix of its state changelog. */
export const alertsGroupId = 'fleetstream-alerts';

/** The timescale-sink's default consumer group: the rollups' corrections wait for it to have stored the raw readings. */
export const timescaleSinkGroupId = 'fleetstream-timescale-sink';
/** The redis-sink's default consumer group. */
export const redisSinkGroupId = 'fleetstream-redis-sink';

export const topicNames = {
  measurements: 'fleet.measurements.v1',
  deadLetter: 'fleet.deadletter.v1',
  /** What devices publish besides readings: command answers, shadow requests, configuration acknowledgements, presence; key = device. */
  deviceMessages: 'fleet.device-messages.v1',
  /** Messages for devices, which the mqtt-downlink publishes; key = device. */
  downlink: 'fleet.downlink.v1',
  /** Command requests and cancellations from the API; key = device. */
  commands: 'fleet.commands.v1',
  /** Each command's current status, written by the commands processor; key = command id, compacted. */
  commandStatus: 'fleet.command-status.v1',
  /** The commands processor's state (presence and open commands per device), partition for partition with its inputs. */
  commandState: (groupId: string = commandsGroupId) => `${groupId}.state`,
  /** Requests to device shadows from the API, for the shadow processor; key = device. */
  shadowRequests: 'fleet.shadow-requests.v1',
  /** Device shadows as the shadow processor committed them (compacted); key = device. */
  shadows: 'fleet.shadows.v1',
  /** The shadow processor's answers to the API's requests; key = device. */
  shadowResults: 'fleet.shadow-results.v1',
  /** Each device's new desired configuration, from the API; key = device. */
  configAssignments: 'fleet.config-assignments.v1',
  rollups: (resolution: string) => `fleet.rollups.${resolution}.v1`,
  /** Alert events (AlertEvent): every transition of every (rule, series), written by the alerts processor; key = series path. */
  alerts: 'fleet.alerts.v1',
  /** Handler executions asked by automations and notifications (HandlerRequest), for the handler workers; key = execution id. */
  handlerRequests: 'fleet.handler-requests.v1',
  /** Each handler execution's current status (HandlerResult), written by the handler workers; key = execution id, compacted. */
  handlerResults: 'fleet.handler-results.v1',
  /** The alerts processor's state per (rule, series), partition for partition with its inputs. */
  alertState: (groupId: string = alertsGroupId) => `${groupId}.state`,
  /** A rollup stage's window state changelog. */
  rollupState: (resolution: string, groupIdPrefix: string = rollupsGroupIdPrefix) => `${groupIdPrefix}.${resolution}.state`,
  /** Windows the rollup stages closed and then took input for: the corrector recomputes them from the raw readings. */
  rollupInvalidations: (groupIdPrefix: string = rollupsGroupIdPrefix) => `${groupIdPrefix}.invalidations`,
} as const;

export interface CatalogueOptions {
  /** Partitions of the keyed topics (measurements, rollups and the rollup state changelogs). Default 6. */
  partitions?: number;
  resolutions?: readonly string[];
}

/** Rollup retention per resolution; a compacted rollup topic keeps the newest revision of each window. */
const rollupRetentionMs: Record<string, number> = { '1m': 7 * day, '1h': 90 * day, '1d': -1 };

export function topicCatalogue(options: CatalogueOptions = {}): TopicSpec[] {
  const partitions = options.partitions ?? 6;
  const resolutions = options.resolutions ?? defaultResolutions;
  return [
    {
      name: topicNames.measurements,
      partitions,
      config: { 'cleanup.policy': 'delete', 'retention.ms': String(7 * day) },
      purpose: 'Avro Measurement records from the MQTT source, key = series path',
    },
    {
      name: topicNames.deadLetter,
      partitions: 1,
      config: { 'cleanup.policy': 'delete', 'retention.ms': String(30 * day) },
      purpose: 'anything rejected, with the original bytes, the source and the reason',
    },
    {
      name: topicNames.deviceMessages,
      partitions,
      config: { 'cleanup.policy': 'delete', 'retention.ms': String(7 * day) },
      purpose: 'Avro DeviceMessage records: what devices publish besides readings (schemas/device-topics.ts), key = device',
    },
    {
      name: topicNames.downlink,
      partitions,
      config: { 'cleanup.policy': 'delete', 'retention.ms': String(7 * day) },
      purpose: 'Avro DownlinkMessage records: messages for devices, published to MQTT by the mqtt-downlink, key = device',
    },
    {
      name: topicNames.commands,
      partitions,
      config: { 'cleanup.policy': 'delete', 'retention.ms': String(7 * day) },
      purpose: 'Avro CommandRequest records from the API (send, cancel), key = device',
    },
    {
      name: topicNames.commandStatus,
      partitions,
      // compacted: a command's newest status is what any API replica reads back; a week of finished ones is kept
      // (commands live at most commandLimits' longest ttl plus timeout, well under it)
      config: { 'cleanup.policy': 'compact,delete', 'retention.ms': String(7 * day) },
      purpose: "Avro CommandStatus records: each command's current status, key = command id",
    },
    commandStateTopic(topicNames.commandState(), partitions),
    {
      name: topicNames.shadowRequests,
      partitions,
      config: { 'cleanup.policy': 'delete', 'retention.ms': String(7 * day) },
      purpose: 'Avro ShadowRequest records: changes to device shadows asked through the API, for the shadow processor, key = device',
    },
    {
      name: topicNames.shadows,
      partitions,
      // compacted: the newest state of each device is all a restore or a reader needs; a deleted shadow is a record too (its version counts on)
      config: { 'cleanup.policy': 'compact' },
      purpose: 'Avro ShadowState records: each device\'s shadow as its one writer, the shadow processor, committed it, key = device',
    },
    {
      name: topicNames.shadowResults,
      partitions,
      // read only by API replicas waiting for an answer, seconds after it was written
      config: { 'cleanup.policy': 'delete', 'retention.ms': String(day) },
      purpose: 'Avro ShadowResult records: the shadow processor\'s answers to the API\'s requests, key = device',
    },
    {
      name: topicNames.configAssignments,
      // as many partitions as the device messages: the configuration processor reads both co-partitioned
      partitions,
      config: { 'cleanup.policy': 'delete', 'retention.ms': String(7 * day) },
      purpose: 'Avro ConfigAssignment records: a device\'s new desired configuration, from the API, key = device',
    },
    ...resolutions.map((resolution) => ({
      name: topicNames.rollups(resolution),
      partitions,
      // compacted: a provisional rollup is replaced by its final revision under the same key
      config: {
        'cleanup.policy': rollupRetentionMs[resolution] === -1 ? 'compact' : 'compact,delete',
        'retention.ms': String(rollupRetentionMs[resolution] ?? 30 * day),
      },
      purpose: `Avro Rollup records at ${resolution}, key = path + window start`,
    })),
    ...resolutions.map((resolution) => rollupStateTopic(topicNames.rollupState(resolution), partitions)),
    rollupInvalidationsTopic(topicNames.rollupInvalidations(), partitions),
    {
      name: topicNames.alerts,
      partitions,
      config: { 'cleanup.policy': 'delete', 'retention.ms': String(30 * day) },
      purpose: 'Avro AlertEvent records: every transition of an alert (pending, firing, escalated, resolved, ...), key = series path',
    },
    alertStateTopic(topicNames.alertState(), partitions),
    {
      name: topicNames.handlerRequests,
      partitions,
      config: { 'cleanup.policy': 'delete', 'retention.ms': String(7 * day) },
      purpose: 'Avro HandlerRequest records: handler executions asked by automations and notifications, key = execution id',
    },
    {
      name: topicNames.handlerResults,
      partitions,
      // compacted: an execution's newest status is what the API reads back; a week of finished ones is kept
      config: { 'cleanup.policy': 'compact,delete', 'retention.ms': String(7 * day) },
      purpose: "Avro HandlerResult records: each handler execution's current status, key = execution id",
    },
  ];
}

/**
 * A rollup stage's state changelog: partition p holds the window state of its
 * input's partition p, so it has as many partitions as the input (every keyed
 * topic has `partitions`), and `topics apply --partitions N` grows them
 * together. Compacted: the latest record of each key is all a restore reads.
 *
 * Every window's chunks are tombstoned when it closes, so much of the log is
 * tombstones, which compaction keeps for `delete.retention.ms` (Kafka's
 * default a day): after a day of 5,000 readings/s and some backlogs, a 1m
 * stage restored about 690 MB, for more than six minutes, against a
 * 5-minute restore timeout. An hour is still far longer than a restore may
 * take (ROLLUPS_RESTORE_TIMEOUT, checked at start), so a restore sees every
 * tombstone of what it read; segments roll hourly, so the active segment,
 * which compaction never touches, holds at most an hour on a cluster whose
 * segments are 1 GiB.
 */
export const ROLLUP_STATE_TOMBSTONE_RETENTION_MS = 60 * 60 * 1000;

export function rollupStateTopic(name: string, partitions: number): TopicSpec {
  return {
    name,
    partitions,
    config: { 'cleanup.policy': 'compact', 'delete.retention.ms': String(ROLLUP_STATE_TOMBSTONE_RETENTION_MS), 'segment.ms': String(ROLLUP_STATE_TOMBSTONE_RETENTION_MS) },
    purpose: 'the window state of a rollup stage, key = series path or window chunk',
  };
}

/**
 * The rollup stages' invalidations: windows to recompute from the raw readings,
 * key = series path, so one series' are in one partition, in order. Read once
 * by the corrector; kept a day for a corrector that was down.
 */
export function rollupInvalidationsTopic(name: string, partitions: number): TopicSpec {
  return { name, partitions, config: { 'cleanup.policy': 'delete', 'retention.ms': String(day) }, purpose: 'windows of the rollups to correct from the raw readings, key = series path' };
}

/**
 * The commands processor's state changelog: partition p holds the state of
 * the devices of its inputs' partition p (both keyed by device), so it has as
 * many partitions as they do. Compacted: a device's presence and each open
 * command are records of their own, tombstoned when done with.
 */
export function commandStateTopic(name: string, partitions: number): TopicSpec {
  return { name, partitions, config: { 'cleanup.policy': 'compact' }, purpose: 'the commands processor\'s state: presence and open commands per device, key = device or device + command id' };
}

/**
 * The alerts processor's state changelog: partition p holds the state of the
 * (rule, series) pairs of its inputs' partition p (all keyed by series path),
 * so it has as many partitions as they do. Compacted: the latest state of
 * each pair is all a restore reads; a pair back to normal is tombstoned.
 */
export function alertStateTopic(name: string, partitions: number): TopicSpec {
  return { name, partitions, config: { 'cleanup.policy': 'compact' }, purpose: 'the alerts processor\'s state per (rule, series), key = rule + series path' };
}
