import { describe, expect, it } from 'vitest';
import { sendsOnEnter } from './ime.js';

const key = (over: Partial<KeyboardEvent>) => ({
  key: 'Enter',
  shiftKey: false,
  isComposing: false,
  keyCode: 13,
  ...over,
});

describe('Enter in the composer', () => {
  it('sends on a plain Enter only', () => {
    expect(sendsOnEnter(key({}), false)).toBe(true);
    expect(sendsOnEnter(key({ shiftKey: true }), false)).toBe(false);
    expect(sendsOnEnter(key({ key: 'a' }), false)).toBe(false);
  });

  it('never sends during or at the end of an IME composition', () => {
    expect(sendsOnEnter(key({ isComposing: true }), false)).toBe(false);
    expect(sendsOnEnter(key({ keyCode: 229 }), false)).toBe(false);
    expect(sendsOnEnter(key({}), true)).toBe(false);
  });
});
