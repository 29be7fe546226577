import pino, { type Logger } from 'pino';

export type { Logger };

/** The process's one pino logger; JSON lines on stdout, level from LOG_LEVEL. */
export const rootLogger: Logger = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  base: { pid: process.pid },
  timestamp: pino.stdTimeFunctions.isoTime,
  redact: { paths: ['*.password', '*.databaseUrl', '*.redisUrl'], censor: '***' },
});

/** A child logger carrying the component's name on every line. */
export function componentLogger(component: string): Logger {
  return rootLogger.child({ component });
}
