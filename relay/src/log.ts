import { pino } from 'pino';
import type { Logger } from 'pino';

/** The relay's structured logger (JSON lines on stdout). */
export function createLogger(level: string): Logger {
  return pino({ level, base: { svc: 'parley-relay' } });
}

export type { Logger };
