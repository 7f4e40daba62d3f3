/**
 * Destinations of direct conversations (docs/protocol.md#direct-messages). A conversation
 * between alice and bob has two copies: alice reads hers at `/user/queue/dm.bob` and writes to
 * bob at `/user/bob/queue/dm.alice`; the relay mirrors what she writes into her copy.
 */
import { ParleyError } from './errors.js';

// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/;
const OWN_COPY = /^\/user\/queue\/dm\.(.+)$/;

/**
 * The local user's copy of the conversation with `peer`: `/user/queue/dm.<peer>`.
 *
 * @throws ParleyError `invalid-argument` if `peer` cannot be one destination segment (empty,
 *   `.`, `..`, containing `/` or control characters)
 * @internal
 */
export function dmCopy(peer: string): string {
  if (
    typeof peer !== 'string' ||
    peer === '' ||
    peer === '.' ||
    peer === '..' ||
    peer.includes('/') ||
    CONTROLS.test(peer)
  ) {
    throw new ParleyError('invalid-argument', `invalid user id ${JSON.stringify(peer)}`);
  }
  return `/user/queue/dm.${peer}`;
}

/**
 * Where the local user `me` writes to `peer`: the peer's copy, `/user/<peer>/queue/dm.<me>`
 * (notes to self stay in the one copy).
 *
 * @internal
 */
export function dmPeerCopy(peer: string, me: string): string {
  return peer === me ? `/user/queue/dm.${me}` : `/user/${peer}/queue/dm.${me}`;
}

/**
 * Where an outbox message for `destination` goes on the wire: a message for one's own copy of a
 * conversation is written to the peer's copy (the relay mirrors it back); anything else goes
 * where it says. Messages queue under the copy's name because `me` is known only once connected.
 *
 * @internal
 */
export function wireDestination(destination: string, me: string | undefined): string {
  const peer = OWN_COPY.exec(destination)?.[1];
  return peer === undefined || me === undefined ? destination : dmPeerCopy(peer, me);
}
