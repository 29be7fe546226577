/**
 * Counts a component's JSON log lines (pino) by their `event` (or their
 * message when they carry none), and the lines that mention given words: how
 * often a processor aborted a transaction, say, over a measured run. Feed it
 * a logger's lines (`counter.logger()`) or a child process's output in chunks.
 */
import pino, { type Logger } from 'pino';

export class LogEventCounter {
  readonly events = new Map<string, number>();
  readonly mentions: Record<string, number>;
  private partial = '';

  /** `words`: name -> text whose lines are counted under name. */
  constructor(private readonly words: Record<string, string> = {}) {
    this.mentions = Object.fromEntries(Object.keys(words).map((name) => [name, 0]));
  }

  /** One line. Lines that are not JSON count under `(text)`. */
  line(text: string): void {
    if (text.trim() === '') return;
    let key = '(text)';
    try {
      const parsed = JSON.parse(text) as { event?: unknown; msg?: unknown };
      key = typeof parsed.event === 'string' ? parsed.event : typeof parsed.msg === 'string' ? parsed.msg : '(no event)';
    } catch {
      // not a JSON line
    }
    this.events.set(key, (this.events.get(key) ?? 0) + 1);
    for (const [name, word] of Object.entries(this.words)) if (text.includes(word)) this.mentions[name] = (this.mentions[name] ?? 0) + 1;
  }

  /** Output in arbitrary chunks: a line split over two chunks counts once, when its end comes. */
  chunk(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  count(event: string): number {
    return this.events.get(event) ?? 0;
  }

  /** Counts now, and forgets them: one measured run's. */
  take(): { events: Record<string, number>; mentions: Record<string, number> } {
    const taken = { events: Object.fromEntries([...this.events].sort(([, a], [, b]) => b - a)), mentions: { ...this.mentions } };
    this.events.clear();
    for (const name of Object.keys(this.mentions)) this.mentions[name] = 0;
    return taken;
  }

  /** A pino logger whose lines (at `level` and above) are counted here and written nowhere. */
  logger(level = 'debug', base: Record<string, unknown> = {}): Logger {
    return pino({ level, base }, { write: (line: string) => this.chunk(line) });
  }
}
