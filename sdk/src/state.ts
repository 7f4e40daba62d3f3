import { ClientState } from './types.js';

const { Idle, Connecting, Connected, Reconnecting, Disconnected, Failed } = ClientState;

/**
 * Everything the connection state machine decides on. Pure data: the client keeps one and
 * replaces it with what {@link transition} returns.
 *
 * @internal
 */
export interface Machine {
  readonly state: ClientState;
  /** Consecutive failed attempts since the last stable connection (the backoff exponent). */
  readonly attempt: number;
  /** The one fresh-token retry after the relay refused a token has been used. */
  readonly _authRetried: boolean;
  /** The environment says the network is up (browsers' `online`/`offline`). */
  readonly online: boolean;
  /** An attempt (token, socket, CONNECT) is in flight. */
  readonly opening: boolean;
  /** Refresh the token in place (`SEND /parley/token`); false once the relay showed it can't. */
  readonly inPlace: boolean;
  /** Reconnect on its own after a lost connection (else stop in `disconnected`). */
  readonly _autoReconnect: boolean;
}

/**
 * How a session ended, as the client classified it.
 *
 * - `transient`: network loss, relay gone, timeouts, most relay ERRORs → backoff
 * - `shutdown`: the relay said `server-shutdown` → a random delay in `[0, spreadMs]`
 * - `auth`: the relay refused the token → one attempt with a fresh token, then `failed`
 * - `unauthorized` / `fatal`: no point retrying (`UnauthorizedError`, a static token refused,
 *   no common STOMP version) → `failed`
 * - `stale`: the link was found dead (e.g. on `visibilitychange`) → reconnect at once
 * - `refresh-unsupported`: the relay does not know `/parley/token` → reconnect at once, stop
 *   refreshing in place
 *
 * @internal
 */
export type CloseKind =
  'transient' | 'shutdown' | 'auth' | 'unauthorized' | 'fatal' | 'stale' | 'refresh-unsupported';

/** The inputs of the machine. @internal */
export type MachineEvent =
  | { readonly type: 'connect' }
  | { readonly type: 'disconnect' }
  | { readonly type: 'dispose' }
  /** The relay sent CONNECTED on the current attempt. */
  | { readonly type: 'opened' }
  /** The current attempt or connection ended. */
  | { readonly type: 'closed'; readonly kind: CloseKind; readonly spreadMs?: number }
  /** The retry timer fired. */
  | { readonly type: 'retry' }
  /** The connection has been up long enough to reset the backoff. */
  | { readonly type: 'stable' }
  | { readonly type: 'offline' }
  | { readonly type: 'online' }
  | { readonly type: 'visible' }
  /** The token is about to expire. */
  | { readonly type: 'token-due' };

/** What the client must do after a transition, in order. @internal */
export type Effect =
  /** Get a token, open a socket, send CONNECT (closing any old session first). */
  | { readonly type: 'open' }
  /** End the current session (DISCONNECT and wait when graceful, else drop it). */
  | { readonly type: 'close'; readonly graceful: boolean }
  /** Retry after a full-jitter backoff for this attempt number. */
  | { readonly type: 'schedule-retry'; readonly attempt: number }
  /** Retry after a random delay in `[0, upperMs]` (relay shutdown). */
  | { readonly type: 'schedule-spread-retry'; readonly upperMs: number }
  | { readonly type: 'cancel-retry' }
  /** Start the stable timer and the token refresh timer of a new connection. */
  | { readonly type: 'arm-connection-timers' }
  /** Stop the timers of the connection that ended. */
  | { readonly type: 'disarm-connection-timers' }
  /** Get a fresh token and swap it in place on the live session. */
  | { readonly type: 'refresh-token' }
  /** Look whether the live link still works (after the page became visible). */
  | { readonly type: 'check-link' }
  | { readonly type: 'resubscribe' }
  | { readonly type: 'flush-outbox' }
  /** Fail every message still waiting in the outbox with the failure's reason. */
  | { readonly type: 'fail-outbox' }
  /** Resolve (`ok`) or reject pending `connect()` calls (`aborted`: by the app's own call). */
  | { readonly type: 'settle'; readonly ok: boolean; readonly aborted?: boolean }
  | {
      readonly type: 'emit';
      readonly event: 'connected' | 'disconnected' | 'reconnecting' | 'failed';
    }
  /** Release every timer, listener and socket: the client is disposed. */
  | { readonly type: 'release' };

/** The result of {@link transition}. @internal */
export interface Step {
  readonly machine: Machine;
  readonly effects: readonly Effect[];
}

/** The machine of a new client. @internal */
export function initialMachine(
  options: { online?: boolean; inPlace?: boolean; _autoReconnect?: boolean } = {},
): Machine {
  return {
    state: Idle,
    attempt: 0,
    _authRetried: false,
    online: options.online ?? true,
    opening: false,
    inPlace: options.inPlace ?? true,
    _autoReconnect: options._autoReconnect ?? true,
  };
}

const stay = (machine: Machine, effects: readonly Effect[] = []): Step => ({ machine, effects });

