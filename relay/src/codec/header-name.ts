/**
 * The header-name grammar the relay accepts on client frames: a token of RFC 7230 `tchar`s —
 * ASCII letters, digits and ``!#$%&'*+-.^_`|~``. Whitespace (space, tab, NBSP, BOM), control
 * characters, `:`, `\` and everything beyond ASCII are out, so no header name can look like
 * another one after a client trims or folds it.
 */

/** The punctuation `tchar` allows besides ASCII letters and digits. */
export const TOKEN_PUNCTUATION = "!#$%&'*+-.^_`|~";

/** `TCHAR[c] === 1` for every ASCII code unit `c` that `tchar` allows. */
const TCHAR = new Uint8Array(128);
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;
for (const ch of TOKEN_PUNCTUATION) TCHAR[ch.charCodeAt(0)] = 1;

/** Index of the first character of `name` that `tchar` does not allow; -1 when there is none. */
function firstBadChar(name: string): number {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 128 || TCHAR[c] !== 1) return i;
  }
  return -1;
}

/** Whether `name` is a non-empty token of RFC 7230 `tchar`s. */
export function isTokenHeaderName(name: string): boolean {
  return name.length > 0 && firstBadChar(name) === -1;
}

/**
 * `name` for an error message: printable ASCII as is, anything else as `\uXXXX`, at most 40
 * characters. Never echoes raw control bytes or invisible characters back to anyone.
 */
export function printableName(name: string): string {
  let out = '';
  for (const ch of name.slice(0, 40)) {
    const c = ch.codePointAt(0)!;
    out +=
      c >= 0x20 && c < 0x7f && ch !== '"' && ch !== '\\'
        ? ch
        : `\\u${c.toString(16).padStart(4, '0')}`;
  }
  return `"${out}${name.length > 40 ? '…' : ''}"`;
}

/**
 * What is wrong with `name` as a header name, in a sentence; `undefined` when it is a token.
 * The sentence names the first bad character by code point (U+00A0) and never contains it.
 */
export function headerNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'header name is empty';
  const bad = firstBadChar(name);
  if (bad === -1) return undefined;
  const code = name.codePointAt(bad)!;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return (
    `header name ${printableName(name)} has ${hex} at position ${bad}: header names are ` +
    `ASCII letters, digits and ${TOKEN_PUNCTUATION} only (no spaces or invisible characters)`
  );
}
