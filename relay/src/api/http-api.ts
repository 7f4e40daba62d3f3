import { timingSafeEqual } from 'node:crypto';
import type * as UWS from 'uWebSockets.js';
import type { TokenVerifier } from '../auth/jwt.js';
import type { Principal } from '../auth/principal.js';
import type { Broker, PublishInput } from '../broker/broker.js';
import type { Logger } from '../log.js';
import type { PresenceService } from '../presence/presence-service.js';
import type { ReadService } from '../reads/read-service.js';
import { peerOf } from '../stomp/reads-request.js';
import { StompError } from '../reasons.js';
import type { DestinationRules } from '../stomp/destinations.js';
import { resolveDestination } from '../stomp/destinations.js';
import type { Hub } from '../stomp/hub.js';
import { isQueue, QueueFullError } from '../stomp/hub-contract.js';
import { MAX_HISTORY_PAGE, historyJson, historyQuery } from '../stomp/history-json.js';
import { parsePublishRequest } from './publish-request.js';
import type { PublishItem } from './publish-request.js';

export interface HttpApiOptions {
  broker: Broker;
  presence: PresenceService;
  /** Read positions for `GET /api/reads`; absent = 404 there. */
  reads?: ReadService;
  hub: Hub;
  verify: TokenVerifier;
  rules: DestinationRules;
  /** `PARLEY_API_KEY`: a bearer that may publish anywhere, as any sender. */
  apiKey?: string;
  maxBodyBytes: number;
  maxMessageBytes: number;
  log: Logger;
}

/** Who is calling: the backend (API key) or a user (JWT). */
type Caller = { kind: 'backend' } | { kind: 'user'; principal: Principal };

class HttpError extends Error {
  constructor(
    readonly status: string,
    message: string,
    readonly reason = 'bad-request',
  ) {
    super(message);
  }
}

const STATUS_OF_REASON: Record<string, string> = {
  forbidden: '403 Forbidden',
  'destination-invalid': '400 Bad Request',
  'protocol-error': '400 Bad Request',
  'token-invalid': '401 Unauthorized',
  'token-expired': '401 Unauthorized',
  'auth-required': '401 Unauthorized',
  'auth-unavailable': '503 Service Unavailable',
  'limit-exceeded': '429 Too Many Requests',
};

const ONLINE_NEEDS_ROOM =
  'with a user token, /api/online needs destination=<a room you may subscribe to> and answers ' +
  'for its members only; the online status of any user needs the API key';

/** Online status of `users`, true only for those present in the room (`members`). */
function onlineInRoom(
  users: readonly string[],
  online: Record<string, boolean>,
  members: ReadonlyArray<{ userId: string }>,
): Record<string, boolean> {
  const present = new Set(members.map((m) => m.userId));
  const result: Record<string, boolean> = {};
  for (const u of users) result[u] = online[u] === true && present.has(u);
  return result;
}

