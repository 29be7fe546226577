/**
 * Warm up, then repeat variants interleaved (A B A B, not A A B B), so a
 * machine that gets busier during the run hurts every variant alike.
 */
export interface RepeatOptions {
  /** Runs of each variant before measuring, thrown away. Default 1. */
  warmups?: number;
  /** Measured runs of each variant. Default 3. */
  repetitions?: number;
  /** Called before each run, for progress lines. */
  onRun?(variant: string, run: { warmup: boolean; index: number }): void;
}

export async function repeatInterleaved<T>(variants: Record<string, () => Promise<T>>, options: RepeatOptions = {}): Promise<Record<string, T[]>> {
  const names = Object.keys(variants);
  const results: Record<string, T[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < (options.warmups ?? 1); i++) {
    for (const name of names) {
      options.onRun?.(name, { warmup: true, index: i });
      await (variants[name] as () => Promise<T>)();
    }
  }
  for (let i = 0; i < (options.repetitions ?? 3); i++) {
    for (const name of names) {
      options.onRun?.(name, { warmup: false, index: i });
      results[name]?.push(await (variants[name] as () => Promise<T>)());
    }
  }
  return results;
}
