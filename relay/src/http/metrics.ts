import type * as UWS from 'uWebSockets.js';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The relay's counters. Hot paths bump plain numbers; prom-client reads them only when
 * `/metrics` is scraped, so counting costs nothing measurable per message.
 */
export class RelayMetrics {
  connects = 0;
  published = 0;
  delivered = 0;
  readonly errors = new Map<string, number>();
  /** WebSockets refused or cut off before login, by reason (origin, per-ip-limit…). */
  readonly refused = new Map<string, number>();
  readonly registry = new Registry();

  constructor(gauges: {
    ready: () => boolean;
    sessions: () => number;
    /** Open sockets whose CONNECT has not been answered with CONNECTED yet. */
    unauthenticated?: () => number;
  }) {
    const { ready, sessions, unauthenticated } = gauges;
    collectDefaultMetrics({ register: this.registry, prefix: 'parley_' });
    const r = this.registry;
    new Gauge({
      name: 'parley_sessions',
      help: 'Open STOMP sessions',
      registers: [r],
      collect: gauge(sessions),
    });
    new Gauge({
      name: 'parley_broker_ready',
      help: '1 when the broker is connected',
      registers: [r],
      collect: gauge(() => (ready() ? 1 : 0)),
    });
    if (unauthenticated) {
      new Gauge({
        name: 'parley_unauthenticated_connections',
        help: 'Open WebSockets that have not completed CONNECT',
        registers: [r],
        collect: gauge(unauthenticated),
      });
    }
    labelled(
      r,
      'parley_connections_refused_total',
      'WebSockets refused at the upgrade or cut off before CONNECTED, by reason',
      this.refused,
    );
    counter(r, 'parley_connects_total', 'Sessions that completed CONNECT', () => this.connects);
    counter(
      r,
      'parley_messages_published_total',
      'Messages published by clients and the HTTP API',
      () => this.published,
    );
    counter(
      r,
      'parley_messages_delivered_total',
      'MESSAGE frames written to clients',
      () => this.delivered,
    );
    const errors = this.errors;
    new Counter({
      name: 'parley_session_errors_total',
      help: 'Sessions ended with an ERROR, by reason code',
      labelNames: ['reason'],
      registers: [r],
      collect() {
        this.reset();
        for (const [reason, n] of errors) this.inc({ reason }, n);
      },
    });
  }

  error(reason: string): void {
    this.errors.set(reason, (this.errors.get(reason) ?? 0) + 1);
  }

  /** Counts a connection refused (or cut off before login) for `reason`. */
  refuse(reason: string): void {
    this.refused.set(reason, (this.refused.get(reason) ?? 0) + 1);
  }
}

function gauge(read: () => number) {
  return function (this: Gauge) {
    this.set(read());
  };
}

function counter(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

function labelled(
  registry: Registry,
  name: string,
  help: string,
  counts: ReadonlyMap<string, number>,
): void {
  new Counter({
    name,
    help,
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, n] of counts) this.inc({ reason }, n);
    },
  });
}

/** `GET /metrics` in the Prometheus text format. */
export function registerMetrics(app: UWS.TemplatedApp, metrics: RelayMetrics): void {
  app.get('/metrics', (res) => {
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    metrics.registry.metrics().then(
      (text) => {
        if (aborted) return;
        res.cork(() => {
          res
            .writeStatus('200 OK')
            .writeHeader('content-type', metrics.registry.contentType)
            .end(text);
        });
      },
      () => {
        if (!aborted) res.cork(() => res.writeStatus('500 Internal Server Error').end());
      },
    );
  });
}
