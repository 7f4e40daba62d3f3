import { randomBytes } from 'node:crypto';
import { createVerifier } from './auth/jwt.js';
import type { TokenVerifier } from './auth/jwt.js';
import type { Broker } from './broker/broker.js';
import { MemoryBroker } from './broker/memory-broker.js';
import type { Config } from './config.js';
import { registerHttpApi } from './api/http-api.js';
import { registerHttpRoutes } from './http/routes.js';
import { registerGuestApi } from './api/guest.js';
import { RelayMetrics, registerMetrics } from './http/metrics.js';
import type { StaticFile } from './http/static.js';
import type { Logger } from './log.js';
import { Hub } from './stomp/hub.js';
import { Session } from './stomp/session.js';
import type { LoadedUws } from './uws.js';
import { maxMessageBytes, wsBehavior } from './ws-handler.js';
import type { Transport } from './stomp/transport.js';
import { serveSockJs } from './sockjs/index.js';
import { ConnectionGate } from './net/connection-gate.js';
import { AddressSet } from './net/ip.js';
import { listenExclusive } from './listen.js';
import { devModePlan } from './dev-mode.js';
import type { DevTokenRoute } from './http/routes.js';
import { MemoryPresenceStore } from './presence/memory-presence-store.js';
import type { PresenceStore } from './presence/presence-store.js';
import {
  PRESENCE_KIND,
  PresenceService,
  encodePresenceEvent,
} from './presence/presence-service.js';
import { devTokenSigner } from './auth/dev-token.js';
import { MemoryReadStore } from './reads/memory-read-store.js';
import type { ReadStore } from './reads/read-store.js';
import { ReadService } from './reads/read-service.js';
import { RelayDrain } from './lifecycle/relay-drain.js';
import { logConnectionEnd } from './log/connection-log.js';
import { withRequestIds } from './http/request-id.js';
import { initRefusals, registerOperationsMetrics } from './http/ops-metrics.js';
import type { RedisMetrics } from './http/ops-metrics.js';

/** What `startRelay` needs besides the config. */
export interface RelayDeps {
  log: Logger;
  loaded: LoadedUws;
  /** Defaults to an in-memory broker. */
  broker?: Broker;
  /** Defaults to a verifier for `config.jwt`. */
  verify?: TokenVerifier;
  /** Presence store; defaults to an in-memory one (right for a single relay). */
  presenceStore?: PresenceStore;
  /** Read positions; defaults to an in-memory store (right for a single relay). */
  readStore?: ReadStore;
  /** Static files by URL path (demo page, SDK bundle). */
  files?: Map<string, StaticFile>;
  /** Redis PING round trips recorded by the broker (backends.ts), shown in `/metrics`. */
  redisMetrics?: RedisMetrics;
}

/** A running relay. */
export interface Relay {
  /** The port actually bound (useful with `PARLEY_PORT=0`). */
  readonly port: number;
  /** Number of open STOMP sessions. */
  readonly sessions: number;
  /** Ends every session at once with an ERROR (server-shutdown), stops listening, closes the broker. */
  close(): Promise<void>;
  /**
   * Graceful stop (lifecycle/relay-drain.ts): `/readyz` answers 503 and new WebSockets (and
   * SockJS sessions) are refused (503, `Retry-After`) at once; the sessions are ended evenly over
   * `windowMs`, each with `ERROR server-shutdown` and a `parley-reconnect-after` hint; then it
   * stops listening and closes the broker. Called again (or `close()`) while draining: the rest
   * end at once.
   */
  drain(windowMs: number): Promise<void>;
}

const SERVER_NAME = 'parley-relay/0.1.0';