function fail(m: Machine, wasConnected: boolean): Step {
  return {
    machine: { ...m, state: Failed, opening: false },
    effects: [
      { type: 'disarm-connection-timers' },
      { type: 'close', graceful: true },
      { type: 'settle', ok: false },
      { type: 'fail-outbox' },
      ...(wasConnected ? [{ type: 'emit', event: 'disconnected' } as const] : []),
      { type: 'emit', event: 'failed' },
    ],
  };
}

function closed(m: Machine, kind: CloseKind, spreadMs: number): Step {
  const wasConnected = m.state === Connected;
  if (kind === 'unauthorized' || kind === 'fatal') return fail(m, wasConnected);
  if (kind === 'auth' && m._authRetried) return fail(m, wasConnected);
  if (!m._autoReconnect && kind !== 'auth' && kind !== 'refresh-unsupported') {
    return {
      machine: { ...m, state: Disconnected, opening: false },
      effects: [
        { type: 'disarm-connection-timers' },
        { type: 'settle', ok: false },
        { type: 'emit', event: 'disconnected' },
      ],
    };
  }
  const lost: Effect[] = [
    { type: 'disarm-connection-timers' },
    ...(wasConnected ? [{ type: 'emit', event: 'disconnected' } as const] : []),
    { type: 'emit', event: 'reconnecting' },
  ];
  const base: Machine = { ...m, state: Reconnecting, opening: false };
  switch (kind) {
    case 'auth':
      return {
        machine: { ...base, _authRetried: true, opening: true },
        effects: [...lost, { type: 'open' }],
      };
    case 'refresh-unsupported':
      return {
        machine: { ...base, inPlace: false, opening: true },
        effects: [...lost, { type: 'open' }],
      };
    case 'stale':
      if (!m.online) return { machine: base, effects: lost };
      return { machine: { ...base, opening: true }, effects: [...lost, { type: 'open' }] };
    case 'shutdown':
      if (!m.online) return { machine: base, effects: lost };
      return {
        machine: base,
        effects: [...lost, { type: 'schedule-spread-retry', upperMs: spreadMs }],
      };
    case 'transient': {
      const attempt = m.attempt + 1;
      if (!m.online) return { machine: { ...base, attempt }, effects: lost };
      return {
        machine: { ...base, attempt },
        effects: [...lost, { type: 'schedule-retry', attempt }],
      };
    }
  }
}

/** Reconnect now when waiting between attempts (online again, page visible again). */
function retryNow(m: Machine): Step {
  if (m.state !== Reconnecting || m.opening) return stay(m);
  return {
    machine: { ...m, opening: true },
    effects: [{ type: 'cancel-retry' }, { type: 'open' }],
  };
}

/**
 * The connection state machine: the only place that decides state changes. Pure — no timers,
 * sockets or randomness; the client runs the returned effects.
 *
 * @internal
 */
export function transition(m: Machine, event: MachineEvent): Step {
  const { state } = m;
  const live = state === Connecting || state === Connected || state === Reconnecting;
  switch (event.type) {
    case 'connect':
      if (live) return stay(m);
      return {
        machine: { ...m, state: Connecting, attempt: 0, _authRetried: false, opening: true },
        effects: [{ type: 'open' }],
      };
    case 'disconnect':
      if (!live) return stay(m);
      return {
        machine: { ...m, state: Disconnected, opening: false },
        effects: [
          { type: 'cancel-retry' },
          { type: 'disarm-connection-timers' },
          { type: 'close', graceful: state === Connected },
          { type: 'settle', ok: false, aborted: true },
          { type: 'emit', event: 'disconnected' },
        ],
      };
    case 'dispose':
      return {
        machine: { ...m, state: Disconnected, opening: false },
        effects: [
          { type: 'cancel-retry' },
          { type: 'disarm-connection-timers' },
          { type: 'close', graceful: false },
          { type: 'settle', ok: false, aborted: true },
          { type: 'release' },
        ],
      };
    case 'opened':
      if (!m.opening || (state !== Connecting && state !== Reconnecting)) return stay(m);
      return {
        machine: { ...m, state: Connected, opening: false, _authRetried: false },
        effects: [
          { type: 'arm-connection-timers' },
          { type: 'emit', event: 'connected' },
          { type: 'resubscribe' },
          { type: 'flush-outbox' },
          { type: 'settle', ok: true },
        ],
      };
    case 'closed':
      if (state === Connected || ((state === Connecting || state === Reconnecting) && m.opening)) {
        return closed(m, event.kind, event.spreadMs ?? 0);
      }
      return stay(m);
    case 'retry':
      return retryNow(m);
    case 'stable':
      return state === Connected ? stay({ ...m, attempt: 0 }) : stay(m);
    case 'offline':
      if (state === Reconnecting && !m.opening) {
        return stay({ ...m, online: false }, [{ type: 'cancel-retry' }]);
      }
      return stay({ ...m, online: false });
    case 'online':
      return retryNow({ ...m, online: true });
    case 'visible':
      if (state === Connected) return stay(m, [{ type: 'check-link' }]);
      return retryNow(m);
    case 'token-due':
      if (state !== Connected) return stay(m);
      if (m.inPlace) return stay(m, [{ type: 'refresh-token' }]);
      return {
        machine: { ...m, state: Reconnecting, opening: true },
        effects: [
          { type: 'disarm-connection-timers' },
          { type: 'close', graceful: true },
          { type: 'emit', event: 'reconnecting' },
          { type: 'open' },
        ],
      };
  }
}
