import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { SessionRegistry } from './registry.js';
import { TRANSPORT_NAMES } from './types.js';
import type { BadRequestKind } from './types.js';

/**
 * SockJS metrics, registered in the relay's registry: `parley_sockjs_sessions{transport}` (gauge)
 * and `parley_sockjs_bad_requests_total{kind}`. Requests are counted in a plain map and read
 * only when `/metrics` is scraped.
 */
export class SockJsMetrics {
  private readonly bad = new Map<BadRequestKind, number>();

  constructor(registry: Registry, sessions: SessionRegistry) {
    new Gauge({
      name: 'parley_sockjs_sessions',
      help: 'Open SockJS sessions, by the transport that opened them',
      labelNames: ['transport'],
      registers: [registry],
      collect() {
        const counts = sessions.counts();
        for (const t of TRANSPORT_NAMES) this.set({ transport: t }, counts.get(t) ?? 0);
      },
    });
    const bad = this.bad;
    new Counter({
      name: 'parley_sockjs_bad_requests_total',
      help: 'SockJS requests refused, by kind (origin, unknown-session, broken-json, too-large…)',
      labelNames: ['kind'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [kind, n] of bad) this.inc({ kind }, n);
      },
    });
  }

  /** Counts one refused request. */
  badRequest(kind: BadRequestKind): void {
    this.bad.set(kind, (this.bad.get(kind) ?? 0) + 1);
  }
}
