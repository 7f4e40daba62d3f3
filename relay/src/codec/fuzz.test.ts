/**
 * Bounded, deterministic fuzzing of the STOMP parser: random bytes, STOMP-shaped token soup and
 * mutated valid frames, in random chunkings and under random limits. Fixed seeds and run counts
 * keep it reproducible in CI; a failure prints the seed and the counterexample.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StompParseError } from './errors.js';
import { CLIENT_COMMANDS, isEscaped } from './frame.js';
import type { Frame } from './frame.js';
import { DEFAULT_LIMITS, StompParser } from './parser.js';
import type { ParserLimits } from './parser.js';
import { concat, mutate, mutationArb, split, stompToken, tokenBytes } from './mutate.harness.js';
import { serialize } from './serializer.js';

const utf8 = new TextEncoder();

type Event = Frame | 'HB';

interface Outcome {
  events: Event[];
  /** The StompParseError the parser threw, if any. */
  error?: StompParseError;
  /** `buffered` after the last successful push. */
  buffered: number;
}

/**
 * Feeds `chunks` and checks the invariants that hold for every input: only StompParseErrors
 * escape, `buffered` never exceeds maxFrameSize, emitted frames respect the limits, and a failed
 * parser stays poisoned with the same error.
 */
function feed(chunks: Uint8Array[], limits: ParserLimits, escapes: boolean): Outcome {
  const events: Event[] = [];
  const parser = new StompParser(
    { onFrame: (f) => events.push(f), onHeartbeat: () => events.push('HB') },
    limits,
  );
  parser.escapes = escapes;
  let error: StompParseError | undefined;
  for (const chunk of chunks) {
    try {
      parser.push(chunk);
    } catch (e) {
      if (!(e instanceof StompParseError)) throw e;
      expect(e.message.length).toBeGreaterThan(10);
      error = e;
      break;
    }
    expect(parser.buffered).toBeGreaterThanOrEqual(0);
    expect(parser.buffered).toBeLessThanOrEqual(limits.maxFrameSize);
  }
  expect(parser.buffered).toBeLessThanOrEqual(limits.maxFrameSize);
  if (error) {
    // Poisoned: the same error again, whatever comes next.
    expect(() => parser.push('SEND\n\n\0')).toThrow(error);
    expect(() => parser.push(new Uint8Array(0))).toThrow(error);
  }
  for (const ev of events) {
    if (ev === 'HB') continue;
    expect(ev.command).toMatch(/^[A-Z]+$/);
    expect(ev.headers.length).toBeLessThanOrEqual(limits.maxHeaders);
    expect(ev.body.length).toBeLessThan(limits.maxFrameSize);
    const cl = ev.headers.find(([k]) => k === 'content-length');
    if (cl && /^\d+$/.test(cl[1])) expect(ev.body.length).toBe(Number(cl[1]));
    if (!cl) expect(ev.body.includes(0)).toBe(false);
  }
  return { events, ...(error && { error }), buffered: parser.buffered };
}

/** Small limits reach every limit check; the defaults are what the relay runs with. */
const limitsArb: fc.Arbitrary<ParserLimits> = fc.oneof(
  fc.constant(DEFAULT_LIMITS),
  fc.record({
    maxFrameSize: fc.integer({ min: 8, max: 2048 }),
    maxHeaders: fc.integer({ min: 0, max: 12 }),
    maxHeaderLineLength: fc.integer({ min: 1, max: 256 }),
  }),
);

const cuts = fc.array(fc.nat(), { maxLength: 16 });

/** Mostly starts with a command line, so the soup gets past the first byte. */
const soup = fc
  .tuple(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('SEND\n', 'CONNECT\n', 'SUBSCRIBE\n', '\nSTOMP\n') },
      { weight: 1, arbitrary: fc.constant('') },
    ),
    fc.array(stompToken, { maxLength: 60 }),
  )
  .map(([start, tokens]) => tokenBytes([start, ...tokens]));

/** Header text that often contains what escaping cares about. */
const headerText = fc.string({
  unit: fc.oneof(
    fc.constantFrom(':', '\n', '\r', '\\', ' ', '/', '안', 'a', '0'),
    fc.string({ minLength: 1, maxLength: 1 }),
  ),
  maxLength: 10,
});

/** Valid client frames as the relay sees them, serialized. */
const validFrame: fc.Arbitrary<Uint8Array> = fc
  .record({
    command: fc.constantFrom(...CLIENT_COMMANDS),
    headers: fc.array(
      fc.oneof(
        fc.tuple(
          fc.constantFrom('destination', 'id', 'receipt', 'ack', 'content-type', 'x-trace'),
          headerText,
        ),
        fc.tuple(
          headerText.filter((s) => s.length > 0 && s !== 'content-length'),
          headerText,
        ),
      ),
      { maxLength: 6 },
    ),
    body: fc.oneof(
      fc.constant(new Uint8Array(0)),
      fc.uint8Array({ maxLength: 120 }),
      fc.string({ maxLength: 40 }).map((s) => utf8.encode(s)),
    ),
  })
  .map((f) => {
    // CONNECT headers cannot be escaped: keep only what can be written literally.
    const headers = isEscaped(f.command)
      ? f.headers
      : f.headers
          .map(([k, v]): [string, string] => [k.replace(/[:\r\n]/g, ''), v.replace(/[\r\n]/g, '')])
          .filter(([k]) => k.length > 0 && k !== 'content-length');
    return serialize({ command: f.command, headers, body: f.body });
  });

