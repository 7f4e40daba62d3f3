import { describe, expect, it } from 'vitest';
import { StompParseError } from './errors.js';
import type { StompParseErrorCode } from './errors.js';
import { header } from './frame.js';
import type { Frame } from './frame.js';
import { DEFAULT_LIMITS, StompParser } from './parser.js';
import type { ParserLimits } from './parser.js';

type Event = Frame | 'HB';

const utf8 = new TextEncoder();

/** Concatenate strings (UTF-8 encoded) and raw byte lists. */
function bytes(...parts: Array<string | number[] | Uint8Array>): Uint8Array {
  const encoded = parts.map((p) => (typeof p === 'string' ? utf8.encode(p) : Uint8Array.from(p)));
  const out = new Uint8Array(encoded.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of encoded) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function f(
  command: string,
  headers: Array<[string, string]>,
  body: string | Uint8Array = '',
): Frame {
  return { command, headers, body: typeof body === 'string' ? utf8.encode(body) : body };
}

interface Run {
  events: Event[];
  error?: unknown;
  parser: StompParser;
}

function run(chunks: Iterable<Uint8Array | string>, limits?: Partial<ParserLimits>): Run {
  const events: Event[] = [];
  const parser = new StompParser(
    { onFrame: (fr) => events.push(fr), onHeartbeat: () => events.push('HB') },
    limits,
  );
  try {
    for (const chunk of chunks) parser.push(chunk);
  } catch (error) {
    return { events, error, parser };
  }
  return { events, parser };
}

/** Every way of chunking `input` the tests check: whole, byte by byte, and two pieces split at every index. */
function* chunkings(input: Uint8Array): Generator<[string, Uint8Array[]]> {
  yield ['whole', [input]];
  yield ['byte by byte', Array.from(input, (_, i) => input.subarray(i, i + 1))];
  for (let i = 0; i <= input.length; i++) {
    yield [`split at ${i}`, [input.subarray(0, i), input.subarray(i)]];
  }
}

const toBytes = (input: string | Uint8Array): Uint8Array =>
  typeof input === 'string' ? utf8.encode(input) : input;

function repeat(input: Uint8Array, times: number): Uint8Array {
  return bytes(...Array.from({ length: times }, () => input));
}

const KOREAN = '안녕하세요';

const valid: Array<[string, string | Uint8Array, Event[]]> = [
  [
    'SEND with a body',
    'SEND\ndestination:/q\n\nhello\0',
    [f('SEND', [['destination', '/q']], 'hello')],
  ],
  ['no headers, empty body', 'DISCONNECT\n\n\0', [f('DISCONNECT', [])]],
  [
    'CRLF line endings',
    'SEND\r\ndestination:/q\r\nreceipt:7\r\n\r\nhi\0',
    [
      f(
        'SEND',
        [
          ['destination', '/q'],
          ['receipt', '7'],
        ],
        'hi',
      ),
    ],
  ],
  [
    'mixed LF and CRLF line endings',
    'SEND\r\na:1\nb:2\r\n\nx\0',
    [
      f(
        'SEND',
        [
          ['a', '1'],
          ['b', '2'],
        ],
        'x',
      ),
    ],
  ],
  [
    'SEND with content-length body containing NUL',
    'SEND\ndestination:/q\ncontent-length:3\n\na\0b\0',
    [
      f(
        'SEND',
        [
          ['destination', '/q'],
          ['content-length', '3'],
        ],
        'a\0b',
      ),
    ],
  ],
  ['content-length 0', 'SEND\ncontent-length:0\n\n\0', [f('SEND', [['content-length', '0']])]],
  [
    'content-length with leading zeros',
    'SEND\ncontent-length:003\n\nabc\0',
    [f('SEND', [['content-length', '003']], 'abc')],
  ],
  [
    'content-length body of only NULs',
    'SEND\ncontent-length:2\n\n\0\0\0',
    [f('SEND', [['content-length', '2']], '\0\0')],
  ],
  [
    'first content-length wins, later ones are not validated',
    'SEND\ncontent-length:2\ncontent-length:abc\n\nab\0',
    [
      f(
        'SEND',
        [
          ['content-length', '2'],
          ['content-length', 'abc'],
        ],
        'ab',
      ),
    ],
  ],
  [
    'body without content-length runs to the first NUL',
    'SEND\n\na\r\nb\n\0',
    [f('SEND', [], 'a\r\nb\n')],
  ],
  [
    'every escape in names and values',
    'SEND\nn\\c\\\\\\r\\n:v\\r\\n\\c\\\\\n\n\0',
    [f('SEND', [['n:\\\r\n', 'v\r\n:\\']])],
  ],
  ['escaped backslash before n is not \\n', 'SEND\nk:a\\\\nb\n\n\0', [f('SEND', [['k', 'a\\nb']])]],
  [
    'value split on the first colon only',
    'SEND\ndestination:/a:b:c\n\n\0',
    [f('SEND', [['destination', '/a:b:c']])],
  ],
  [
    'values and names are never trimmed',
    'SEND\n foo : bar \n\n\0',
    [f('SEND', [[' foo ', ' bar ']])],
  ],
  ['empty value', 'SEND\nfoo:\n\n\0', [f('SEND', [['foo', '']])]],
  [
    'repeated headers kept in order',
    'MESSAGE\nfoo:1\nbar:x\nfoo:2\n\n\0',
    [
      f('MESSAGE', [
        ['foo', '1'],
        ['bar', 'x'],
        ['foo', '2'],
      ]),
    ],
  ],
  [
    'CONNECT headers are not unescaped',
    'CONNECT\naccept-version:1.2\nhost:h\nlogin:u\npasscode:a\\b\\t\\\n\n\0',
    [
      f('CONNECT', [
        ['accept-version', '1.2'],
        ['host', 'h'],
        ['login', 'u'],
        ['passcode', 'a\\b\\t\\'],
      ]),
    ],
  ],
  [
    'CONNECTED headers are not unescaped',
    'CONNECTED\nversion:1.2\nserver:x\\cy\n\n\0',
    [
      f('CONNECTED', [
        ['version', '1.2'],
        ['server', 'x\\cy'],
      ]),
    ],
  ],
  ['STOMP headers are unescaped', 'STOMP\nlogin:a\\cb\n\n\0', [f('STOMP', [['login', 'a:b']])]],
  ['unknown well-formed command is returned', 'FOO\nx:y\n\n\0', [f('FOO', [['x', 'y']])]],
  [
    'multi-byte UTF-8 in header and body',
    `SEND\ndestination:/방\nx-greeting:${KOREAN}\n\n${KOREAN}\0`,
    [
      f(
        'SEND',
        [
          ['destination', '/방'],
          ['x-greeting', KOREAN],
        ],
        KOREAN,
      ),
    ],
  ],
  [
    'invalid UTF-8 in the body is fine',
    bytes('SEND\n\n', [0xff, 0xfe, 0xc3], '\0'),
    [f('SEND', [], Uint8Array.from([0xff, 0xfe, 0xc3]))],
  ],
  [
    'heart-beats between frames',
    '\nSEND\n\n\0\r\n\nSEND\n\n\0\n',
    ['HB', f('SEND', []), 'HB', 'HB', f('SEND', []), 'HB'],
  ],
  ['only heart-beats', '\n\r\n\n\r\n', ['HB', 'HB', 'HB', 'HB']],
  [
    'frames back to back without EOL',
    'ACK\nid:1\n\n\0NACK\nid:2\n\n\0',
    [f('ACK', [['id', '1']]), f('NACK', [['id', '2']])],
  ],
  [
    'content-length frame followed by a frame',
    'SEND\ncontent-length:1\n\n\0\0SEND\n\nz\0',
    [f('SEND', [['content-length', '1']], '\0'), f('SEND', [], 'z')],
  ],
];

describe('StompParser: valid input', () => {
  describe.each(valid)('%s', (_name, input, expected) => {
    const data = toBytes(input);

    it('parses in every chunking', () => {
      for (const [how, chunks] of chunkings(data)) {
        const r = run(chunks);
        expect(r.error, how).toBeUndefined();
        expect(r.events, how).toEqual(expected);
        expect(r.parser.buffered, how).toBe(0);
      }
    });

    it('parses three copies in one chunk, and split at every index', () => {
      const triple = repeat(data, 3);
      const expected3 = [...expected, ...expected, ...expected];
      for (const [how, chunks] of chunkings(triple)) {
        const r = run(chunks);
        expect(r.error, how).toBeUndefined();
        expect(r.events, how).toEqual(expected3);
      }
    });

    it('parses a JS string input', () => {
      if (typeof input !== 'string') return;
      expect(run([input]).events).toEqual(expected);
      // Split the string at every UTF-16 boundary that is not inside a surrogate pair.
      for (let i = 0; i <= input.length; i++) {
        expect(run([input.slice(0, i), input.slice(i)]).events, `split at ${i}`).toEqual(expected);
      }
    });
  });

  it('parses all valid cases concatenated in one stream, in every chunking', () => {
    const stream = bytes(...valid.map(([, input]) => toBytes(input)));
    const expected = valid.flatMap(([, , events]) => events);
    for (const [how, chunks] of chunkings(stream)) {
      const r = run(chunks);
      expect(r.error, how).toBeUndefined();
      expect(r.events, how).toEqual(expected);
    }
  });
});

describe('StompParser: heart-beats', () => {
  it('reports one heart-beat per EOL, with \\r\\n split across chunks', () => {
    const r = run(['SEND\n\n\0\r', '\n', '\r', '\nSEND\n\n\0']);
    expect(r.events).toEqual([f('SEND', []), 'HB', 'HB', f('SEND', [])]);
  });

  it('does not report a pending \\r until its \\n arrives', () => {
    const r = run(['\r']);
    expect(r.events).toEqual([]);
    expect(r.parser.buffered).toBe(0);
    r.parser.push('\n');
    expect(r.events).toEqual(['HB']);
  });

  it('tolerates empty chunks anywhere', () => {
    const r = run(['', 'SEND\n', '', '\r', '', '\n\0', '']);
    expect(r.error).toBeUndefined();
    expect(r.events).toEqual([f('SEND', [])]);
  });
});

describe('StompParser: header()', () => {
  it('returns the first of repeated headers', () => {
    const [fr] = run(['MESSAGE\nfoo:1\nfoo:2\n\n\0']).events;
    expect(fr).not.toBe('HB');
    expect(header(fr as Frame, 'foo')).toBe('1');
    expect(header(fr as Frame, 'bar')).toBeUndefined();
  });
});

const small: Partial<ParserLimits> = { maxFrameSize: 100, maxHeaders: 3, maxHeaderLineLength: 20 };

const invalid: Array<[string, string | Uint8Array, StompParseErrorCode, Partial<ParserLimits>?]> = [
  ['lowercase command', 'send\n\n\0', 'invalid-command'],
  ['command with lowercase letters after the first', 'SEnd\n\n\0', 'invalid-command'],
  ['command with a digit', 'SEND2\n\n\0', 'invalid-command'],
  ['command with trailing space', 'SEND \n\n\0', 'invalid-command'],
  ['empty line then junk', '\njunk\n\n\0', 'invalid-command'],
  ['lone CR between frames', '\rSEND\n\n\0', 'invalid-command'],
  ['NUL between frames', 'SEND\n\n\0\0', 'invalid-command'],
  ['junk after a valid frame', 'SEND\n\n\0 SEND\n\n\0', 'invalid-command'],
  ['command line with only CR', '\r\r\n', 'invalid-command'],
  ['header without colon', 'SEND\nfoo\n\n\0', 'malformed-header'],
  ['header without colon, CRLF', 'SEND\r\nfoo\r\n\r\n\0', 'malformed-header'],
  ['empty header name', 'SEND\n:bar\n\n\0', 'malformed-header'],
  ['empty header name on CONNECT', 'CONNECT\n:bar\n\n\0', 'malformed-header'],
  ['invalid escape \\t in value', 'SEND\nfoo:a\\tb\n\n\0', 'invalid-escape'],
  ['invalid escape \\t in name', 'SEND\nf\\to:a\n\n\0', 'invalid-escape'],
  ['invalid escape \\C (case matters)', 'SEND\nfoo:a\\Cb\n\n\0', 'invalid-escape'],
  ['trailing lone backslash in value', 'SEND\nfoo:bar\\\n\n\0', 'invalid-escape'],
  ['trailing lone backslash in value, CRLF', 'SEND\r\nfoo:bar\\\r\n\r\n\0', 'invalid-escape'],
  ['trailing lone backslash in name', 'SEND\nfoo\\:bar\n\n\0', 'invalid-escape'],
  ['content-length abc', 'SEND\ncontent-length:abc\n\n\0', 'invalid-content-length'],
  ['content-length -1', 'SEND\ncontent-length:-1\n\n\0', 'invalid-content-length'],
  ['content-length empty', 'SEND\ncontent-length:\n\n\0', 'invalid-content-length'],
  ['content-length with a space', 'SEND\ncontent-length: 3\n\nabc\0', 'invalid-content-length'],
  ['content-length 1.5', 'SEND\ncontent-length:1.5\n\nab\0', 'invalid-content-length'],
  ['content-length 0x10', 'SEND\ncontent-length:0x10\n\n\0', 'invalid-content-length'],
  ['content-length +1', 'SEND\ncontent-length:+1\n\na\0', 'invalid-content-length'],
  ['missing NUL after content-length body', 'SEND\ncontent-length:1\n\nab\0', 'missing-null'],
  ['missing NUL after content-length 0', 'SEND\ncontent-length:0\n\na\0', 'missing-null'],
  ['invalid UTF-8 in a header value', bytes('SEND\nfoo:', [0xff], '\n\n\0'), 'invalid-utf8'],
  ['invalid UTF-8 in a header name', bytes('SEND\nf', [0xc3, 0x28], ':x\n\n\0'), 'invalid-utf8'],
  [
    'truncated UTF-8 sequence in a header',
    bytes('SEND\nfoo:', [0xec, 0x95], '\n\n\0'),
    'invalid-utf8',
  ],
  [
    'UTF-8 encoded surrogate in a header',
    bytes('SEND\nfoo:', [0xed, 0xa0, 0x80], '\n\n\0'),
    'invalid-utf8',
  ],
  [
    'overlong UTF-8 in a CONNECT header',
    bytes('CONNECT\nfoo:', [0xc0, 0xaf], '\n\n\0'),
    'invalid-utf8',
  ],
  ['content-length above maxFrameSize', 'SEND\ncontent-length:1000\n\n', 'frame-too-large', small],
  [
    'content-length above maxFrameSize, huge number',
    'SEND\ncontent-length:99999999999999999999999\n\n',
    'frame-too-large',
  ],
  [
    'streaming body without NUL over maxFrameSize',
    `SEND\n\n${'x'.repeat(200)}`,
    'frame-too-large',
    small,
  ],
  [
    'too many header bytes for maxFrameSize',
    `SEND\n${'h:123456789012345\n'.repeat(6)}\n\0`,
    'frame-too-large',
    { ...small, maxHeaders: 64 },
  ],
  ['more headers than maxHeaders', 'SEND\na:1\nb:2\nc:3\nd:4\n\n\0', 'too-many-headers', small],
  [
    'header line over maxHeaderLineLength',
    `SEND\nfoo:${'x'.repeat(20)}\n\n\0`,
    'header-line-too-long',
    small,
  ],
  [
    'unterminated header line over maxHeaderLineLength',
    `SEND\nfoo:${'x'.repeat(20)}`,
    'header-line-too-long',
    small,
  ],
  [
    'command line over maxHeaderLineLength',
    `${'SEND'.repeat(6)}\n\n\0`,
    'header-line-too-long',
    small,
  ],
  [
    'unterminated command line over maxHeaderLineLength',
    'SEND'.repeat(6),
    'header-line-too-long',
    small,
  ],
  [
    'unterminated over-long line with default limits',
    `SEND\nx:${'y'.repeat(DEFAULT_LIMITS.maxHeaderLineLength)}`,
    'header-line-too-long',
  ],
];

describe('StompParser: invalid input', () => {
  it.each(invalid)('%s → %s', (_name, input, code, limits) => {
    const data = toBytes(input);
    for (const [how, chunks] of chunkings(data)) {
      const r = run(chunks, limits);
      expect(r.error, how).toBeInstanceOf(StompParseError);
      expect((r.error as StompParseError).code, how).toBe(code);
      expect((r.error as StompParseError).message.length, how).toBeGreaterThan(10);
      const limit = limits?.maxFrameSize ?? DEFAULT_LIMITS.maxFrameSize;
      expect(r.parser.buffered, how).toBeLessThanOrEqual(limit);
    }
  });

  it('poisons the parser: every later push rethrows the same error', () => {
    const events: Event[] = [];
    const p = new StompParser({
      onFrame: (fr) => events.push(fr),
      onHeartbeat: () => events.push('HB'),
    });
    let first: unknown;
    try {
      p.push('send\n\n\0');
    } catch (e) {
      first = e;
    }
    expect(first).toBeInstanceOf(StompParseError);
    expect(() => p.push('SEND\n\n\0')).toThrow(first as Error);
    expect(() => p.push('')).toThrow(first as Error);
    expect(() => p.push(new Uint8Array([10]))).toThrow(first as Error);
    try {
      p.push('SEND\n\n\0');
    } catch (e) {
      expect(e).toBe(first);
    }
    expect(events).toEqual([]);
  });

  it('poisons the parser when a handler throws', () => {
    const boom = new Error('handler failed');
    const p = new StompParser({
      onFrame: () => {
        throw boom;
      },
      onHeartbeat: () => {},
    });
    expect(() => p.push('SEND\n\n\0')).toThrow(boom);
    expect(() => p.push('\n')).toThrow(boom);
  });

  it('emits the frames before the bad one', () => {
    const r = run(['SEND\n\n\0\nSEND\nfoo\n\n\0']);
    expect(r.events).toEqual([f('SEND', []), 'HB']);
    expect((r.error as StompParseError).code).toBe('malformed-header');
  });

  it('writes human-readable messages with the limit or value', () => {
    const message = (input: string, limits?: Partial<ParserLimits>): string =>
      (run([input], limits).error as StompParseError).message;
    expect(message('SEND\ncontent-length:1000\n', small)).toMatch(/1000.*100 bytes/);
    expect(message(`SEND\n\n${'x'.repeat(200)}`, small)).toMatch(/100 bytes/);
    expect(message('SEND\na:1\nb:2\nc:3\nd:4\n', small)).toMatch(/maximum of 3 headers/);
    expect(message(`SEND\nfoo:${'x'.repeat(20)}\n`, small)).toMatch(/24 bytes .*20 bytes/);
    expect(message('SEND\ncontent-length:abc\n\n')).toContain('"abc"');
    expect(message('SEND\nfoo:a\\tb\n\n\0')).toContain('\\t');
    expect(message('send\n')).toContain('"send');
  });
});

describe('StompParser: limits', () => {
  const frameOfSize = (size: number): string => {
    const head = 'SEND\n\n';
    return head + 'x'.repeat(size - head.length - 1) + '\0';
  };

  it('accepts a frame of exactly maxFrameSize bytes and rejects one byte more', () => {
    for (const [how, chunks] of chunkings(utf8.encode(frameOfSize(100)))) {
      expect(run(chunks, small).events, how).toHaveLength(1);
    }
    expect((run([frameOfSize(101)], small).error as StompParseError).code).toBe('frame-too-large');
  });

  it('accepts a content-length frame of exactly maxFrameSize bytes and rejects one byte more', () => {
    const ok = `SEND\ncontent-length:75\n\n${'x'.repeat(75)}\0`;
    expect(utf8.encode(ok).length).toBe(100);
    expect(run([ok], small).events).toHaveLength(1);
    const tooBig = `SEND\ncontent-length:76\n\n${'x'.repeat(76)}\0`;
    expect((run([tooBig], small).error as StompParseError).code).toBe('frame-too-large');
  });

  it('rejects a too-large content-length as soon as its header line is complete', () => {
    const r = run(['SEND\ncontent-length:1000\n'], small);
    expect((r.error as StompParseError).code).toBe('frame-too-large');
  });

  it('rejects a streaming body as soon as its bytes exceed maxFrameSize, never buffering more', () => {
    const p = new StompParser({ onFrame: () => {}, onHeartbeat: () => {} }, small);
    p.push('SEND\n\n');
    let pushed = 0;
    expect(() => {
      for (;;) {
        p.push('x');
        pushed++;
        expect(p.buffered).toBeLessThanOrEqual(100);
      }
    }).toThrow(expect.objectContaining({ code: 'frame-too-large' }));
    // 6 head bytes + 93 body bytes + NUL = 99 < 100 is the largest that still fits.
    expect(pushed).toBe(93);
  });

  it('rejects one huge chunk without NUL without copying it', () => {
    const r = run([bytes('SEND\n\n', new Uint8Array(10 * 1024 * 1024).fill(0x78))]);
    expect((r.error as StompParseError).code).toBe('frame-too-large');
    // Nothing of the huge chunk was kept: only the 6 head bytes are counted.
    expect(r.parser.buffered).toBe(6);
  });

  it('accepts exactly maxHeaders headers and rejects one more', () => {
    expect(run(['SEND\na:1\nb:2\nc:3\n\n\0'], small).events).toHaveLength(1);
    expect((run(['SEND\na:1\nb:2\nc:3\nd:4\n'], small).error as StompParseError).code).toBe(
      'too-many-headers',
    );
  });

  it('accepts a line of exactly maxHeaderLineLength bytes (LF or CRLF) and rejects one more', () => {
    const line = `foo:${'x'.repeat(16)}`;
    expect(line).toHaveLength(20);
    for (const eol of ['\n', '\r\n']) {
      const input = utf8.encode(`SEND${eol}${line}${eol}${eol}\0`);
      for (const [how, chunks] of chunkings(input)) {
        const r = run(chunks, small);
        expect(r.error, `${JSON.stringify(eol)} ${how}`).toBeUndefined();
        expect(r.events).toHaveLength(1);
      }
    }
    expect((run([`SEND\n${line}x\n`], small).error as StompParseError).code).toBe(
      'header-line-too-long',
    );
  });

  it('rejects an unterminated over-long line as soon as it is too long', () => {
    const p = new StompParser({ onFrame: () => {}, onHeartbeat: () => {} }, small);
    p.push('SEND\nfoo:');
    let pushed = 0;
    expect(() => {
      for (;;) {
        p.push('x');
        pushed++;
      }
    }).toThrow(expect.objectContaining({ code: 'header-line-too-long' }));
    expect(pushed).toBe(16); // "foo:" + 16 bytes = 20 fits, the 17th byte does not
  });
});

describe('StompParser: escapes setting', () => {
  it('takes header values literally when escapes is false (STOMP 1.0)', () => {
    const events: Event[] = [];
    const p = new StompParser({ onFrame: (fr) => events.push(fr), onHeartbeat: () => {} });
    p.escapes = false;
    p.push('SEND\nfoo:a\\tb\\\nx\\cy:\\n\n\n\0');
    expect(events).toEqual([
      f('SEND', [
        ['foo', 'a\\tb\\'],
        ['x\\cy', '\\n'],
      ]),
    ]);
  });

  it('applies a switch made inside onFrame to the next frame of the same chunk', () => {
    const events: Event[] = [];
    const p = new StompParser({
      onFrame: (fr) => {
        events.push(fr);
        if (fr.command === 'CONNECT') p.escapes = false;
      },
      onHeartbeat: () => {},
    });
    p.push('CONNECT\naccept-version:1.0\n\n\0SEND\nfoo:a\\tb\n\n\0');
    expect(events[1]).toEqual(f('SEND', [['foo', 'a\\tb']]));
    p.escapes = true;
    p.push('SEND\nfoo:a\\cb\n\n\0');
    expect(events[2]).toEqual(f('SEND', [['foo', 'a:b']]));
  });
});

describe('StompParser: buffers and ownership', () => {
  it('reports buffered bytes of an incomplete frame', () => {
    const r = run(['SEND\nfoo:bar']);
    expect(r.parser.buffered).toBe(12);
    r.parser.push('\n\nab');
    expect(r.parser.buffered).toBe(16);
    r.parser.push('c\0');
    expect(r.parser.buffered).toBe(0);
    r.parser.push('SEND\ncontent-length:5\n\nab');
    expect(r.parser.buffered).toBe(25);
  });

  it('does not alias the input: a reused chunk does not change emitted or partial frames', () => {
    const events: Event[] = [];
    const p = new StompParser({ onFrame: (fr) => events.push(fr), onHeartbeat: () => {} });
    const data = utf8.encode('SEND\ncontent-length:3\n\nabc\0SEND\n\nxyz\0SEND\nk:v\n\nhel');
    const buf = new Uint8Array(data);
    p.push(buf);
    buf.fill(0x21);
    const rest = new Uint8Array(utf8.encode('lo\0'));
    p.push(rest);
    rest.fill(0x21);
    expect(events).toEqual([
      f('SEND', [['content-length', '3']], 'abc'),
      f('SEND', [], 'xyz'),
      f('SEND', [['k', 'v']], 'hello'),
    ]);
  });

  it('copies the partial content-length body too', () => {
    const events: Event[] = [];
    const p = new StompParser({ onFrame: (fr) => events.push(fr), onHeartbeat: () => {} });
    const a = utf8.encode('SEND\ncontent-length:4\n\nab');
    p.push(a);
    a.fill(0);
    const b = utf8.encode('cd\0');
    p.push(b);
    b.fill(0);
    expect(events).toEqual([f('SEND', [['content-length', '4']], 'abcd')]);
  });

  it('accepts a Buffer and returns plain Uint8Array bodies that do not alias it', () => {
    const events: Event[] = [];
    const p = new StompParser({ onFrame: (fr) => events.push(fr), onHeartbeat: () => {} });
    const buf = Buffer.from('SEND\n\nbody\0');
    p.push(buf);
    buf.fill(0);
    const fr = events[0] as Frame;
    expect(fr.body.constructor).toBe(Uint8Array);
    expect(new TextDecoder().decode(fr.body)).toBe('body');
  });
});
