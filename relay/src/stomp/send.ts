import { isUtf8 } from 'node:buffer';
import type { Principal } from '../auth/principal.js';
import type { PublishInput } from '../broker/broker.js';
import type { Frame } from '../codec/index.js';
import { header } from '../codec/index.js';
import { REASONS, StompError } from '../reasons.js';
import { resolveDestination } from './destinations.js';
import type { DestinationRules } from './destinations.js';
import { passThroughHeaders } from './message-frame.js';

/** `parley-kind` values a client may send; `typing` is ephemeral (never stored). */
const CLIENT_KINDS = new Set(['message', 'typing', 'read']);

/**
 * Checks a SEND (destination, grants, client-settable `parley-` headers) and returns what to
 * publish. Throws a StompError naming the rule that failed.
 * @internal
 */
export function publishInput(
  frame: Frame,
  principal: Principal,
  rules: DestinationRules,
  binary: boolean,
): PublishInput {
  const destination = resolveDestination(principal, header(frame, 'destination'), 'pub', rules);
  const kind = header(frame, 'parley-kind') ?? 'message';
  if (!CLIENT_KINDS.has(kind)) {
    throw new StompError(
      REASONS.protocolError,
      `parley-kind must be one of ${[...CLIENT_KINDS].join(', ')}, not "${kind.slice(0, 32)}"`,
    );
  }
  const clientId = header(frame, 'parley-client-id');
  if (clientId !== undefined && (clientId.length === 0 || clientId.length > 128)) {
    throw new StompError(REASONS.protocolError, 'parley-client-id must be 1 to 128 characters');
  }
  return {
    destination,
    body: frame.body,
    headers: passThroughHeaders(frame),
    sender: principal.userId,
    ...(principal.name !== undefined && { senderName: principal.name }),
    // A body that is not UTF-8 can only travel in binary WebSocket messages, however it arrived.
    ...((binary || !isUtf8(frame.body)) && { binary: true }),
    // Read events are live only (stomp/read-mark.ts stores positions): offsets count messages.
    ...((kind === 'typing' || kind === 'read') && { ephemeral: true }),
    // Idempotent SEND: the broker publishes a (sender, destination, client id) once per window.
    ...(clientId !== undefined && { clientId }),
  };
}
