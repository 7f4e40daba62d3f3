import type { Broker, PublishInput } from '../broker/broker.js';
import type { ReadPosition, ReadStore } from './read-store.js';

/** `parley-kind` of read events (live) and of mark requests. */
export const READ_KIND = 'read';
/** Header of a mark request and of read events: the reader's position. */
export const READ_OFFSET_HEADER = 'parley-read-offset';
/** Header of read events: relay timestamp of the newest message read. */
export const READ_TIMESTAMP_HEADER = 'parley-read-timestamp';
/** Default {@link ReadServiceOptions.listLimit} (`PARLEY_READS_LIMIT`). */
export const DEFAULT_READS_LIMIT = 100;

/** Who is reading. */
export interface Reader {
  userId: string;
  name?: string;
}

export interface ReadServiceOptions {
  store: ReadStore;
  /** Where the destinations' newest offsets come from, and where read events go. */
  broker: Broker;
  /** Most positions one reply lists (`PARLEY_READS_LIMIT`); the requester's own is extra. */
  listLimit: number;
  /** Clock (default `Date.now`). */
  now?: () => number;
}

/** What a mark did. */
export interface MarkOutcome {
  /** The reader's position after the mark. */
  position: ReadPosition;
  /** Whether it moved (only then is a read event published). */
  advanced: boolean;
  /** The destination's newest offset when the mark was made. */
  newest: number;
}

/** One position in a reads reply. */
export interface ReadJson {
  user: string;
  offset: number;
  /** When the position last moved, ms since 1970. */
  at: number;
  /** Relay timestamp of the message at `offset`, when known. */
  timestamp?: number;
}

/** The other participant's position in a conversation, from their own copy. */
export interface PeerReadJson {
  user: string;
  /** Relay timestamp of the newest message they have read; absent when they have read none. */
  timestamp?: number;
  at?: number;
}

/** Reply of `/parley/reads` and `GET /api/reads` (docs/protocol.md#read-positions). */
export interface ReadsJson {
  destination: string;
  /** The destination's current epoch ('' before its first message). */
  epoch: string;
  /** The destination's newest offset (0 when none). */
  newest: number;
  /** Positions of this epoch, most recently moved first. */
  reads: ReadJson[];
  /** Conversation copies only: the peer's position as a timestamp. */
  peer?: PeerReadJson;
}

/**
 * Read positions: marks (bounded by the destination's newest offset, never backwards within an
 * epoch, announced live as ephemeral `parley-kind:read` messages) and the lists replies are
 * made of. Knows destinations and users, not STOMP or HTTP.
 */
export class ReadService {
  private readonly now: () => number;

  constructor(private readonly options: ReadServiceOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Marks `destination` read by `reader` up to `offset` (at most the newest offset). When the
   * position moves, a read event goes to the destination and, for a conversation copy, one with
   * only the timestamp to the peer's copy (`peerCopy`).
   */
  async mark(
    destination: string,
    reader: Reader,
    offset: number,
    peerCopy?: string,
  ): Promise<MarkOutcome> {
    const { broker, store } = this.options;
    const latest = await broker.history(destination, { limit: 1 });
    const newest = latest.last;
    const target = Math.min(offset, newest);
    let timestamp: number | undefined;
    const top = latest.messages[0];
    if (target > 0 && top?.offset === target) timestamp = top.timestamp;
    else if (target > 0) {
      const page = await broker.history(destination, { after: target - 1, limit: 1 });
      const m = page.messages[0];
      if (m?.offset === target && page.epoch === latest.epoch) timestamp = m.timestamp;
    }
    const { position, advanced } = await store.mark(destination, {
      user: reader.userId,
      epoch: latest.epoch,
      offset: target,
      at: this.now(),
      ...(timestamp !== undefined && { timestamp }),
    });
    if (advanced) {
      await this.announce(destination, reader, position, true);
      if (peerCopy !== undefined && position.timestamp !== undefined) {
        await this.announce(peerCopy, reader, position, false);
      }
    }
    return { position, advanced, newest };
  }

  /**
   * The reply for `destination` (the internal one; `requested` is how the client wrote it): up
   * to `listLimit` positions of the current epoch, the most recently moved first, plus the
   * requester's own when it is not among them; with `peer`, the peer's position on their copy.
   */
  async reads(
    requested: string,
    destination: string,
    options: { requester?: string; peer?: { user: string; copy: string } } = {},
  ): Promise<ReadsJson> {
    const { broker, store, listLimit } = this.options;
    const [latest, listed] = await Promise.all([
      broker.history(destination, { limit: 1 }),
      store.list(destination, listLimit),
    ]);
    const current = listed.filter((p) => p.epoch === latest.epoch);
    const { requester, peer } = options;
    if (requester !== undefined && !listed.some((p) => p.user === requester)) {
      const own = await store.get(destination, requester);
      if (own?.epoch === latest.epoch) current.push(own);
    }
    const reply: ReadsJson = {
      destination: requested,
      epoch: latest.epoch,
      newest: latest.last,
      reads: current.map(readJson),
    };
    if (peer) {
      const theirs = await store.get(peer.copy, peer.user);
      reply.peer = {
        user: peer.user,
        ...(theirs?.timestamp !== undefined && { timestamp: theirs.timestamp, at: theirs.at }),
      };
    }
    return reply;
  }

  /** Publishes one ephemeral read event (with the offset only where it means something). */
  private async announce(
    destination: string,
    reader: Reader,
    position: ReadPosition,
    withOffset: boolean,
  ): Promise<void> {
    const headers: Array<[string, string]> = [['parley-kind', READ_KIND]];
    if (withOffset) headers.push([READ_OFFSET_HEADER, String(position.offset)]);
    if (position.timestamp !== undefined) {
      headers.push([READ_TIMESTAMP_HEADER, String(position.timestamp)]);
    }
    const input: PublishInput = {
      destination,
      body: new Uint8Array(),
      headers,
      sender: reader.userId,
      ...(reader.name !== undefined && { senderName: reader.name }),
      ephemeral: true,
    };
    await this.options.broker.publish(input);
  }
}

function readJson(p: ReadPosition): ReadJson {
  return {
    user: p.user,
    offset: p.offset,
    at: p.at,
    ...(p.timestamp !== undefined && { timestamp: p.timestamp }),
  };
}
