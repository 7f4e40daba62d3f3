import { describe, expect, it } from 'vitest';
import { StompParseError } from './errors.js';
import type { Frame } from './frame.js';
import { TOKEN_PUNCTUATION, headerNameProblem, isTokenHeaderName } from './header-name.js';
import { StompParser } from './parser.js';
import type { HeaderNameRule } from './parser.js';

/** Spellings that trim or fold to `parley-sender` in some client, and other non-tokens. */
const NOT_TOKENS = [
  ' parley-sender',
  '\tparley-sender',
  '\u00a0parley-sender',
  '\ufeffparley-sender',
  'parley-sender ',
  'parley sender',
  'parley-sender\u0000',
  'parley-\u0130sender',
  'x\u007f',
  'héllo',
  'a"b',
  'a(b)',
  'a/b',
  'a\\b',
  'a@b',
  '',
];

function parse(text: string, headerNames: HeaderNameRule, escapes = true): Frame[] | Error {
  const frames: Frame[] = [];
  const p = new StompParser(
    { onFrame: (f) => frames.push(f), onHeartbeat: () => undefined },
    { headerNames },
  );
  p.escapes = escapes;
  try {
    p.push(text);
    return frames;
  } catch (err) {
    return err as Error;
  }
}

describe('header-name grammar', () => {
  it('accepts RFC 7230 tokens, any case', () => {
    for (const name of ['parley-sender', 'Parley-Sender', 'x', 'X-Trace_1.2', TOKEN_PUNCTUATION]) {
      expect(isTokenHeaderName(name), name).toBe(true);
      expect(headerNameProblem(name)).toBeUndefined();
    }
  });

  it.each(NOT_TOKENS.map((n) => [JSON.stringify(n), n]))('refuses %s', (_, name) => {
    expect(isTokenHeaderName(name)).toBe(false);
    expect(headerNameProblem(name)).toMatch(/^header name/);
  });

  it('names the bad character by code point and never echoes raw control or invisible bytes', () => {
    const problem = headerNameProblem('\u00a0parley-\u0007sender\ufeff')!;
    expect(problem).toContain('U+00A0 at position 0');
    expect(problem).toContain('\\u00a0parley-\\u0007sender\\ufeff');
    // eslint-disable-next-line no-control-regex
    expect(problem).not.toMatch(/[\u0000-\u001f\u007f-\u00a0\ufeff]/);
  });
});

describe('StompParser headerNames option', () => {
  it('is lenient by default (`any`), for frames of other servers', () => {
    const frames = parse('MESSAGE\n parley-sender:x\n\n\0', 'any') as Frame[];
    expect(frames[0]!.headers).toEqual([[' parley-sender', 'x']]);
  });

  it.each(NOT_TOKENS.filter((n) => n !== '' && !n.includes('\u0000')).map((n) => [n]))(
    'with `token`, refuses a SEND header named %j with invalid-header-name',
    (name) => {
      const err = parse(`SEND\ndestination:/topic/a\n${name}:mallory\n\n\0`, 'token');
      expect(err).toBeInstanceOf(StompParseError);
      expect((err as StompParseError).code).toBe('invalid-header-name');
      expect((err as StompParseError).message).toMatch(/^header line 2: header name "/);
    },
  );

  it('checks the raw name: an escaped name is never a token', () => {
    const err = parse('SEND\nparley\\csender:x\n\n\0', 'token') as StompParseError;
    expect(err.code).toBe('invalid-header-name');
  });

  it('checks CONNECT (unescaped) and STOMP 1.0 frames too', () => {
    const connect = parse('CONNECT\naccept-version:1.2\n\u00a0login:x\n\n\0', 'token');
    expect((connect as StompParseError).code).toBe('invalid-header-name');
    const old = parse('SEND\ndestination:/a\n\tparley-sender:x\n\n\0', 'token', false);
    expect((old as StompParseError).code).toBe('invalid-header-name');
  });

  it('passes tokens of any case through untouched', () => {
    const frames = parse('SEND\ndestination:/a\nParley-Sender:x\nX-Ok:1\n\n\0', 'token');
    expect((frames as Frame[])[0]!.headers).toEqual([
      ['destination', '/a'],
      ['Parley-Sender', 'x'],
      ['X-Ok', '1'],
    ]);
  });
});
