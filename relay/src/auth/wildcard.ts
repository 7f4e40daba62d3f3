/**
 * Grant pattern matching without backtracking.
 *
 * A pattern is literal text with two wildcards: `*` matches any run of characters except `/`,
 * `**` matches any run of characters at all (read left to right, so `***` is `**` then `*`).
 * This is the meaning of the regular expression the relay used to build (`*` → `[^/]*`,
 * `**` → `.*`), but matched by simulating the pattern's automaton over the destination: every
 * position of the pattern that can be reached is tracked at once, one destination character at
 * a time. The work is at most (destination length + 1) × (pattern tokens + 1) steps, whatever the
 * pattern — no input can make it backtrack — and a pattern with more literal characters than the
 * destination has characters is refused before any step.
 */

/** Kinds of pattern token: a literal character, `*` (no `/`), `**` (anything). */
const LITERAL = 0;
const STAR = 1;
const GLOBSTAR = 2;

/** A pattern prepared for matching. @internal */
export interface CompiledPattern {
  /** Token kinds. */
  readonly kinds: Uint8Array;
  /** The character of each literal token (unused for wildcards). */
  readonly chars: string;
  /** Number of literal tokens: a destination shorter than this cannot match. */
  readonly literals: number;
  /** Set when the pattern has no wildcard at all: plain string equality. */
  readonly exact?: string;
  /** Set when the pattern is `<literal>**` with no other wildcard: a prefix test. */
  readonly prefix?: string;
}

/** Work counter for tests: incremented once per (character, live state) step. */
export interface MatchStats {
  steps: number;
}

/** Turns a pattern into tokens; runs of wildcards are merged where that changes nothing. */
export function compilePattern(pattern: string): CompiledPattern {
  const kinds: number[] = [];
  let chars = '';
  let literals = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    let kind = LITERAL;
    if (c === '*') {
      kind = pattern[i + 1] === '*' ? GLOBSTAR : STAR;
      if (kind === GLOBSTAR) i++;
    } else literals++;
    const last = kinds[kinds.length - 1];
    // `**` then `*` (or `**`) is still just `**`; `*` then `*` cannot occur (it would be `**`).
    if (kind !== LITERAL && last === GLOBSTAR) continue;
    if (kind === GLOBSTAR && last === STAR) {
      kinds[kinds.length - 1] = GLOBSTAR;
      continue;
    }
    kinds.push(kind);
    chars += kind === LITERAL ? c : ' ';
  }
  const compiled = { kinds: Uint8Array.from(kinds), chars, literals };
  const firstWild = kinds.findIndex((k) => k !== LITERAL);
  if (firstWild < 0) return { ...compiled, exact: pattern };
  if (firstWild === kinds.length - 1 && kinds[firstWild] === GLOBSTAR) {
    return { ...compiled, prefix: chars.slice(0, firstWild) };
  }
  return compiled;
}

/** Whether `dest` matches the compiled pattern. Linear in `dest` for a given pattern. */
export function matchCompiled(p: CompiledPattern, dest: string, stats?: MatchStats): boolean {
  if (p.exact !== undefined) return dest === p.exact;
  if (p.prefix !== undefined) return dest.startsWith(p.prefix);
  if (dest.length < p.literals) return false;
  const { kinds, chars } = p;
  const n = kinds.length;
  // live[i]: the first i tokens can match the text read so far. Double-buffered.
  let live = new Uint8Array(n + 1);
  let next = new Uint8Array(n + 1);
  live[0] = 1;
  close(kinds, live);
  for (let at = 0; at < dest.length; at++) {
    const c = dest[at]!;
    next.fill(0);
    let any = false;
    for (let i = 0; i < n; i++) {
      if (live[i] === 0) continue;
      if (stats) stats.steps++;
      const kind = kinds[i];
      if (kind === LITERAL) {
        if (chars[i] === c) {
          next[i + 1] = 1;
          any = true;
        }
      } else if (kind === GLOBSTAR || c !== '/') {
        next[i] = 1;
        any = true;
      }
    }
    if (!any) return false;
    close(kinds, next);
    [live, next] = [next, live];
  }
  return live[n] === 1;
}

/** Epsilon moves: a wildcard may match nothing, so the token after it is live too. */
function close(kinds: Uint8Array, live: Uint8Array): void {
  for (let i = 0; i < kinds.length; i++) {
    if (live[i] === 1 && kinds[i] !== LITERAL) live[i + 1] = 1;
  }
}

const cache = new Map<string, CompiledPattern>();

/** Whether `dest` matches `pattern` (`*` = any run except `/`, `**` = anything). Cached. */
export function matchPattern(pattern: string, dest: string, stats?: MatchStats): boolean {
  let compiled = cache.get(pattern);
  if (!compiled) {
    compiled = compilePattern(pattern);
    if (cache.size > 10_000) cache.clear();
    cache.set(pattern, compiled);
  }
  return matchCompiled(compiled, dest, stats);
}
