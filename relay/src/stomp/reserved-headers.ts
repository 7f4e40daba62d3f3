/**
 * The one list of header names that are the relay's, for STOMP SEND and `POST /api/publish`
 * alike (docs/protocol.md#reserved-headers). Names are compared ignoring case: `Parley-Sender`
 * and `DESTINATION` are reserved as much as `parley-sender` and `destination`, so no spelling of
 * a user header can sit beside the relay's own in a MESSAGE.
 */
import { isTokenHeaderName } from '../codec/index.js';

/** Prefix of every Parley header (compared lower-cased). */
export const PARLEY_PREFIX = 'parley-';

/**
 * Non-`parley-` names the relay sets on MESSAGE frames, or that only mean something on the
 * frame that carried them (SEND's `receipt` / `transaction`), lower-cased.
 */
export const RELAY_HEADERS: ReadonlySet<string> = new Set([
  'destination',
  'message-id',
  'subscription',
  'ack',
  'content-length',
  'redelivered',
  'receipt',
  'transaction',
]);

/**
 * The only `parley-` headers a client may set on SEND, spelled exactly so (lower case). They
 * travel on to MESSAGE frames; every other `parley-` header is the relay's.
 */
export const CLIENT_PARLEY_HEADERS: ReadonlySet<string> = new Set([
  'parley-kind',
  'parley-client-id',
  // Read marks and read events (docs/protocol.md#read-positions); only meaningful with
  // parley-kind:read, whose events the relay builds itself.
  'parley-read-offset',
  'parley-read-timestamp',
]);

/** Whether `name`, ignoring case, is the relay's: a `parley-` header or one of {@link RELAY_HEADERS}. */
export function isReservedHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.startsWith(PARLEY_PREFIX) || RELAY_HEADERS.has(lower);
}

/**
 * Whether a client's header may travel into MESSAGE frames: a well-formed token name that is
 * either not reserved (ignoring case) or exactly one of {@link CLIENT_PARLEY_HEADERS}.
 */
export function isUserHeader(name: string): boolean {
  return isTokenHeaderName(name) && (!isReservedHeader(name) || CLIENT_PARLEY_HEADERS.has(name));
}

/**
 * The headers of `headers` that may travel into MESSAGE frames ({@link isUserHeader}), first
 * occurrence of each name. Returns `headers` itself when nothing is dropped (the common case),
 * so stored messages cost nothing to re-check on delivery.
 */
export function userHeaders(headers: Array<[string, string]>): Array<[string, string]> {
  let clean = true;
  for (let i = 0; i < headers.length && clean; i++) {
    const name = headers[i]![0];
    if (!isUserHeader(name)) clean = false;
    for (let j = 0; j < i && clean; j++) if (headers[j]![0] === name) clean = false;
  }
  if (clean) return headers;
  const out: Array<[string, string]> = [];
  const seen = new Set<string>();
  for (const [name, value] of headers) {
    if (!isUserHeader(name) || seen.has(name)) continue;
    seen.add(name);
    out.push([name, value]);
  }
  return out;
}
