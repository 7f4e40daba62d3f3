import type { Logger } from 'pino';

/** What the signal handling drives. */
export interface Stoppable {
  /** Drains over `windowMs`; called again while draining, ends what is left at once. */
  drain(windowMs: number): Promise<void>;
  /** Open sessions (for the log). */
  readonly sessions: number;
}

/** The process events used (a fake in tests). */
export interface SignalSource {
  on(signal: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
}

/**
 * Resolves once the relay has stopped after a signal: the first SIGTERM or SIGINT drains over
 * `drainMs` (`PARLEY_DRAIN_MS`), a second one ends every remaining session at once. Either way
 * every session gets its ERROR and the broker is closed before this resolves.
 */
export function stopOnSignals(
  relay: Stoppable,
  drainMs: number,
  log: Logger,
  source: SignalSource = process,
): Promise<void> {
  return new Promise<void>((done) => {
    let received = 0;
    const stop = (signal: string): void => {
      received++;
      const first = received === 1;
      log.info(
        { signal, sessions: relay.sessions, drainMs: first ? drainMs : 0 },
        first ? 'shutting down' : 'second signal: ending every session now',
      );
      relay.drain(first ? drainMs : 0).then(done, (err: unknown) => {
        log.error({ err }, 'error during shutdown');
        done();
      });
    };
    source.on('SIGTERM', () => stop('SIGTERM'));
    source.on('SIGINT', () => stop('SIGINT'));
  });
}
