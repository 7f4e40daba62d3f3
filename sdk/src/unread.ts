/**
 * Unread counting: `unread = newest offset known − my read position`, within one epoch
 * (docs/protocol.md#read-positions). Pure functions over an immutable state.
 *
 * @internal
 */
export interface UnreadState {
  /** The epoch the numbers belong to (`''` until known). */
  readonly epoch: string;
  /** The newest offset seen or reported. */
  readonly newest: number;
  /** My read position (offsets up to it are read). */
  readonly read: number;
}

/** Nothing known yet. @internal */
export const NO_UNREAD: UnreadState = { epoch: '', newest: 0, read: 0 };

/** The unread count of `s`. @internal */
export function unreadCount(s: UnreadState): number {
  return Math.max(0, s.newest - s.read);
}

/** Moves to `epoch` if it is another one: history started over, so did every position. */
function inEpoch(s: UnreadState, epoch: string): UnreadState {
  return epoch === '' || epoch === s.epoch ? s : { epoch, newest: 0, read: 0 };
}

/**
 * A stored message arrived (or came in a resync page); `mine` when I sent it, which counts as
 * read.
 *
 * @internal
 */
export function onMessage(
  s: UnreadState,
  m: { epoch: string; offset: number },
  mine: boolean,
): UnreadState {
  if (m.offset <= 0) return s;
  const e = inEpoch(s, m.epoch);
  const newest = Math.max(e.newest, m.offset);
  return { epoch: e.epoch || m.epoch, newest, read: mine ? Math.max(e.read, m.offset) : e.read };
}

/** My read position moved to `offset` (a mark of mine, from this tab or another). @internal */
export function onRead(s: UnreadState, offset: number): UnreadState {
  return offset > s.read ? { ...s, read: offset } : s;
}

/**
 * The relay's reads reply: its newest offset and my stored position (0 if none) for its epoch.
 * What this client saw of the same epoch since the request was sent is kept.
 *
 * @internal
 */
export function onReads(
  s: UnreadState,
  reply: { epoch: string; newest: number },
  mine: number,
): UnreadState {
  const e = inEpoch(s, reply.epoch);
  return {
    epoch: reply.epoch || e.epoch,
    newest: Math.max(e.newest, reply.newest),
    read: Math.max(e.read, mine),
  };
}
