import type { ForwardingHeaders } from '../net/client-address.js';
import type { GateDecision } from '../net/connection-gate.js';
import { SockJsSession } from './session.js';
import type { BadRequestKind, SockJsSettings, SockJsTransportName } from './types.js';

/** Per-address admission (the relay's {@link ConnectionGate}, shared with `/ws`). */
export interface Admission {
  admit(peer: string, headers: () => ForwardingHeaders): GateDecision;
  release(key: string): void;
}

/**
 * Why a new session was refused: an HTTP status, a body, and the metrics label (`draining` is
 * counted as a relay connection refusal, everything else as a SockJS bad request).
 */
export interface Refusal {
  kind: BadRequestKind | 'draining';
  status: string;
  message: string;
  retryAfter: number;
}

interface Entry {
  /** Absent for a raw WebSocket, which has no SockJS session. */
  session?: SockJsSession;
  transport: SockJsTransportName;
  /** Address key of the client that opened it: other addresses cannot use the session. */
  client: string;
  /** Admission key to release when the session is gone. */
  gateKey?: string;
}

/** A place in the registry held by something without a SockJS session (the raw WebSocket). */
export interface Slot {
  /** Frees the place (and the address's admission). Idempotent. */
  release(): void;
}

/** The client a session is opened for. */
export interface ClientInfo {
  /** Address key (see `clientKey`). */
  key: string;
  peer: string;
  forwarding: ForwardingHeaders;
}

/**
 * Every SockJS session of the relay (all endpoints: keys are `<prefix>/<session id>`). Bounds
 * their number in total and, through the shared admission gate, per client address; a session
 * belongs to the address that opened it, so a guessed session id is useless elsewhere.
 */
export class SessionRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly byTransport = new Map<SockJsTransportName, number>();

  constructor(
    private readonly settings: SockJsSettings,
    private readonly gate?: Admission,
    /** While the relay drains: the `Retry-After` seconds of the 503 refusing new sessions. */
    private readonly draining?: () => number | undefined,
  ) {}

  /** The open (or closing) session `key`, if the client at `client` may use it. */
  find(key: string, client: string): SockJsSession | undefined {
    const e = this.entries.get(key);
    return e && e.client === client ? e.session : undefined;
  }

  /** Whether any session has this key (whoever owns it). */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /**
   * Admits and creates a session, or says why not (too many sessions in all, or for the address).
   * The caller binds the application handler to it.
   */
  open(key: string, transport: SockJsTransportName, client: ClientInfo): SockJsSession | Refusal {
    const refused = this.admit(key, transport, client);
    if (refused) return refused;
    const session = new SockJsSession(key, transport, this.settings, {
      removed: (s) => this.remove(s.key, s),
    });
    this.entries.get(key)!.session = session;
    return session;
  }

  /** Holds a place for a connection that is not a SockJS session (the raw WebSocket). */
  reserve(key: string, transport: SockJsTransportName, client: ClientInfo): Slot | Refusal {
    const refused = this.admit(key, transport, client);
    if (refused) return refused;
    return { release: () => this.remove(key, undefined) };
  }

  /** Open sessions by the transport that opened them. */
  counts(): ReadonlyMap<SockJsTransportName, number> {
    return this.byTransport;
  }

  /** Open sessions in all. */
  get size(): number {
    return this.entries.size;
  }

  /** Sessions closed by the server whose close frame no receiver has taken yet. */
  closePending(): number {
    let n = 0;
    for (const { session } of this.entries.values()) if (session?.closePending) n++;
    return n;
  }

  /** Ends every SockJS session (relay shutdown); raw WebSockets are closed by their owners. */
  closeAll(code: number, reason: string): void {
    for (const { session } of [...this.entries.values()]) {
      session?.close(code, reason);
      session?.abort();
    }
  }

  private admit(
    key: string,
    transport: SockJsTransportName,
    client: ClientInfo,
  ): Refusal | undefined {
    const retryAfter = this.draining?.();
    if (retryAfter !== undefined) {
      return {
        kind: 'draining',
        status: '503 Service Unavailable',
        message: 'this relay is shutting down: connect to another one',
        retryAfter,
      };
    }
    if (this.entries.has(key)) {
      return {
        kind: 'unknown-session',
        status: '404 Not Found',
        message: 'session id in use',
        retryAfter: 0,
      };
    }
    if (this.entries.size >= this.settings.maxSessions) {
      return {
        kind: 'too-many-sessions',
        status: '503 Service Unavailable',
        message: `too many SockJS sessions (${this.settings.maxSessions})`,
        retryAfter: 5,
      };
    }
    let gateKey: string | undefined;
    if (this.gate) {
      const d = this.gate.admit(client.peer, () => client.forwarding);
      if (!d.admitted) {
        return { kind: d.reason, status: d.status, message: d.message, retryAfter: d.retryAfter };
      }
      gateKey = d.key;
    }
    this.entries.set(key, {
      transport,
      client: client.key,
      ...(gateKey !== undefined && { gateKey }),
    });
    this.byTransport.set(transport, (this.byTransport.get(transport) ?? 0) + 1);
    return undefined;
  }

  private remove(key: string, session: SockJsSession | undefined): void {
    const e = this.entries.get(key);
    if (!e || e.session !== session) return;
    this.entries.delete(key);
    this.byTransport.set(e.transport, (this.byTransport.get(e.transport) ?? 1) - 1);
    if (e.gateKey !== undefined) this.gate?.release(e.gateKey);
  }
}
