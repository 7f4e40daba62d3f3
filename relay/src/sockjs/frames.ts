/**
 * SockJS 0.3 framing: what the server writes (`o`, `h`, `a[...]`, `c[code,"reason"]`) and how it
 * reads what clients send (a JSON array of strings, or one JSON string).
 */

/** Sent once, first, to every new session. */
export const OPEN_FRAME = 'o';
/** Sent when nothing else was sent for a heart-beat period. */
export const HEARTBEAT_FRAME = 'h';

/**
 * Characters that some browsers or proxies mangle inside a JSON string (line and paragraph
 * separators break JavaScript parsers, control characters break line-based transports, lone
 * surrogates are not UTF-8). `JSON.stringify` leaves some of them as they are: escape them
 * as `\uXXXX`, as sockjs-node does.
 */
const UNSAFE =
  // eslint-disable-next-line no-control-regex, no-misleading-character-class -- these are the point
  /[\u0000-\u001f\u007f-\u009f\u00ad\u0600-\u0604\u070f\u17b4\u17b5\u200c-\u200f\u2028-\u202f\u2060-\u206f\ufeff\ufff0-\uffff]/g;

function escapeUnsafe(json: string): string {
  return json.replace(UNSAFE, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** `a["m1","m2"]`: messages for the client, in order. */
export function messageFrame(messages: readonly string[]): string {
  return 'a' + escapeUnsafe(JSON.stringify(messages));
}

/** `c[3000,"Go away!"]`: the session is closed; every later receiving request gets the same. */
export function closeFrame(code: number, reason: string): string {
  return 'c' + escapeUnsafe(JSON.stringify([code, reason]));
}

/** What a client's payload turned out to be. */
export type ParsedPayload =
  { ok: true; messages: string[] } | { ok: false; error: 'empty' | 'broken' };

/**
 * Reads a client payload: a JSON array of strings (every transport), or a single JSON string
 * (what older clients send over the WebSocket). Anything else is broken.
 */
export function parsePayload(text: string): ParsedPayload {
  if (text === '') return { ok: false, error: 'empty' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: 'broken' };
  }
  if (typeof value === 'string') return { ok: true, messages: [value] };
  if (!Array.isArray(value)) return { ok: false, error: 'broken' };
  const messages: string[] = [];
  for (const m of value) {
    if (typeof m !== 'string') return { ok: false, error: 'broken' };
    messages.push(m);
  }
  return { ok: true, messages };
}

/**
 * An EventSource `data:` line carries one frame. The SockJS client runs `decodeURI` on it, so
 * `%` must be escaped, and CR, LF and NUL would end the line or the event (JSON already escapes
 * them inside strings; this guards the frame as a whole).
 */
export function eventSourceData(frame: string): string {
  // eslint-disable-next-line no-control-regex -- NUL is one of the characters escaped
  return 'data: ' + frame.replace(/[%\r\n\u0000]/g, (c) => encodeURIComponent(c)) + '\r\n\r\n';
}

/** The 2049-byte prelude of `xhr_streaming`: old browsers fire progress events only past 2 KiB. */
export const XHR_STREAMING_PRELUDE = 'h'.repeat(2048) + '\n';

/** The prelude of `eventsource`: a blank line, so the stream is seen as open. */
export const EVENTSOURCE_PRELUDE = '\r\n';
