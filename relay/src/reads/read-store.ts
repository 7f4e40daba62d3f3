/**
 * Read positions: how far each member has read each destination, kept by the relay so that a
 * member who joins later (or reloads) sees who has read what, and unread counts can be computed
 * (`unread = newest offset − my offset`). A store knows destinations, users and numbers, never
 * sockets or STOMP: the relay's `ReadService` decides what to store and announces changes.
 *
 * Positions only move forward within an epoch: {@link ReadStore.mark} keeps the larger of the
 * stored and the given offset, and a position marked in another epoch is replaced whole (offsets
 * of an old epoch mean nothing in a new one). Every destination's positions expire together when
 * nobody has marked anything there for the store's TTL (the history TTL: once the messages are
 * gone, so is the point of knowing who read them).
 */

/** One member's read position in one destination. */
export interface ReadPosition {
  /** Verified user id of the reader (the JWT `sub`). */
  user: string;
  /** The destination's epoch the offset belongs to. */
  epoch: string;
  /** Offset of the newest message read (0: none). */
  offset: number;
  /** When the position last moved, relay time in ms since 1970. */
  at: number;
  /** Relay timestamp (`parley-timestamp`) of the message at `offset`, when known. */
  timestamp?: number;
}

/** What {@link ReadStore.mark} did. */
export interface MarkResult {
  /** The position stored after the call (the given one, or the stored one when that was ahead). */
  position: ReadPosition;
  /** Whether the call moved the position (a new reader, a larger offset, or a new epoch). */
  advanced: boolean;
}

/** Settings every store takes. */
export interface ReadStoreOptions {
  /**
   * How long a destination's positions live after the last mark there, in ms. The relay uses
   * the history TTL (`PARLEY_HISTORY_TTL_MS`).
   */
  ttlMs: number;
  /**
   * Most readers remembered per destination; past it the least recently advanced are forgotten
   * first (default {@link MAX_STORED_READERS}).
   */
  maxReaders?: number;
}

/** Default bound on the readers a destination remembers (see {@link ReadStoreOptions}). */
export const MAX_STORED_READERS = 10_000;

export interface ReadStore {
  /**
   * Stores `position` unless the stored one is of the same epoch and at least as far: positions
   * never move back within an epoch. Also keeps the destination's positions alive for the TTL.
   * Atomic per (destination, user), across relays.
   */
  mark(destination: string, position: ReadPosition): Promise<MarkResult>;
  /** One user's position, if remembered. */
  get(destination: string, user: string): Promise<ReadPosition | undefined>;
  /** Up to `limit` positions of a destination, the most recently advanced first. */
  list(destination: string, limit: number): Promise<ReadPosition[]>;
  /** Releases connections; later calls reject. Positions stay (they expire by themselves). */
  close(): Promise<void>;
}

/**
 * Parses a position stored as text (`epoch \t offset \t at \t timestamp`, see `lua/mark.lua`);
 * undefined for text it did not write.
 * @internal
 */
export function decodePosition(user: string, text: string): ReadPosition | undefined {
  const m = /^([^\t]*)\t(\d+)\t(\d+)\t(\d*)$/.exec(text);
  if (!m) return undefined;
  return {
    user,
    epoch: m[1]!,
    offset: Number(m[2]),
    at: Number(m[3]),
    ...(m[4] !== '' && { timestamp: Number(m[4]) }),
  };
}

/** Whether `next` moves `stored` (none, another epoch, or a larger offset). @internal */
export function advances(stored: ReadPosition | undefined, next: ReadPosition): boolean {
  return stored === undefined || stored.epoch !== next.epoch || next.offset > stored.offset;
}
