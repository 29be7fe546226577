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

export const topicNames = {
  measurements: 'fleet.measurements.v1',
  deadLetter: 'fleet.deadletter.v1',
  rollups: (resolution: string) => `fleet.rollups.${resolution}.v1`,
} as const;

export interface CatalogueOptions {
  /** Partitions of the keyed topics (measurements and rollups). Default 6. */
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
  ];
}
