import { REASONS, StompError } from '../reasons.js';

/** Longest heart-beat period the relay agrees to, in ms. */
export const MAX_HEARTBEAT_MS = 3_600_000;

/** Versions this relay speaks, best first. */
export const SUPPORTED_VERSIONS = ['1.2', '1.1', '1.0'] as const;

/** Highest common version; a missing `accept-version` means 1.0 (STOMP 1.2 §CONNECT). */
export function negotiateVersion(acceptVersion: string | undefined): string {
  if (acceptVersion === undefined) return '1.0';
  const offered = new Set(acceptVersion.split(',').map((v) => v.trim()));
  const common = SUPPORTED_VERSIONS.find((v) => offered.has(v));
  if (!common) {
    throw new StompError(
      REASONS.versionUnsupported,
      `no common STOMP version: client offers ${acceptVersion.slice(0, 40)}, relay speaks ${SUPPORTED_VERSIONS.join(',')}`,
      [['version', SUPPORTED_VERSIONS.join(',')]],
    );
  }
  return common;
}

/** Shortest heart-beat period the relay agrees to by default, in ms (`PARLEY_HEARTBEAT_MIN_MS`). */
export const DEFAULT_HEARTBEAT_MIN_MS = 1000;

/**
 * Heart-beat periods from the client's `heart-beat: cx,cy` (STOMP 1.2 §Heart-beating).
 * `send`: how often the relay sends EOLs; `receive`: how often it expects them (0 = never).
 *
 * Per direction: 0 when either side says 0 (a missing header is `0,0`, `serverMs` 0 turns
 * heart-beats off), else what the client asks (`cy`) or offers (`cx`), raised to `minMs` so
 * that no client makes the relay wake up more often than that, and clamped to an hour.
 */
export function negotiateHeartbeat(
  value: string | undefined,
  serverMs: number,
  minMs: number = DEFAULT_HEARTBEAT_MIN_MS,
): { send: number; receive: number } {
  if (value === undefined) return { send: 0, receive: 0 };
  const m = /^\s*(\d+)\s*,\s*(\d+)\s*$/.exec(value);
  if (!m)
    throw new StompError(
      REASONS.protocolError,
      `heart-beat header must be "cx,cy", got "${value.slice(0, 40)}"`,
    );
  if (serverMs === 0) return { send: 0, receive: 0 };
  // Periods longer than an hour are clamped: they mean "rarely", and Node timers overflow at 2^31 ms.
  const period = (client: number) =>
    client === 0 ? 0 : Math.min(Math.max(client, minMs), MAX_HEARTBEAT_MS);
  return { send: period(Number(m[2])), receive: period(Number(m[1])) };
}
