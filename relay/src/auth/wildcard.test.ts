import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAllowed } from './acl.js';
import { compilePattern, matchCompiled, matchPattern } from './wildcard.js';
import type { MatchStats } from './wildcard.js';

/**
 * The meaning of a grant pattern, written as plainly as possible (exponential, for small
 * inputs only): `**` matches any run, `*` any run without `/`, anything else itself.
 */
function reference(pattern: string, dest: string): boolean {
  if (pattern === '') return dest === '';
  if (pattern.startsWith('**')) {
    for (let k = 0; k <= dest.length; k++) {
      if (reference(pattern.slice(2), dest.slice(k))) return true;
    }
    return false;
  }
  if (pattern[0] === '*') {
    for (let k = 0; k <= dest.length; k++) {
      if (reference(pattern.slice(1), dest.slice(k))) return true;
      if (dest[k] === '/') return false;
    }
    return false;
  }
  return dest[0] === pattern[0] && reference(pattern.slice(1), dest.slice(1));
}

/** The regular expression the relay used to build: the semantics must not change. */
function oldRegExp(pattern: string): RegExp {
  const body = pattern
    .split('**')
    .map((part) =>
      part
        .split('*')
        .map((lit) => lit.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]*'),
    )
    .join('.*');
  return new RegExp(`^${body}$`);
}

function steps(pattern: string, dest: string): { matched: boolean; steps: number } {
  const stats: MatchStats = { steps: 0 };
  const matched = matchCompiled(compilePattern(pattern), dest, stats);
  return { matched, steps: stats.steps };
}

describe('matchPattern: no catastrophic backtracking', () => {
  const a250 = `/topic/${'a'.repeat(243)}`;
  const pathological: Array<[string, string, boolean]> = [
    ['/topic/*a*a*a*a*a*a*b', a250, false],
    ['/topic/*a*a*a*a*a*a*b', `${a250}b`, true],
    ['/topic/*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b', a250, false],
    ['**a**a**a**a**a**a**a**b', a250, false],
    ['**a**a**a**a**a**a**a**b', `${a250}/b`, true],
    ['/topic/**a*a**a*a**a*a**b', a250, false],
    [`/topic/${'*a'.repeat(60)}*b`, a250, false],
    [`/${'*/'.repeat(40)}*b`, `/${'a/'.repeat(100)}a`, false],
    [`/**/${'*'.repeat(50)}/x`, `/${'aa/'.repeat(60)}y`, false],
    [`/**/${'*'.repeat(50)}/x`, `/${'aa/'.repeat(60)}x`, true],
  ];

  it.each(pathological)('%s on a long destination: bounded steps', (pattern, dest, expected) => {
    const { matched, steps: n } = steps(pattern, dest);
    const tokens = compilePattern(pattern).kinds.length;
    // At most one step per live token per destination character: linear in the destination.
    expect(n).toBeLessThanOrEqual(dest.length * (tokens + 1));
    expect(matched).toBe(expected);
  });

  it('does work proportional to the destination length for a fixed pattern', () => {
    const pattern = '/topic/*a*a*a*a*a*a*b';
    const at = (len: number) => steps(pattern, `/topic/${'a'.repeat(len)}`).steps;
    const small = at(100);
    const big = at(1000);
    // 10× the input costs about 10× the steps (old regex: grows like len^7).
    expect(big).toBeLessThanOrEqual(small * 11);
    expect(big).toBeLessThanOrEqual(1007 * 15);
  });

  it('refuses a pattern with more literal characters than the destination without any step', () => {
    expect(steps(`/topic/${'x'.repeat(300)}*`, '/topic/x')).toEqual({ matched: false, steps: 0 });
  });

  it('answers isAllowed for a pathological grant', () => {
    const p = { userId: 'eve', grants: { sub: ['/topic/*a*a*a*a*a*a*b'], pub: [] } };
    expect(isAllowed(p, 'sub', `/topic/${'a'.repeat(200)}`, false)).toBe(false);
    expect(isAllowed(p, 'sub', `/topic/${'a'.repeat(200)}b`, false)).toBe(true);
  });
});

describe('matchPattern: same semantics as the reference matcher and the old RegExp', () => {
  const patternChar = fc.constantFrom('a', 'b', '.', '/', '*', '*', '+', '(', '\\');
  const destChar = fc.constantFrom('a', 'b', '.', '/', '+', '(', '\\');
  const patternArb = fc.array(patternChar, { maxLength: 12 }).map((cs) => cs.join(''));
  const destArb = fc.array(destChar, { maxLength: 14 }).map((cs) => cs.join(''));

  it('agrees on random patterns and destinations', () => {
    fc.assert(
      fc.property(patternArb, destArb, (pattern, dest) => {
        const expected = reference(pattern, dest);
        expect(oldRegExp(pattern).test(dest)).toBe(expected);
        expect(matchPattern(pattern, dest)).toBe(expected);
      }),
      { numRuns: 5000 },
    );
  });

  it('agrees on destinations built to match (a pattern with its wildcards filled in)', () => {
    const filled = patternArb.chain((pattern) =>
      fc
        .array(fc.array(destChar, { maxLength: 4 }), {
          minLength: pattern.length,
          maxLength: pattern.length,
        })
        .map((fills) => {
          let dest = '';
          for (let i = 0; i < pattern.length; i++) {
            if (pattern[i] !== '*') dest += pattern[i];
            else {
              const double = pattern[i + 1] === '*';
              const fill = fills[i]!.join('');
              dest += double ? fill : fill.replaceAll('/', 'a');
              if (double) i++;
            }
          }
          return [pattern, dest] as const;
        }),
    );
    fc.assert(
      fc.property(filled, ([pattern, dest]) => {
        expect(reference(pattern, dest)).toBe(true);
        expect(matchPattern(pattern, dest)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
