import { describe, expect, it } from 'vitest';
import { linkify, neutralizeBidi } from './linkify.js';

describe('linkify', () => {
  it('links http(s) URLs only, without trailing punctuation', () => {
    expect(linkify('see https://example.com/a?b=1, and http://x.io.')).toEqual([
      { text: 'see ' },
      { text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { text: ', and ' },
      { text: 'http://x.io', href: 'http://x.io/' },
      { text: '.' },
    ]);
  });

  it('never links javascript:, data: or HTML', () => {
    for (const t of ['javascript:alert(1)', 'data:text/html,<b>', '<a href="javascript:x">y</a>']) {
      expect(linkify(t).every((p) => p.href === undefined)).toBe(true);
    }
    expect(linkify('<img src=x onerror=alert(1)>')).toEqual([
      { text: '<img src=x onerror=alert(1)>' },
    ]);
  });

  it('stops a URL at quotes and angle brackets', () => {
    expect(linkify('https://e.com/"onmouseover="x')[0]).toEqual({
      text: 'https://e.com/',
      href: 'https://e.com/',
    });
  });

  it('shows bidi override characters instead of obeying them', () => {
    expect(neutralizeBidi('a\u202Eb\u2066c')).toBe('a\\u202eb\\u2066c');
    expect(neutralizeBidi('שלום مرحبا')).toBe('שלום مرحبا');
  });
});