const stream = fc
  .array(fc.tuple(fc.constantFrom('', '\n', '\r\n', '\n\n'), validFrame), {
    minLength: 1,
    maxLength: 4,
  })
  .map((parts) => concat(parts.flatMap(([hb, frame]) => [utf8.encode(hb), frame])));

const mutated = fc
  .tuple(stream, fc.array(mutationArb(validFrame), { minLength: 1, maxLength: 6 }))
  .map(([data, ms]) => ms.reduce(mutate, data));

/**
 * Error codes as the relay reports them: the three size limits are one reason (`frame-too-large`)
 * because when a frame breaks two at once, which check fires first depends on where the chunk
 * boundaries fall (a partial line is checked against the frame size before its length is known).
 */
function errorClass(error: StompParseError | undefined): string | undefined {
  if (!error) return undefined;
  const limits = ['frame-too-large', 'too-many-headers', 'header-line-too-long'];
  return limits.includes(error.code) ? 'too-large' : error.code;
}

/** Frames as comparable values (bodies as arrays). */
function plain(events: Event[]): unknown[] {
  return events.map((e) => (e === 'HB' ? e : { ...e, body: Array.from(e.body) }));
}

/**
 * The parser's answer must not depend on how the bytes were chunked: the same frames, the same
 * error (or none) and the same number of buffered bytes.
 */
function checkChunkingInvariance(
  data: Uint8Array,
  points: number[],
  limits: ParserLimits,
  escapes: boolean,
): void {
  const whole = feed([data], limits, escapes);
  const chunked = feed(split(data, points), limits, escapes);
  const bytewise = feed(
    Array.from(data, (_, i) => data.subarray(i, i + 1)),
    limits,
    escapes,
  );
  for (const other of [chunked, bytewise]) {
    expect(plain(other.events)).toEqual(plain(whole.events));
    expect(errorClass(other.error)).toBe(errorClass(whole.error));
    if (!whole.error) expect(other.buffered).toBe(whole.buffered);
  }
}

/** Fixed for CI; `PARLEY_FUZZ_SEED=<n>` explores other inputs locally. */
const SEED = Number(process.env.PARLEY_FUZZ_SEED ?? 0x5eed);

describe('StompParser fuzz', () => {
  it('random bytes: only StompParseErrors, buffered ≤ maxFrameSize', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 3000 }),
        cuts,
        limitsArb,
        fc.boolean(),
        (data, points, limits, escapes) => {
          feed(split(data, points), limits, escapes);
        },
      ),
      { seed: SEED, numRuns: 1500 },
    );
  });

  it('random bytes that start like a frame: same answer in every chunking', () => {
    const framey = fc
      .tuple(
        fc.constantFrom('SEND\n', 'CONNECT\n', 'SUBSCRIBE\n', 'MESSAGE\n', '\n'),
        fc.uint8Array({ maxLength: 400 }),
      )
      .map(([head, rest]) => concat([utf8.encode(head), rest]));
    fc.assert(
      fc.property(framey, cuts, limitsArb, fc.boolean(), (data, points, limits, escapes) => {
        checkChunkingInvariance(data, points, limits, escapes);
      }),
      { seed: SEED + 1, numRuns: 1000 },
    );
  });

  it('STOMP token soup: same answer in every chunking', () => {
    fc.assert(
      fc.property(soup, cuts, limitsArb, fc.boolean(), (data, points, limits, escapes) => {
        checkChunkingInvariance(data, points, limits, escapes);
      }),
      { seed: SEED + 2, numRuns: 2000 },
    );
  });

  it('mutated valid frames (flip, insert, delete, truncate, duplicate, splice): same answer in every chunking', () => {
    fc.assert(
      fc.property(mutated, cuts, limitsArb, fc.boolean(), (data, points, limits, escapes) => {
        checkChunkingInvariance(data, points, limits, escapes);
      }),
      { seed: SEED + 3, numRuns: 2000 },
    );
  });

  it('frames around the size limit: buffered never exceeds it, the limit is exact', () => {
    const limits = { ...DEFAULT_LIMITS, maxFrameSize: 1024 };
    const sized = fc.record({
      bodyLen: fc.integer({ min: 980, max: 1040 }),
      withLength: fc.boolean(),
      declared: fc.integer({ min: -3, max: 3 }),
      tail: fc.constantFrom('', '\0', '\n', 'SEND\n\n\0'),
    });
    fc.assert(
      fc.property(sized, cuts, ({ bodyLen, withLength, declared, tail }, points) => {
        const head = withLength
          ? `SEND\ndestination:/q\ncontent-length:${Math.max(0, bodyLen + declared)}\n\n`
          : 'SEND\ndestination:/q\n\n';
        const data = concat([
          utf8.encode(head),
          new Uint8Array(bodyLen).fill(0x61),
          utf8.encode(tail),
        ]);
        checkChunkingInvariance(data, points, limits, true);
        const out = feed([data], limits, true);
        const frameBytes = head.length + bodyLen + 1;
        if (!withLength && tail.startsWith('\0') && frameBytes <= 1024) {
          expect(out.error).toBeUndefined();
          expect(out.events.length).toBeGreaterThanOrEqual(1);
        }
        if (frameBytes > 1024 && (!withLength || bodyLen + declared >= bodyLen)) {
          expect(out.error?.code).toBe('frame-too-large');
        }
      }),
      { seed: SEED + 4, numRuns: 150 },
    );
  });
});
