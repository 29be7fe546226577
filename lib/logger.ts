import pino, { type Logger } from 'pino';
import { logLevels } from './config';

export type { Logger };

/**
 * The process's one pino logger; JSON lines on stdout, level from LOG_LEVEL. A
 * value that is no level starts at info: the CLI then reports it as CONFIG_INVALID.
 */
export const rootLogger: Logger = pino({
  level: (logLevels as readonly string[]).includes(process.env.LOG_LEVEL ?? '') ? process.env.LOG_LEVEL : 'info',
  base: { pid: process.pid },
  timestamp: pino.stdTimeFunctions.isoTime,
  redact: { paths: ['*.password', '*.databaseUrl', '*.redisUrl'], censor: '***' },
});

/** A child logger carrying the component's name on every line. */
export function componentLogger(component: string): Logger {
  return rootLogger.child({ component });
}
