import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLIENT_COMMANDS, SERVER_COMMANDS, isEscaped } from './frame.js';
import type { Frame } from './frame.js';
import { StompParser } from './parser.js';
import { serialize } from './serializer.js';

type Event = Frame | 'HB';

const ALL_COMMANDS: string[] = [...CLIENT_COMMANDS, ...SERVER_COMMANDS];
const ESCAPED_COMMANDS = ALL_COMMANDS.filter(isEscaped);
const LITERAL_COMMANDS = ALL_COMMANDS.filter((c) => !isEscaped(c));

/** One unit of header text: often a character the escaping cares about, otherwise any code point. */
const unit = fc.oneof(
  fc.constantFrom(':', '\n', '\r', '\\', '\\n', '\\c', ' ', '\0', '안', '🎉'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);
const text = fc.string({ unit, maxLength: 12 });

const escapedHeader = fc.tuple(
  text.filter((s) => s.length > 0 && s !== 'content-length'),
  text,
);
/** What can be written without escaping: no `:`/CR/LF in names, no CR/LF in values. */
const literalHeader = fc.tuple(
  text.map((s) => s.replace(/[:\r\n]/g, '')).filter((s) => s.length > 0 && s !== 'content-length'),
  text.map((s) => s.replace(/[\r\n]/g, '')),
);

/** Bodies with plenty of NULs. */
const body = fc
  .array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 255 })), { maxLength: 200 })
  .map((a) => Uint8Array.from(a));

const escapedFrame: fc.Arbitrary<Frame> = fc.record({
  command: fc.constantFrom(...ESCAPED_COMMANDS),
  headers: fc.array(escapedHeader, { maxLength: 8 }),
  body,
});
const literalFrame: fc.Arbitrary<Frame> = fc.record({
  command: fc.constantFrom(...LITERAL_COMMANDS),
  headers: fc.array(literalHeader, { maxLength: 8 }),
  body,
});
/** Any command, for STOMP 1.0 mode where nothing is escaped. */
const stomp10Frame: fc.Arbitrary<Frame> = fc.record({
  command: fc.constantFrom(...ALL_COMMANDS),
  headers: fc.array(literalHeader, { maxLength: 8 }),
  body,
});

const heartbeats = fc.constantFrom('', '\n', '\r\n', '\n\r\n');
const cuts = fc.array(fc.nat(), { maxLength: 12 });

/** What parsing the serialized frame must give back: `content-length` added for a non-empty body. */
function expected(frame: Frame): Frame {
  const headers = [...frame.headers];
  if (frame.body.length > 0) headers.push(['content-length', String(frame.body.length)]);
  return { command: frame.command, headers, body: frame.body };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function split(data: Uint8Array, points: number[]): Uint8Array[] {
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

function parse(chunks: Uint8Array[], escapes = true): Event[] {
  const events: Event[] = [];
  const parser = new StompParser({
    onFrame: (f) => events.push(f),
    onHeartbeat: () => events.push('HB'),
  });
  parser.escapes = escapes;
  for (const c of chunks) parser.push(c);
  expect(parser.buffered).toBe(0);
  return events;
}

const utf8 = new TextEncoder();

describe('parse(serialize(frame))', () => {
  it('round-trips escaped and CONNECT/CONNECTED frames in random chunkings', () => {
    fc.assert(
      fc.property(fc.oneof(escapedFrame, literalFrame), cuts, (frame, points) => {
        const events = parse(split(serialize(frame), points));
        expect(events).toEqual([expected(frame)]);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips STOMP 1.0 (escapes off) frames in random chunkings', () => {
    fc.assert(
      fc.property(stomp10Frame, cuts, (frame, points) => {
        const events = parse(split(serialize(frame, { escapes: false }), points), false);
        expect(events).toEqual([expected(frame)]);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips streams of frames and heart-beats in random chunkings', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(heartbeats, fc.oneof(escapedFrame, literalFrame)), {
          minLength: 1,
          maxLength: 6,
        }),
        heartbeats,
        cuts,
        (items, tail, points) => {
          const parts: Uint8Array[] = [];
          const want: Event[] = [];
          for (const [hb, frame] of items) {
            parts.push(utf8.encode(hb), serialize(frame));
            want.push(...(hb.match(/\n/g) ?? []).map(() => 'HB' as const), expected(frame));
          }
          parts.push(utf8.encode(tail));
          want.push(...(tail.match(/\n/g) ?? []).map(() => 'HB' as const));
          expect(parse(split(concat(parts), points))).toEqual(want);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('round-trips every frame byte by byte', () => {
    fc.assert(
      fc.property(fc.oneof(escapedFrame, literalFrame), (frame) => {
        const data = serialize(frame);
        const chunks = Array.from(data, (_, i) => data.subarray(i, i + 1));
        expect(parse(chunks)).toEqual([expected(frame)]);
      }),
      { numRuns: 100 },
    );
  });
});
