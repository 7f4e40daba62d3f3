import { READ_OFFSET_HEADER, READ_TIMESTAMP_HEADER } from './defaults.js';
import { ParleyError } from './errors.js';
import type { InboundFrame } from './message.js';
import type { Member, ReadPosition } from './events.js';

/** A `/parley/reads` reply (docs/protocol.md#read-positions). @internal */
export interface ReadsReply {
  epoch: string;
  /** The destination's newest offset (0 when it has none). */
  newest: number;
  /** Positions of the current epoch, by user. */
  reads: Map<string, ReadPosition>;
  /** Conversation copies: the peer's read position as a relay timestamp, when they read any. */
  peer?: { user: string; timestamp?: number };
}

const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;

/**
 * Parses a `/parley/reads` reply body; entries that are not well-formed are left out.
 *
 * @throws ParleyError `unknown` if the body is not a reads reply
 * @internal
 */
export function parseReads(json: string): ReadsReply {
  let wire: { epoch?: unknown; newest?: unknown; reads?: unknown; peer?: unknown };
  try {
    wire = JSON.parse(json) as typeof wire;
  } catch (error) {
    throw new ParleyError('unknown', 'read positions: not JSON', {
      cause: error,
    });
  }
  if (!wire || typeof wire !== 'object' || !Array.isArray(wire.reads)) {
    throw new ParleyError('unknown', 'read positions without reads');
  }
  const reads = new Map<string, ReadPosition>();
  for (const r of wire.reads as {
    user?: unknown;
    offset?: unknown;
    at?: unknown;
    timestamp?: unknown;
  }[]) {
    const offset = num(r?.offset);
    if (typeof r?.user !== 'string' || offset === undefined) continue;
    const timestamp = num(r.timestamp);
    reads.set(r.user, {
      offset,
      at: num(r.at) ?? 0,
      ...(timestamp !== undefined && { timestamp }),
    });
  }
  const reply: ReadsReply = {
    epoch: typeof wire.epoch === 'string' ? wire.epoch : '',
    newest: num(wire.newest) ?? 0,
    reads,
  };
  const peer = wire.peer as { user?: unknown; timestamp?: unknown } | undefined;
  if (peer && typeof peer.user === 'string') {
    const timestamp = num(peer.timestamp);
    reply.peer = { user: peer.user, ...(timestamp !== undefined && { timestamp }) };
  }
  return reply;
}

/** A live read event (`parley-kind:read`) as the SDK reads it. @internal */
export interface ReadEventFrame {
  user: Member;
  /** Absent on the peer's copy of a conversation (there only the timestamp means something). */
  offset?: number;
  timestamp?: number;
}

function integer(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,15}$/.test(value)) return undefined;
  return Number(value);
}

/** The user of an event frame, from the relay's `parley-sender` stamps. @internal */
export function senderOf(frame: InboundFrame): Member | undefined {
  const id = frame.headers['parley-sender'];
  if (!id) return undefined;
  const name = frame.headers['parley-sender-name'];
  return name === undefined ? { id } : { id, name };
}

/**
 * Reads a read event's reader, offset and timestamp; undefined when it has neither.
 *
 * @internal
 */
export function parseReadEvent(frame: InboundFrame): ReadEventFrame | undefined {
  const user = senderOf(frame);
  const offset = integer(frame.headers[READ_OFFSET_HEADER]);
  const timestamp = integer(frame.headers[READ_TIMESTAMP_HEADER]);
  if (!user || (offset === undefined && timestamp === undefined)) return undefined;
  return {
    user,
    ...(offset !== undefined && { offset }),
    ...(timestamp !== undefined && { timestamp }),
  };
}
