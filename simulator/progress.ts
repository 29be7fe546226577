import { SingleBar, Presets } from 'cli-progress';
import type { SimulationProgress, SimulationStats } from './index';

export interface ProgressReporter {
  update(progress: SimulationProgress): void;
  stop(): void;
}

/** One line of progress, for logs where there is no terminal (CI). */
export function progressLine(p: SimulationProgress): string {
  const percent = p.totalRegularMessages > 0 ? Math.floor((100 * p.regularMessages) / p.totalRegularMessages) : 100;
  return `simulate: ${percent}% ${p.messages} messages, ${p.readings} readings, ${p.acked} acked, ${Math.round(p.ratePerSecond)} readings/s, ${p.elapsedSeconds.toFixed(1)} s`;
}

/**
 * A progress bar on a terminal, else a progress line every `lineEveryMs`.
 * Writes to `stream` (stderr by default, so stdout keeps the summary).
 */
export function createProgressReporter(options: { tty?: boolean; stream?: NodeJS.WriteStream; lineEveryMs?: number } = {}): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  if (options.tty ?? stream.isTTY) {
    const bar = new SingleBar({ stream, format: 'simulate |{bar}| {percentage}% | {value}/{total} messages | {rate} readings/s | {acked} acked', hideCursor: true }, Presets.shades_classic);
    let started = false;
    return {
      update(p) {
        const payload = { rate: Math.round(p.ratePerSecond), acked: p.acked };
        if (!started) bar.start(p.totalRegularMessages, p.regularMessages, payload);
        else bar.update(p.regularMessages, payload);
        started = true;
      },
      stop: () => bar.stop(),
    };
  }
  const every = options.lineEveryMs ?? 5000;
  let lastAt = Number.NEGATIVE_INFINITY;
  return {
    update(p) {
      const now = p.elapsedSeconds * 1000;
      if (now - lastAt < every && p.regularMessages < p.totalRegularMessages) return;
      lastAt = now;
      stream.write(`${progressLine(p)}\n`);
    },
    stop: () => undefined,
  };
}

/** The end-of-run summary lines. */
export function summaryLines(stats: SimulationStats): string[] {
  return [
    `published ${stats.messages} messages (${stats.readingsPerMessage} readings each; ${stats.duplicates} duplicates, ${stats.malformed} malformed, ${stats.outOfOrder} out of order)`,
    `readings  ${stats.readings} in ${stats.seconds.toFixed(2)} s: ${Math.round(stats.ratePerSecond)} readings/s achieved, ${Math.round(stats.offeredRate)} offered`,
    `acked     ${stats.acked} of ${stats.messages}${stats.failed ? `, ${stats.failed} failed` : ''}${stats.complete ? '' : ' (incomplete)'}`,
  ];
}
