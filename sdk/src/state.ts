import { ClientState } from './types.js';

const { Disconnected, Connecting, Connected, Disconnecting } = ClientState;

/**
 * The allowed moves of the client's state machine. The reliability layer adds
 * `connected → connecting` (reconnect) here.
 *
 * @internal
 */
export const TRANSITIONS: Readonly<Record<ClientState, readonly ClientState[]>> = {
  [Disconnected]: [Connecting],
  [Connecting]: [Connected, Disconnecting, Disconnected],
  [Connected]: [Disconnecting, Disconnected],
  [Disconnecting]: [Disconnected],
};

/** @internal */
export function canTransition(from: ClientState, to: ClientState): boolean {
  return TRANSITIONS[from].includes(to);
}
