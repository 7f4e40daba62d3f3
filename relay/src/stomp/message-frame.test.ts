import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BrokerMessage } from '../broker/broker.js';
import { StompParseError, StompParser } from '../codec/index.js';
import type { Frame } from '../codec/index.js';
import type { LocalSubscription } from './hub-contract.js';
import { deliveryFrame, messageFrame, passThroughHeaders } from './message-frame.js';

const utf8 = new TextEncoder();
const SUB: LocalSubscription = {
  id: 'sub-0',
  destination: '/topic/room.1',
  target: '/topic/room.1',
  sink: { deliver: () => undefined },
};

function message(headers: Array<[string, string]>, extra: Partial<BrokerMessage> = {}) {
  return {
    destination: '/topic/room.1',
    body: utf8.encode('hi'),
    headers,
    sender: 'alice',
    senderName: 'Alice',
    id: 'ep-7',
    offset: 7,
    epoch: 'ep',
    timestamp: 1_700_000_000_000,
    ...extra,
  } satisfies BrokerMessage;
}

/** Parses server bytes leniently (any header name), as a client would. */
function read(bytes: Uint8Array, escapes = true): Frame {
  const frames: Frame[] = [];
  const p = new StompParser({ onFrame: (f) => frames.push(f), onHeartbeat: () => undefined });
  p.escapes = escapes;
  p.push(bytes);
  expect(frames).toHaveLength(1);
  return frames[0]!;
}

/**
 * The first value of `name` as the most forgiving client would read it: names trimmed of every
 * whitespace JavaScript knows (as @stomp/stompjs does, NBSP and BOM included) and case-folded.
 */
function firstLoose(f: Frame, name: string): string | undefined {
  return f.headers.find(([k]) => k.trim().toLowerCase() === name)?.[1];
}

const STAMPS = ['parley-sender', 'parley-sender-name', 'parley-timestamp', 'parley-offset'];

describe('messageFrame', () => {
  it("writes every relay header before the sender's headers", () => {
    const f = read(messageFrame(message([['content-type', 'text/plain']]), SUB, true));
    expect(f.headers.map(([k]) => k)).toEqual([
      'destination',
      'message-id',
      'subscription',
      'parley-sender',
      'parley-sender-name',
      'parley-timestamp',
      'parley-offset',
      'parley-epoch',
      'content-length',
      'content-type',
    ]);
  });

  it('writes ack and parley-redelivered before user headers too', () => {
    const m = message([['x-a', '1']]);
    const f = read(messageFrame(m, SUB, true, { ack: 'a-1', redelivered: true }));
    const names = f.headers.map(([k]) => k);
    expect(names.indexOf('ack')).toBeLessThan(names.indexOf('x-a'));
    expect(names.indexOf('parley-redelivered')).toBeLessThan(names.indexOf('x-a'));
  });

  it('re-checks stored headers: a message kept before the rule cannot forge a stamp', () => {
    const stored = message([
      ['\u00a0parley-sender', 'mallory'],
      ['Parley-Offset', '999'],
      ['MESSAGE-ID', 'forged'],
      ['x-ok', '1'],
      ['parley-kind', 'message'],
    ]);
    const f = read(messageFrame(stored, SUB, true));
    expect(f.headers.filter(([k]) => /parley-sender$|offset|message-id/i.test(k.trim()))).toEqual([
      ['message-id', 'ep-7'],
      ['parley-sender', 'alice'],
      ['parley-offset', '7'],
    ]);
    expect(f.headers.slice(-2)).toEqual([
      ['x-ok', '1'],
      ['parley-kind', 'message'],
    ]);
  });
});

describe('deliveryFrame', () => {
  it('drops for STOMP 1.0 what 1.0 cannot carry, and throws only when even that fails', () => {
    const m = message([
      ['x-multi', 'a\nb'],
      ['x-ok', 'fine'],
    ]);
    expect(() => messageFrame(m, SUB, false)).toThrow(StompParseError);
    const f = read(deliveryFrame(m, SUB, false), false);
    expect(firstLoose(f, 'x-multi')).toBeUndefined();
    expect(firstLoose(f, 'x-ok')).toBe('fine');
    expect(() => deliveryFrame(message([], { sender: 'eve\nadmin' }), SUB, false)).toThrow(
      StompParseError,
    );
  });
});

/** Characters that make header names look alike to trimming, case-folding clients. */
const NAME_CHARS = [
  ...'parleyPARLEY-sendrSENDRtimsofTIMSOF',
  ' ',
  '\t',
  '\u00a0',
  '\ufeff',
  '\u2028',
  '\u0000',
  '\\',
  'x',
];
const nameArb = fc.oneof(
  fc.constantFrom(
    'parley-sender',
    ' parley-sender',
    '\tparley-sender',
    '\u00a0parley-sender',
    '\ufeffparley-sender',
    'parley-sender ',
    'Parley-Sender',
    'PARLEY-SENDER',
    'parley-offset',
    'Parley-Timestamp',
    'parley-sender-name',
  ),
  fc.array(fc.constantFrom(...NAME_CHARS), { minLength: 1, maxLength: 16 }).map((a) => a.join('')),
);
const headersArb = fc.array(fc.tuple(nameArb, fc.constantFrom('mallory', '999', '1', '')), {
  maxLength: 8,
});

describe('property: no accepted client frame forges a relay stamp', () => {
  it('the first parley-sender/-name/-timestamp/-offset a loose client reads is the relay’s', () => {
    fc.assert(
      fc.property(headersArb, fc.boolean(), (headers, escapes) => {
        const text = `SEND\ndestination:/topic/room.1\n${headers.map(([k, v]) => `${k}:${v}\n`).join('')}\nhi\0`;
        const frames: Frame[] = [];
        const parser = new StompParser(
          { onFrame: (f) => frames.push(f), onHeartbeat: () => undefined },
          { headerNames: 'token' },
        );
        try {
          parser.push(text);
        } catch (err) {
          // Refused (the relay answers ERROR frame-invalid and closes): nothing is published.
          expect(err).toBeInstanceOf(StompParseError);
          return;
        }
        expect(frames).toHaveLength(1);
        const m = message(passThroughHeaders(frames[0]!));
        const out = read(deliveryFrame(m, SUB, escapes), escapes);
        const real: Record<string, string> = {
          'parley-sender': 'alice',
          'parley-sender-name': 'Alice',
          'parley-timestamp': String(m.timestamp),
          'parley-offset': '7',
        };
        for (const stamp of STAMPS) expect(firstLoose(out, stamp)).toBe(real[stamp]);
        // And no other spelling of a reserved name travels at all.
        for (const [k] of out.headers) {
          const folded = k.trim().toLowerCase();
          if (folded.startsWith('parley-')) expect(k).toBe(folded);
        }
      }),
      { seed: 0x5eed, numRuns: 2000 },
    );
  });
});
