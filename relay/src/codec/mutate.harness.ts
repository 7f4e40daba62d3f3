/**
 * Byte-level mutations for fuzz tests (codec and live relay). Test-only: `*.harness.ts` files are
 * left out of the build.
 */
import fc from 'fast-check';
import { CLIENT_COMMANDS, SERVER_COMMANDS } from './frame.js';

const utf8 = new TextEncoder();

/** One edit of a byte string. Positions are taken modulo the length at the time of the edit. */
export type Mutation =
  | { kind: 'flip'; at: number; mask: number }
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; len: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'duplicate'; at: number; len: number }
  | { kind: 'splice'; at: number; other: Uint8Array };

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Splits `data` at the given points (taken modulo its length + 1); empty chunks are kept. */
export function split(data: Uint8Array, points: number[]): Uint8Array[] {
  const at = [...new Set(points.map((p) => p % (data.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of at) {
    chunks.push(data.subarray(from, p));
    from = p;
  }
  chunks.push(data.subarray(from));
  return chunks;
}

/** Pieces of STOMP: commands, separators, escapes, content-length, NULs, bad UTF-8. */
export const stompToken: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(...CLIENT_COMMANDS, ...SERVER_COMMANDS, 'FROB'),
  },
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      '\n',
      '\r\n',
      '\r',
      '\n\n',
      ':',
      '\0',
      '\\',
      '\\n',
      '\\r',
      '\\c',
      '\\\\',
      '\\t',
      'content-length:',
      'content-length:0',
      'content-length:5',
      'content-length:-1',
      'content-length:99999999999999999999',
      'destination:/sub/chat/rooms/1',
      'destination:/queue/fuzz.jobs',
      'destination:/user/queue/dm',
      'accept-version:1.2',
      'accept-version:1.0',
      'heart-beat:0,0',
      'ack:client',
      'transaction:t',
      'id:0',
      'receipt:r',
      'x',
      'hello',
      '안녕',
      ' ',
    ),
  },
  { weight: 2, arbitrary: fc.nat({ max: 300 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('\xff', '\xc3(', '\xed\xa0\x80', '\xf0\x28\x8c\xbc') },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
);

/** Token strings to bytes; tokens starting with a `\x80`–`\xff` char stand for raw bytes. */
export function tokenBytes(tokens: string[]): Uint8Array {
  return concat(
    tokens.map((t) =>
      /^[\x80-\xff]/.test(t) ? Uint8Array.from(t, (c) => c.charCodeAt(0)) : utf8.encode(t),
    ),
  );
}

const interesting = fc.constantFrom(0x00, 0x0a, 0x0d, 0x3a, 0x5c, 0x63, 0x30, 0x39, 0x80, 0xff);

/** Mutations; `splice` takes the tail of one of `others` (e.g. other valid frames). */
export function mutationArb(others: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Mutation> {
  return fc.oneof(
    fc.record({
      kind: fc.constant('flip' as const),
      at: fc.nat(),
      mask: fc.integer({ min: 1, max: 255 }),
    }),
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: interesting }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(),
      bytes: fc.oneof(
        fc.uint8Array({ minLength: 1, maxLength: 8 }),
        fc.array(stompToken, { minLength: 1, maxLength: 4 }).map(tokenBytes),
      ),
    }),
    fc.record({
      kind: fc.constant('delete' as const),
      at: fc.nat(),
      len: fc.integer({ min: 1, max: 16 }),
    }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({
      kind: fc.constant('duplicate' as const),
      at: fc.nat(),
      len: fc.integer({ min: 1, max: 64 }),
    }),
    fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), other: others }),
  );
}

export function mutate(data: Uint8Array, m: Mutation): Uint8Array {
  const at = m.at % (data.length + 1);
  switch (m.kind) {
    case 'flip':
    case 'set': {
      if (data.length === 0) return data;
      const out = data.slice();
      const i = m.at % data.length;
      out[i] = m.kind === 'flip' ? out[i]! ^ m.mask : m.byte;
      return out;
    }
    case 'insert':
      return concat([data.subarray(0, at), m.bytes, data.subarray(at)]);
    case 'delete':
      return concat([data.subarray(0, at), data.subarray(at + m.len)]);
    case 'truncate':
      return data.subarray(0, at);
    case 'duplicate':
      return concat([data.subarray(0, at + m.len), data.subarray(at)]);
    case 'splice':
      // The head of this stream, then the tail of another one from a point in it.
      return concat([data.subarray(0, at), m.other.subarray(m.at % (m.other.length + 1))]);
  }
}
