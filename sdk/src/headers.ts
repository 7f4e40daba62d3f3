/**
 * Header names as the relay defines them (docs/protocol.md#reserved-headers): which names a SEND
 * may carry, and which headers of a MESSAGE are the relay's own stamps.
 */
import { ParleyError } from './errors.js';

/** RFC 7230 `tchar` tokens: the only header names the relay accepts on a client frame. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Prefix of the relay's headers; every spelling of it (any case) is reserved. */
const PARLEY_PREFIX = 'parley-';

/** Non-`parley-` names that are the relay's (on MESSAGE) or mean something only on SEND. */
const RELAY_HEADERS: ReadonlySet<string> = new Set([
  'destination',
  'message-id',
  'subscription',
  'ack',
  'content-length',
  'redelivered',
  'receipt',
  'transaction',
]);

/** `name` trimmed the way @stomp/stompjs trims it, then lower-cased. */
function normalize(name: string): string {
  return name.trim().toLowerCase();
}

/** Whether `name`, ignoring case and surrounding whitespace, is one of the relay's headers. */
function isReserved(name: string): boolean {
  const n = normalize(name);
  return n.startsWith(PARLEY_PREFIX) || RELAY_HEADERS.has(n);
}

/**
 * Checks one user header of a SEND: a token name that is not reserved, with a string value.
 *
 * @throws ParleyError `invalid-argument` naming the problem
 * @internal
 */
export function checkSendHeader(name: string, value: unknown): void {
  if (!TOKEN.test(name)) {
    throw new ParleyError('invalid-argument', `invalid header name ${JSON.stringify(name)}`);
  }
  if (isReserved(name)) {
    throw new ParleyError('invalid-argument', `the header "${name}" is reserved`);
  }
  if (typeof value !== 'string') {
    throw new ParleyError('invalid-argument', `the header "${name}" must be a string`);
  }
}

/**
 * The headers of a MESSAGE as the SDK exposes them: the relay's stamps under their exact names
 * (the relay writes them before any sender header, and @stomp/stompjs keeps the first of
 * repeated names), without any other spelling of a reserved name — `Parley-Sender`,
 * `PARLEY-OFFSET`, ` parley-sender` — that a sender might have slipped in.
 *
 * @internal
 */
export function relayHeaders(raw: Readonly<Record<string, string>>): Record<string, string> {
  // fromEntries defines own properties, so even a `__proto__` header stays a plain header.
  return Object.fromEntries(
    Object.entries(raw).filter(([name]) => name === normalize(name) || !isReserved(name)),
  );
}