/** Wires broker, auth, sessions and HTTP routes onto a uWS app and starts listening. */
export async function startRelay(config: Config, deps: RelayDeps): Promise<Relay> {
  const { uws } = deps.loaded;
  const broker: Broker = deps.broker ?? new MemoryBroker(config.history, undefined, config.dedup);
  const verify = deps.verify ?? createVerifier(config.jwt, { log: deps.log });
  const hub = new Hub(broker, {
    maxQueueBacklog: config.limits.maxQueueBacklog,
    onError: (err, target, subscription) =>
      deps.log.error(
        { err, target, subscription },
        subscription ? 'delivery failed' : 'gap fill failed',
      ),
    onDrop: (target) => {
      queueDropped++;
      deps.log.warn({ target }, 'queue backlog full: message dropped');
    },
    publishTopic: (topic, bytes, binary) => void app.publish(topic, bytes, binary),
    onFastDelivered: (n) => {
      metrics.delivered += n;
    },
  });
  // After a broker outage, deliver what every destination missed (gap fill from history).
  broker.onReconnect?.(() => {
    deps.log.info({ destinations: hub.size }, 'broker reconnected: filling gaps from history');
    hub.resync();
  });
  const nodeId = randomBytes(3).toString('hex');
  const presenceStore = deps.presenceStore ?? new MemoryPresenceStore();
  const presence = new PresenceService({
    store: presenceStore,
    relayId: nodeId,
    publish: (room, event) =>
      broker
        .publish({
          destination: room,
          body: new TextEncoder().encode(encodePresenceEvent(event)),
          headers: [
            ['content-type', 'application/json'],
            ['parley-kind', PRESENCE_KIND],
          ],
          sender: event.user.id,
          ...(event.user.name !== undefined && { senderName: event.user.name }),
          ephemeral: true,
        })
        .then(() => undefined),
    onError: (err, during) => deps.log.warn({ err, during }, 'presence store error (will heal)'),
  });
  const readStore = deps.readStore ?? new MemoryReadStore({ ttlMs: config.history.maxAgeMs });
  const reads = new ReadService({ store: readStore, broker, listLimit: config.reads.listLimit });
  const sessions = new Set<Session>();
  const metrics = new RelayMetrics({
    ready: () => !closing && broker.ready(),
    sessions: () => sessions.size,
    unauthenticated: () => {
      let n = 0;
      for (const s of sessions)
        if (s.state === 'awaiting-connect' || s.state === 'authenticating') n++;
      return n;
    },
  });
  const connections = config.connections;
  const gate = new ConnectionGate(connections, new AddressSet(connections.trustedProxies));
  let counter = 0;
  let closing = false;
  /** WebSockets open on /ws (the drain waits for their close after the last ERROR). */
  let openWs = 0;
  let queueDropped = 0;
  initRefusals(metrics.refused);
  registerOperationsMetrics(metrics.registry, {
    slowConsumers: () => metrics.errors.get('slow-consumer') ?? 0,
    queueDropped: () => queueDropped,
    draining: () => closing,
    ...(broker.historySize && { historySize: () => broker.historySize!() }),
  });
  deps.redisMetrics?.register(metrics.registry, () => broker.ready());

  // One STOMP session per connection, whatever carries it (/ws or SockJS).
  const createSession = (transport: Transport): Session => {
    const session = new Session(`${nodeId}-${(++counter).toString(36)}`, transport, {
      verify,
      broker,
      hub,
      limits: config.limits,
      dev: config.dev,
      prefixMap: config.prefixMap,
      serverName: SERVER_NAME,
      log: deps.log,
      onEnd: (s) => sessions.delete(s),
      presence,
      metrics,
      reads,
    });
    sessions.add(session);
    return session;
  };
  // Hard cap well above the slow-consumer limit, so the ERROR always still fits in the buffer.
  const maxBackpressure =
    4 * config.limits.maxBufferedBytes + 1024 * 1024 + 2 * config.limits.maxFrameSize;
  // Bounds what uWS buffers per socket for one message, before login too: see maxMessageBytes.
  const maxPayloadLength = maxMessageBytes(
    config.limits.maxFrameSize,
    connections.maxPreconnectBytes,
  );

  const app = uws.App();
  app.ws(
    '/ws',
    wsBehavior({
      uws,
      allowedOrigins: config.allowedOrigins,
      maxPayloadLength,
      maxPreconnectBytes: connections.maxPreconnectBytes,
      gate,
      onRefused: (reason) => metrics.refuse(reason),
      draining: () => drain.retryAfter(),
      onOpened: () => openWs++,
      onClosed: (session, code) => {
        openWs--;
        if (session) logConnectionEnd(deps.log, session, code);
      },
      maxBackpressure,
      createSession,
    }),
  );
  // SockJS (docs/protocol.md#sockjs): the same STOMP sessions, limits and gate as /ws.
  const sockjs = config.sockjs.enabled
    ? serveSockJs(app, {
        uws,
        config: config.sockjs,
        allowedOrigins: config.allowedOrigins,
        trustedProxies: new AddressSet(connections.trustedProxies),
        gate,
        createSession,
        maxPreconnectBytes: connections.maxPreconnectBytes,
        onRefused: (reason) => metrics.refuse(reason),
        // New sessions are refused while draining, as /ws upgrades are.
        draining: (): number | undefined => drain.retryAfter(),
        onEnded: (session, code, transport) =>
          logConnectionEnd(deps.log, session, code, `sockjs-${transport}`),
        maxQueuedBytes: maxBackpressure,
        maxSendBytes: maxPayloadLength,
        metricsRegistry: metrics.registry,
      })
    : undefined;
  registerMetrics(app, metrics);
  // Request ids and one log line per request on the HTTP API (http/request-id.ts).
  const api = withRequestIds(app, deps.log);
  registerHttpApi(api, {
    broker,
    presence,
    reads,
    hub,
    verify,
    rules: {
      prefixMap: config.prefixMap,
      maxLength: config.limits.maxDestinationLength,
      dev: config.dev,
    },
    ...(config.apiKey !== undefined && { apiKey: config.apiKey }),
    maxBodyBytes: 1024 * 1024,
    maxMessageBytes: config.limits.maxFrameSize,
    log: deps.log,
  });
  if (config.guest.enabled && config.jwt.secret !== undefined) {
    registerGuestApi(api, {
      guest: config.guest,
      secret: config.jwt.secret,
      ...(config.jwt.issuer !== undefined && { issuer: config.jwt.issuer }),
      ...(config.jwt.audience !== undefined && { audience: config.jwt.audience }),
      allowedOrigins: config.allowedOrigins,
      trustedProxies: new AddressSet(connections.trustedProxies),
    });
  }
  registerHttpRoutes(app, {
    ready: () => !closing && broker.ready(),
    files: deps.files ?? new Map(),
    ...(config.dev && { devToken: devTokenRoute(config) }),
  });

  const listenSocket = await listenExclusive(uws, app, config.host, config.port);
  const port = uws.us_socket_local_port(listenSocket);
  // Fast-lane publishes bypass each session's own check: look at every socket's buffer once a second.
  const backpressure = setInterval(() => {
    for (const s of sessions) s.checkBackpressure();
  }, 1000);
  backpressure.unref();
  const sweep = setInterval(() => gate.sweep(), 10_000);
  sweep.unref();
  const drain = new RelayDrain({
    live: () => sessions,
    // SockJS: sessions whose ERROR and close frame a receiver has not taken yet.
    openSockets: (): number => openWs + (sockjs?.registry.closePending() ?? 0),
    log: deps.log,
    begin: () => {
      closing = true;
      clearInterval(backpressure);
      clearInterval(sweep);
    },
    release: async () => {
      uws.us_listen_socket_close(listenSocket);
      sockjs?.close();
      await presence
        .close()
        .catch((err: unknown) => deps.log.warn({ err }, 'presence close failed'));
      await presenceStore.close();
      await readStore.close();
      await broker.close();
    },
  });

  return {
    port,
    get sessions() {
      return sessions.size;
    },
    close: () => drain.run(0),
    drain: (windowMs) => drain.run(windowMs),
  };
}

/** Development mode's `/dev/token`, by the rules of {@link devModePlan}. */
function devTokenRoute(config: Config): DevTokenRoute {
  const secret = config.jwt.secret;
  const plan = devModePlan({ host: config.host, ...(secret !== undefined && { secret }) });
  if (plan.devToken === 'off' || secret === undefined) {
    return { access: 'off', reason: plan.offReason ?? '/dev/token is off' };
  }
  return { access: plan.devToken, sign: devTokenSigner(secret) };
}
