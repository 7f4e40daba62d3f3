import { pino } from 'pino';
import type { Logger } from 'pino';

/** The relay's structured logger (JSON lines on stdout). */
export function createLogger(level: string): Logger {
  // Synchronous writes: lines appear in the order they were logged, and none is lost when the
  // process exits right after (a refused start, a fatal error).
  return pino({ level, base: { svc: 'parley-relay' } }, pino.destination({ dest: 1, sync: true }));
}

export type { Logger };
