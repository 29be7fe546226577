/**
 * Sums of samples in Prometheus' text format, as a component's `/metrics`
 * answers: `alerts_transaction_seconds_count` over all its label sets, say,
 * read before and after a run. Pure, but for `scrapeSums`.
 */
export function metricSum(text: string, name: string): number {
  let sum = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (match?.[1] !== name) continue;
    sum += Number(match[3]);
    found = true;
  }
  return found ? sum : Number.NaN;
}

/** The sums of `names` in the metrics at `url` now. */
export async function scrapeSums(url: string, names: readonly string[]): Promise<Record<string, number>> {
  const text = await (await fetch(url)).text();
  return Object.fromEntries(names.map((name) => [name, metricSum(text, name)]));
}

/** after - before, name by name. */
export function difference(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([name, value]) => [name, value - (before[name] ?? 0)]));
}
