import { describe, expect, it } from 'vitest';
import { isCI } from './ci.js';

describe('isCI', () => {
  it.each<[string | undefined, boolean]>([
    ['true', true],
    ['1', true],
    ['TRUE', true],
    [undefined, false],
    ['', false],
    ['false', false],
    ['0', false],
  ])('CI=%j → %s', (value, expected) => {
    expect(isCI(value === undefined ? {} : { CI: value })).toBe(expected);
  });
});
