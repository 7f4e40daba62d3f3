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

/**
 * Heart-beat periods from the client's `heart-beat: cx,cy` and the relay's preferred period.
 * `send`: how often the relay sends EOLs; `receive`: how often it expects them (0 = never).
 */
export function negotiateHeartbeat(
  value: string | undefined,
  serverMs: number,
): { send: number; receive: number } {
  if (value === undefined) return { send: 0, receive: 0 };
  const m = /^\s*(\d+)\s*,\s*(\d+)\s*$/.exec(value);
  if (!m)
    throw new StompError(
      REASONS.protocolError,
      `heart-beat header must be "cx,cy", got "${value.slice(0, 40)}"`,
    );
  // Periods longer than an hour are clamped: they mean "rarely", and Node timers overflow at 2^31 ms.
  const cx = Math.min(Number(m[1]), MAX_HEARTBEAT_MS);
  const cy = Math.min(Number(m[2]), MAX_HEARTBEAT_MS);
  return {
    send: cy === 0 || serverMs === 0 ? 0 : Math.max(cy, serverMs),
    receive: cx === 0 || serverMs === 0 ? 0 : Math.max(cx, serverMs),
  };
}
