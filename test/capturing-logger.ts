import pino from 'pino';

/** A logged line, parsed: its event and message, and whatever else it carried. */
export type LoggedEvent = { event?: string; msg?: string } & Record<string, unknown>;

/** A logger that keeps its lines, to see what a component logged (a retry, a refusal). */
export function capturingLogger(component: string): { logger: pino.Logger; events: () => LoggedEvent[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'info', base: { component } }, { write: (line: string) => void lines.push(line) });
  return { logger, events: () => lines.map((line) => JSON.parse(line) as LoggedEvent) };
}
