import { describe, expect, it } from 'vitest';
import { hasControl, withoutControls } from './controls.js';

describe('control characters', () => {
  it.each([
    ['NUL', '\0'],
    ['unit separator', '\x1f'],
    ['DEL', '\x7f'],
    ['C1 NEL', '\u0085'],
    ['C1 APC', '\u009f'],
  ])('finds %s', (_name, c) => {
    expect(hasControl(`/topic/a${c}b`)).toBe(true);
    expect(withoutControls(`a${c}b`)).toBe('a?b');
  });

  it.each(['/topic/room.42', '/topic/방', '/topic/caf\u00e9', '/topic/\u00a0', '/topic/\uff0f'])(
    'leaves %j alone (not Cc: look-alikes are matched against grants as they are)',
    (s) => {
      expect(hasControl(s)).toBe(false);
      expect(withoutControls(s)).toBe(s);
    },
  );
});
