import { type Logger, pino } from 'pino';
import type { Env } from './env.ts';

export type { Logger } from 'pino';

/** JSON logs on stdout; `service` names the process so mixed logs can be told apart. */
export function createLogger(env: Pick<Env, 'LOG_LEVEL'>, service: string): Logger {
  return pino({
    level: env.LOG_LEVEL,
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.token'],
      censor: '[redacted]',
    },
  });
}
