import { describe, expect, it } from 'vitest';
import { StompParseError } from './errors.js';
import type { StompParseErrorCode } from './errors.js';
import type { Frame } from './frame.js';
import { escapeHeader, serialize } from './serializer.js';
import type { SerializeOptions } from './serializer.js';

const utf8 = new TextEncoder();

function f(
  command: string,
  headers: Array<[string, string]>,
  body: string | Uint8Array = '',
): Frame {
  return { command, headers, body: typeof body === 'string' ? utf8.encode(body) : body };
}

/** The serialized frame as a string (bodies in these cases are valid UTF-8). */
function text(frame: Frame, options?: SerializeOptions): string {
  return new TextDecoder().decode(serialize(frame, options));
}

describe('escapeHeader', () => {
  it.each([
    ['', ''],
    ['plain/value-1.2', 'plain/value-1.2'],
    ['a:b', 'a\\cb'],
    ['a\nb', 'a\\nb'],
    ['a\rb', 'a\\rb'],
    ['a\\b', 'a\\\\b'],
    ['\\n', '\\\\n'],
    ['::\r\n\\', '\\c\\c\\r\\n\\\\'],
    ['안녕:하세요', '안녕\\c하세요'],
    ['\t tab stays', '\t tab stays'],
  ])('%j → %j', (input, expected) => {
    expect(escapeHeader(input)).toBe(expected);
  });

  it('returns the same string when nothing needs escaping', () => {
    const s = 'nothing-to-escape';
    expect(escapeHeader(s)).toBe(s);
  });
});

const cases: Array<[string, Frame, SerializeOptions | undefined, string]> = [
  [
    'SEND with a body gets content-length after the given headers',
    f('SEND', [['destination', '/q']], 'hello'),
    undefined,
    'SEND\ndestination:/q\ncontent-length:5\n\nhello\0',
  ],
  [
    'empty body gets no content-length',
    f('DISCONNECT', [['receipt', '1']]),
    undefined,
    'DISCONNECT\nreceipt:1\n\n\0',
  ],
  ['no headers, no body', f('ACK', []), undefined, 'ACK\n\n\0'],
  [
    'a given content-length is kept and not repeated',
    f(
      'SEND',
      [
        ['content-length', '2'],
        ['destination', '/q'],
      ],
      'hi',
    ),
    undefined,
    'SEND\ncontent-length:2\ndestination:/q\n\nhi\0',
  ],
  [
    'content-length counts bytes, not characters',
    f('MESSAGE', [], '안녕하세요'),
    undefined,
    'MESSAGE\ncontent-length:15\n\n안녕하세요\0',
  ],
  ['body containing NUL', f('SEND', [], 'a\0b'), undefined, 'SEND\ncontent-length:3\n\na\0b\0'],
  [
    'escapes names and values',
    f('MESSAGE', [['n:\\\r\n', 'v\r\n:\\']]),
    undefined,
    'MESSAGE\nn\\c\\\\\\r\\n:v\\r\\n\\c\\\\\n\n\0',
  ],
  [
    'repeated headers are written in order',
    f('MESSAGE', [
      ['foo', '1'],
      ['foo', '2'],
    ]),
    undefined,
    'MESSAGE\nfoo:1\nfoo:2\n\n\0',
  ],
  [
    'multi-byte UTF-8 and astral characters in headers',
    f('MESSAGE', [['x-greeting', '안녕하세요 🎉']], '🎉'),
    undefined,
    'MESSAGE\nx-greeting:안녕하세요 🎉\ncontent-length:4\n\n🎉\0',
  ],
  [
    'CONNECT is not escaped',
    f('CONNECT', [
      ['login', 'u'],
      ['passcode', 'a\\b:c'],
    ]),
    undefined,
    'CONNECT\nlogin:u\npasscode:a\\b:c\n\n\0',
  ],
  [
    'CONNECTED is not escaped',
    f('CONNECTED', [['server', 'x\\y:z']]),
    undefined,
    'CONNECTED\nserver:x\\y:z\n\n\0',
  ],
  [
    'escapes: false writes SEND literally',
    f('SEND', [['foo', 'a\\b:c']]),
    { escapes: false },
    'SEND\nfoo:a\\b:c\n\n\0',
  ],
  [
    'escapes: true is the default',
    f('SEND', [['foo', 'a:b']]),
    { escapes: true },
    'SEND\nfoo:a\\cb\n\n\0',
  ],
];

describe('serialize', () => {
  it.each(cases)('%s', (_name, frame, options, expected) => {
    expect(text(frame, options)).toBe(expected);
    expect(serialize(frame, options)).toEqual(utf8.encode(expected));
  });

  it('returns a fresh Uint8Array that does not alias the body', () => {
    const body = Uint8Array.from([1, 2, 3]);
    const out = serialize({ command: 'SEND', headers: [], body });
    body.fill(9);
    expect(out.constructor).toBe(Uint8Array);
    expect(Array.from(out.subarray(out.length - 4))).toEqual([1, 2, 3, 0]);
  });

  const refused: Array<[string, Frame, SerializeOptions | undefined, StompParseErrorCode]> = [
    ['CONNECT value with LF', f('CONNECT', [['passcode', 'a\nb']]), undefined, 'malformed-header'],
    ['CONNECT value with CR', f('CONNECT', [['passcode', 'a\rb']]), undefined, 'malformed-header'],
    ['CONNECT name with colon', f('CONNECT', [['a:b', 'x']]), undefined, 'malformed-header'],
    ['CONNECTED name with LF', f('CONNECTED', [['a\nb', 'x']]), undefined, 'malformed-header'],
    ['CONNECTED name with CR', f('CONNECTED', [['a\rb', 'x']]), undefined, 'malformed-header'],
    [
      'escapes: false value with LF',
      f('SEND', [['k', 'a\nb']]),
      { escapes: false },
      'malformed-header',
    ],
    [
      'escapes: false name with colon',
      f('SEND', [['k:', 'v']]),
      { escapes: false },
      'malformed-header',
    ],
    ['empty header name', f('SEND', [['', 'v']]), undefined, 'malformed-header'],
    ['empty header name on CONNECT', f('CONNECT', [['', 'v']]), undefined, 'malformed-header'],
    ['lowercase command', f('send', []), undefined, 'invalid-command'],
    ['empty command', f('', []), undefined, 'invalid-command'],
    ['command with LF', f('SEND\nX', []), undefined, 'invalid-command'],
  ];

  it.each(refused)('refuses %s', (_name, frame, options, code) => {
    let error: unknown;
    try {
      serialize(frame, options);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StompParseError);
    expect((error as StompParseError).code).toBe(code);
  });
});