function keyMatches(given: string, key: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(key);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `POST /api/publish` and `GET /api/history`: the relay's HTTP edge for backends and pages. */
export function registerHttpApi(app: UWS.TemplatedApp, opts: HttpApiOptions): void {
  const caller = async (authorization: string): Promise<Caller> => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m)
      throw new HttpError(
        '401 Unauthorized',
        'send Authorization: Bearer <token or API key>',
        'auth-required',
      );
    const token = m[1]!;
    if (opts.apiKey !== undefined && keyMatches(token, opts.apiKey)) return { kind: 'backend' };
    return { kind: 'user', principal: await opts.verify(token) };
  };

  const target = (who: Caller, destination: string | undefined, access: 'sub' | 'pub'): string => {
    // The backend is trusted with every destination, but destinations are still checked.
    const principal: Principal =
      who.kind === 'user'
        ? who.principal
        : { userId: 'parley-backend', grants: { sub: ['**'], pub: ['**'] } };
    return resolveDestination(principal, destination, access, opts.rules);
  };

  const publishOne = async (
    who: Caller,
    item: PublishItem,
  ): Promise<{ offset: number; epoch: string; id: string }> => {
    const destination = target(who, item.destination, 'pub');
    if (item.body.length > opts.maxMessageBytes) {
      throw new HttpError(
        '413 Payload Too Large',
        `message body is over ${opts.maxMessageBytes} bytes`,
      );
    }
    const sender = who.kind === 'user' ? who.principal.userId : (item.sender ?? 'system');
    const senderName = who.kind === 'user' ? who.principal.name : item.senderName;
    if (isQueue(destination)) await opts.hub.prepareQueue(destination);
    const input: PublishInput = {
      destination,
      body: item.body,
      headers: item.headers,
      sender,
      ...(senderName !== undefined && { senderName }),
      ...(item.binary && { binary: true }),
      ...(item.ephemeral && { ephemeral: true }),
    };
    const m = await opts.broker.publish(input);
    return { offset: m.offset, epoch: m.epoch, id: m.id };
  };

  app.post('/api/publish', (res, req) => {
    const authorization = req.getHeader('authorization');
    const contentType = req.getHeader('content-type');
    handle(res, opts, async (body) => {
      if (!opts.broker.ready())
        throw new HttpError('503 Service Unavailable', 'broker not ready', 'not-ready');
      if (!/^application\/json\b/i.test(contentType)) {
        throw new HttpError('415 Unsupported Media Type', 'send Content-Type: application/json');
      }
      const who = await caller(authorization);
      const request = parsePublishRequest(body.toString('utf8'));
      if (typeof request === 'string') throw new HttpError('400 Bad Request', request);
      // Check every destination before publishing anything: a batch is refused whole.
      for (const item of request.items) target(who, item.destination, 'pub');
      const results = [];
      for (const item of request.items) results.push(await publishOne(who, item));
      return request.batch ? { results } : results[0];
    });
  });

  app.get('/api/presence', (res, req) => {
    const authorization = req.getHeader('authorization');
    const params = new URLSearchParams(req.getQuery() ?? '');
    handle(res, opts, async () => {
      const who = await caller(authorization);
      const destination = params.get('destination') ?? undefined;
      const room = target(who, destination, 'sub');
      const members = await opts.presence.members(room);
      return {
        destination,
        members: members.map((m) => ({
          id: m.userId,
          ...(m.name !== undefined && { name: m.name }),
        })),
      };
    });
  });

  app.get('/api/online', (res, req) => {
    const authorization = req.getHeader('authorization');
    const params = new URLSearchParams(req.getQuery() ?? '');
    handle(res, opts, async () => {
      const who = await caller(authorization);
      const users = (params.get('users') ?? '').split(',').filter(Boolean);
      if (users.length === 0 || users.length > 100) {
        throw new HttpError(
          '400 Bad Request',
          'users must list 1 to 100 user ids, comma separated',
        );
      }
      const destination = params.get('destination') ?? undefined;
      // The backend may ask about anyone. A user learns only what /api/presence would tell
      // them: whether members of a room they may subscribe to are online.
      if (who.kind === 'backend' && destination === undefined) {
        return { online: await opts.presence.online(users) };
      }
      if (destination === undefined) {
        throw new HttpError('403 Forbidden', ONLINE_NEEDS_ROOM, 'forbidden');
      }
      const room = target(who, destination, 'sub');
      const [online, members] = await Promise.all([
        opts.presence.online(users),
        opts.presence.members(room),
      ]);
      return { destination, online: onlineInRoom(users, online, members) };
    });
  });

  app.get('/api/reads', (res, req) => {
    const authorization = req.getHeader('authorization');
    const params = new URLSearchParams(req.getQuery() ?? '');
    handle(res, opts, async () => {
      const reads = opts.reads;
      if (!reads) throw new HttpError('404 Not Found', 'this relay keeps no read positions');
      const who = await caller(authorization);
      // The same authorization as /api/history: a sub grant on the destination (or the API key).
      const destination = params.get('destination') ?? undefined;
      const resolved = target(who, destination, 'sub');
      const peer = peerOf(resolved);
      return reads.reads(destination!, resolved, {
        ...(who.kind === 'user' && { requester: who.principal.userId }),
        ...(peer && { peer }),
      });
    });
  });

  app.get('/api/history', (res, req) => {
    const authorization = req.getHeader('authorization');
    const params = new URLSearchParams(req.getQuery() ?? '');
    handle(res, opts, async () => {
      const who = await caller(authorization);
      const destination = params.get('destination') ?? undefined;
      const resolved = target(who, destination, 'sub');
      const query = historyQuery(
        { before: params.get('before'), after: params.get('after'), limit: params.get('limit') },
        MAX_HISTORY_PAGE,
      );
      if (typeof query === 'string') throw new HttpError('400 Bad Request', query);
      return historyJson(destination!, await opts.broker.history(resolved, query));
    });
  });
}

/** Reads the body (bounded), runs `work`, answers JSON; every failure becomes a 4xx/5xx JSON error. */
function handle(
  res: UWS.HttpResponse,
  opts: HttpApiOptions,
  work: (body: Buffer) => Promise<unknown>,
): void {
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  const chunks: Buffer[] = [];
  let size = 0;
  const reply = (status: string, payload: unknown): void => {
    if (aborted) return;
    res.cork(() => {
      res
        .writeStatus(status)
        .writeHeader('content-type', 'application/json')
        .writeHeader('cache-control', 'no-store')
        .end(JSON.stringify(payload));
    });
  };
  res.onData((chunk, isLast) => {
    if (size < 0) return;
    size += chunk.byteLength;
    if (size > opts.maxBodyBytes) {
      size = -1;
      reply('413 Payload Too Large', {
        error: 'payload-too-large',
        message: `request body is over ${opts.maxBodyBytes} bytes`,
      });
      return;
    }
    chunks.push(Buffer.from(chunk.slice(0)));
    if (!isLast) return;
    work(Buffer.concat(chunks)).then(
      (payload) => reply('200 OK', payload),
      (err: unknown) => {
        if (err instanceof HttpError)
          return reply(err.status, { error: err.reason, message: err.message });
        if (err instanceof StompError) {
          return reply(STATUS_OF_REASON[err.reason] ?? '400 Bad Request', {
            error: err.reason,
            message: err.message,
          });
        }
        if (err instanceof QueueFullError)
          return reply('429 Too Many Requests', { error: 'limit-exceeded', message: err.message });
        opts.log.error({ err }, 'http api failure');
        reply('500 Internal Server Error', { error: 'internal-error', message: 'internal error' });
      },
    );
  });
}
