import { StompParseError } from '../codec/index.js';
import { REASONS, StompError } from '../reasons.js';
import { QueueFullError } from './hub-contract.js';

/**
 * The ERROR a failure ends a session with; `undefined` for a fault of the relay's own (the
 * session logs it and reports `internal-error`).
 * @internal
 */
export function knownStompError(err: unknown): StompError | undefined {
  if (err instanceof StompError) return err;
  if (err instanceof QueueFullError) return new StompError(REASONS.limitExceeded, err.message);
  if (err instanceof Error && err.name === 'BrokerUnavailableError') {
    return new StompError(
      REASONS.brokerUnavailable,
      'the relay cannot reach its broker right now; reconnect to recover',
    );
  }
  if (err instanceof StompParseError) {
    const tooLarge =
      err.code === 'frame-too-large' ||
      err.code === 'too-many-headers' ||
      err.code === 'header-line-too-long';
    return new StompError(tooLarge ? REASONS.frameTooLarge : REASONS.frameInvalid, err.message);
  }
  return undefined;
}
