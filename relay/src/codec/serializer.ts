import { StompParseError } from './errors.js';
import { isEscaped } from './frame.js';
import type { Frame } from './frame.js';

/** Options of {@link serialize}. */
export interface SerializeOptions {
  /**
   * `false` for STOMP 1.0: nothing is escaped, and names containing `:`, CR or LF or values
   * containing CR or LF are refused. Default `true`.
   */
  escapes?: boolean;
}

const NEEDS_ESCAPE = /[\\\r\n:]/;
const ESCAPABLE = /[\\\r\n:]/g;
const UNENCODABLE_NAME = /[:\r\n]/;
const UNENCODABLE_VALUE = /[\r\n]/;
const COMMAND = /^[A-Z]+$/;

const encoder = new TextEncoder();

function escapeChar(ch: string): string {
  switch (ch) {
    case '\\':
      return '\\\\';
    case '\r':
      return '\\r';
    case '\n':
      return '\\n';
    default:
      return '\\c';
  }
}

/** STOMP 1.2 header escaping: `\` → `\\`, CR → `\r`, LF → `\n`, `:` → `\c`. */
export function escapeHeader(s: string): string {
  return NEEDS_ESCAPE.test(s) ? s.replace(ESCAPABLE, escapeChar) : s;
}

/**
 * Encode a frame as `COMMAND\n` + `name:value\n`… + `\n` + body + NUL.
 *
 * Header names and values are escaped, except for CONNECT / CONNECTED and with
 * `escapes: false`. A `content-length` header with the body's byte length is appended when the
 * body is non-empty and the frame has none (a given `content-length` is trusted as is).
 *
 * @throws StompParseError `invalid-command` for a command that is not upper-case letters,
 * `malformed-header` for an empty header name or for a header that cannot be written unescaped.
 */
export function serialize(frame: Frame, options?: SerializeOptions): Uint8Array {
  const { command, headers, body } = frame;
  if (!COMMAND.test(command)) {
    throw new StompParseError(
      'invalid-command',
      `cannot serialize command ${JSON.stringify(command.slice(0, 32))}: a command is upper-case letters A-Z`,
    );
  }
  const escape = (options?.escapes ?? true) && isEscaped(command);
  let head = command + '\n';
  let hasContentLength = false;
  for (const [name, value] of headers) {
    if (name.length === 0) {
      throw new StompParseError('malformed-header', `cannot serialize a header with an empty name`);
    }
    if (name === 'content-length') hasContentLength = true;
    if (escape) {
      head += escapeHeader(name) + ':' + escapeHeader(value) + '\n';
    } else {
      if (UNENCODABLE_NAME.test(name) || UNENCODABLE_VALUE.test(value)) {
        throw new StompParseError(
          'malformed-header',
          `header ${JSON.stringify(name.slice(0, 32))} cannot be sent unescaped: names cannot contain ':', CR or LF, values cannot contain CR or LF`,
        );
      }
      head += name + ':' + value + '\n';
    }
  }
  if (!hasContentLength && body.length > 0) head += 'content-length:' + body.length + '\n';
  head += '\n';

  // Optimistic single allocation: exact when the head is ASCII (one byte per UTF-16 unit).
  let out = new Uint8Array(head.length + body.length + 1);
  const { read, written } = encoder.encodeInto(head, out.subarray(0, head.length));
  let headBytes = written;
  if (read !== head.length) {
    const encoded = encoder.encode(head);
    headBytes = encoded.length;
    out = new Uint8Array(headBytes + body.length + 1);
    out.set(encoded);
  }
  out.set(body, headBytes);
  // The trailing NUL is already 0.
  return out;
}
