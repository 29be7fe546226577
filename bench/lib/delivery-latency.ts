/**
 * Matches what a receiver got against what was produced: the latency of
 * each arrival (its time minus its record's produce time, same clock), the
 * records that never arrived, arrivals of no known record, and repeats (a
 * webhook is delivered at least once: a repeat is counted, its latency not).
 * Pure.
 */
export interface Arrival {
  key: string;
  at: number;
}

export interface DeliveryMatch {
  latencies: number[];
  /** produced, never received */
  missing: number;
  /** received, of no record produced */
  unknown: number;
  /** received again after its first arrival */
  repeats: number;
}

export function matchDeliveries(produced: ReadonlyMap<string, number>, arrivals: readonly Arrival[]): DeliveryMatch {
  const seen = new Set<string>();
  const latencies: number[] = [];
  let unknown = 0;
  let repeats = 0;
  for (const { key, at } of arrivals) {
    const sentAt = produced.get(key);
    if (sentAt === undefined) unknown++;
    else if (seen.has(key)) repeats++;
    else {
      seen.add(key);
      latencies.push(at - sentAt);
    }
  }
  return { latencies, missing: produced.size - seen.size, unknown, repeats };
}
