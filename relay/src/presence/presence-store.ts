/**
 * Who is in a room, across relays. A store knows rooms, users and connection ids, never
 * sockets or STOMP: the relay's `PresenceService` drives it and turns its answers into
 * join/leave events.
 *
 * Every entry (a connection's presence in a room, a connection's online status) expires unless
 * refreshed, so a relay that dies without cleaning up heals by itself: its entries expire and
 * the next {@link PresenceStore.sweep} on any surviving relay reports the users who thereby left.
 *
 * Join/leave accounting is per (room, user) and counts a user's entries whether or not they have
 * expired yet: a user's first entry in a room is a join, and the removal of their last entry (by
 * `leave` or by `sweep`) is the matching leave. So, across all relays, the events of one user in
 * one room alternate join, leave, join, … and each is reported exactly once.
 */

/** A user present in a room. */
export interface Member {
  /** Verified user id (the JWT `sub`). */
  userId: string;
  /** Display name (the JWT `name`), when known. */
  name?: string;
}

/** One connection's entry in one room. */
export interface RoomEntry {
  room: string;
  /** Connection id, unique cluster-wide (e.g. `<relayId>-<sessionId>`); never contains NUL. */
  conn: string;
  userId: string;
}

/** A user who left a room entirely (their last connection there went away). */
export interface Departure {
  room: string;
  member: Member;
}

/** A live connection as its relay sees it, for {@link PresenceStore.refresh}. */
export interface LiveConnection {
  conn: string;
  userId: string;
  /** Rooms this connection is present in. */
  rooms: readonly string[];
}

export interface PresenceStore {
  /**
   * Adds one connection's presence in a room, expiring after `ttlMs` unless refreshed. Resolves
   * true when it is the user's first entry there (→ a join event); joining again with the same
   * connection only extends its entry. The latest join that carries a name sets the user's name.
   */
  join(room: string, conn: string, member: Member, ttlMs: number): Promise<boolean>;
  /**
   * Removes one connection's presence. Resolves true when it was the user's last entry there
   * (→ a leave event); false when the user has other entries, or when this one is already gone
   * (a sweep removed it and reported the leave).
   */
  leave(room: string, conn: string, userId: string): Promise<boolean>;
  /** Distinct users with an unexpired entry in the room, each once, with their names. */
  members(room: string): Promise<Member[]>;
  /**
   * Registers a connection as online (on STOMP CONNECT, with or without any room), expiring
   * after `ttlMs` unless refreshed.
   */
  connect(conn: string, userId: string, ttlMs: number): Promise<void>;
  /** Removes a connection's online registration. */
  disconnect(conn: string, userId: string): Promise<void>;
  /**
   * Keeps these connections alive for another `ttlMs`: registers each as online again and
   * extends each of its room entries. Room entries that are gone (expired and swept, e.g. while
   * this relay could not reach Redis) are not re-created: they are returned, so the caller can
   * join them again, with a join event if that makes the user present again.
   */
  refresh(connections: readonly LiveConnection[], ttlMs: number): Promise<RoomEntry[]>;
  /**
   * Removes expired room entries (a dead relay's) and returns the users who thereby left a room
   * entirely (→ leave events). Safe to run on every relay at once: each departure is reported
   * by exactly one call, across all relays.
   */
  sweep(): Promise<Departure[]>;
  /** For each user id: whether the user has any unexpired online registration, anywhere. */
  online(userIds: readonly string[]): Promise<Record<string, boolean>>;
  /** Releases connections; later calls reject. Entries stay (they expire by themselves). */
  close(): Promise<void>;
}

/** @internal Rejects ids that would break the store's `<userId>\0<conn>` encoding. */
export function checkConn(conn: string): void {
  if (conn.length === 0 || conn.includes('\0')) {
    throw new TypeError('a presence connection id must be non-empty and contain no NUL');
  }
}
