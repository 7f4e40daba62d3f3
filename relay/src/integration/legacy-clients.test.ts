/**
 * The clients the Spring tutorials use, written the way the seeds write them: `stompjs` 2.3.3
 * (`Stomp.over(socket)`, `client.connect(headers, onConnected, onError)`) and `webstomp-client`,
 * over a plain WebSocket from `ws` (SockJS comes later, with `/sockjs`). Only the token is new:
 * the relay maps `/pub/...` to `/sub/...` and stamps the verified sender on every message.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Webstomp from 'webstomp-client';
import WebSocket from 'ws';
import { signToken, spawnRelay } from '../testing/index.js';
import type { RelayProcess } from '../testing/index.js';

const require = createRequire(import.meta.url);

/** What stompjs 2.x hands to callbacks: a frame with plain-object headers and a string body. */
interface LegacyFrame {
  command: string;
  headers: Record<string, string>;
  body: string;
}
type ErrorCallback = (error: LegacyFrame | string) => void;
/** The part of a stompjs 2.3.3 client these tests use (the package ships no types). */
interface StompJsClient {
  heartbeat: { outgoing: number; incoming: number };
  debug: (message: string) => void;
  connected: boolean;
  connect(
    headers: Record<string, string>,
    onConnected: (frame: LegacyFrame) => void,
    onError?: ErrorCallback,
  ): void;
  connect(
    login: string,
    passcode: string,
    onConnected: (frame: LegacyFrame) => void,
    onError?: ErrorCallback,
  ): void;
  subscribe(
    destination: string,
    callback: (message: LegacyFrame) => void,
    headers?: Record<string, string>,
  ): { id: string; unsubscribe(): void };
  send(destination: string, headers?: Record<string, string>, body?: string): void;
  disconnect(callback?: () => void): void;
}

// As the seeds have it: `const Stomp = require('stompjs')` (in a browser: the stomp.js script).
const Stomp = require('stompjs') as { over(socket: unknown): StompJsClient };
const webstomp = require('webstomp-client') as typeof Webstomp;

const PROTOCOLS = ['v12.stomp', 'v11.stomp', 'v10.stomp'];
const GRANTS = { sub: ['/sub/**'], pub: ['/sub/**'] };

interface ChatMessage {
  roomId: string;
  type: 'ENTER' | 'TALK';
  sender: string;
  senderId: number;
  message: string;
  time: string;
}

async function eventually(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('Spring-tutorial clients against the relay', () => {
  let relay: RelayProcess;
  let url: string;
  const token = (sub: string, extra: Record<string, unknown> = {}): string =>
    signToken(relay.secret, { sub, parley: GRANTS, ...extra });

  beforeAll(async () => {
    // A short heart-beat period for the heart-beat test; clients that ask for 10 s still get 10 s.
    relay = await spawnRelay({ env: { PARLEY_HEARTBEAT_MS: '1000' } });
    url = relay.wsUrl;
  });
  afterAll(async () => {
    await relay?.stop();
  });

  /**
   * The seeds' Vue client, almost word for word: connect, subscribe to the room on connect, and a
   * `sendMessage` that publishes a JSON chat message to `/pub/...`.
   */
  async function stompjsUser(
    userToken: string,
    roomId: string,
  ): Promise<{
    client: StompJsClient;
    received: LegacyFrame[];
    sendMessage: (message: string, sender: string) => void;
  }> {
    const received: LegacyFrame[] = [];
    const client = Stomp.over(new WebSocket(url, PROTOCOLS));
    const onMessageReceived = (payload: LegacyFrame): void => {
      received.push(payload);
    };
    await new Promise<void>((resolve, reject) => {
      const onConnected = (): void => {
        client.subscribe('/sub/chat/rooms/' + roomId, onMessageReceived);
        resolve();
      };
      const onError: ErrorCallback = (e) =>
        reject(new Error(typeof e === 'string' ? e : e.headers.message));
      client.connect({ Authorization: 'Bearer ' + userToken }, onConnected, onError);
    });
    const sendMessage = (message: string, sender: string): void => {
      const chatMessage: ChatMessage = {
        roomId,
        type: 'TALK',
        sender, // what the seeds trust; Parley stamps parley-sender instead
        senderId: 666,
        message,
        time: '25-11-24 12:00',
      };
      client.send('/pub/chat/rooms/' + roomId, {}, JSON.stringify(chatMessage));
    };
    // The seeds announce themselves on entering; seeing our own ENTER proves the subscription is on.
    const enter: ChatMessage = {
      roomId,
      type: 'ENTER',
      sender: 'me',
      senderId: 0,
      message: 'entered',
      time: '25-11-24 12:00',
    };
    client.send('/pub/chat/rooms/' + roomId, {}, JSON.stringify(enter));
    await eventually(() =>
      received.some((m) => (JSON.parse(m.body) as ChatMessage).type === 'ENTER'),
    );
    received.length = 0;
    return { client, received, sendMessage };
  }

  it('stompjs 2.3.3: Stomp.over(ws) → connect → subscribe /sub → send /pub; the sender comes from the token', async () => {
    const alice = await stompjsUser(token('alice', { name: 'Alice' }), '42');
    const bob = await stompjsUser(token('bob'), '42');

    alice.sendMessage('안녕하세요, bob', 'mallory');
    await eventually(() => bob.received.length === 1);
    const m = bob.received[0]!;
    expect(m.command).toBe('MESSAGE');
    expect(m.headers.destination).toBe('/sub/chat/rooms/42');
    expect(m.headers['parley-sender']).toBe('alice');
    expect(m.headers['parley-sender-name']).toBe('Alice');
    expect(Number(m.headers['parley-offset'])).toBeGreaterThan(0);
    const body = JSON.parse(m.body) as ChatMessage;
    // The body is passed through untouched: its `sender` is whatever the client claimed.
    expect(body).toMatchObject({ type: 'TALK', sender: 'mallory', message: '안녕하세요, bob' });
    // Alice gets her own message too, as with Spring's simple broker.
    await eventually(() => alice.received.some((x) => x.body === m.body));

    alice.client.disconnect();
    bob.client.disconnect();
  });

  it('stompjs 2.3.3: login/passcode form, client.connect("", token, onConnected)', async () => {
    const client = Stomp.over(new WebSocket(url, PROTOCOLS));
    const connected = await new Promise<LegacyFrame>((resolve) =>
      client.connect('', token('carol'), resolve),
    );
    expect(connected.command).toBe('CONNECTED');
    expect(connected.headers['user-name']).toBe('carol');
    // STOMP 1.1 is what stompjs 2.x offers (accept-version:1.1,1.0), whatever the sub-protocol.
    expect(connected.headers.version).toBe('1.1');
    const got: LegacyFrame[] = [];
    client.subscribe('/sub/chat/rooms/7', (m) => got.push(m));
    client.send('/pub/chat/rooms/7', {}, 'passcode works');
    await eventually(() => got.length === 1);
    expect(got[0]!.body).toBe('passcode works');
    expect(got[0]!.headers['parley-sender']).toBe('carol');
    client.disconnect();
  });

  it('stompjs 2.3.3: a bad token fires the error callback with the ERROR frame, then the close', async () => {
    for (const connect of [
      (c: StompJsClient, onConnected: () => void, onError: ErrorCallback) =>
        c.connect({ Authorization: 'Bearer not-a-jwt' }, onConnected, onError),
      (c: StompJsClient, onConnected: () => void, onError: ErrorCallback) =>
        c.connect('', 'not-a-jwt', onConnected, onError),
    ]) {
      const client = Stomp.over(new WebSocket(url, PROTOCOLS));
      const errors: Array<LegacyFrame | string> = [];
      let connected = false;
      connect(
        client,
        () => (connected = true),
        (e) => errors.push(e),
      );
      await eventually(() => errors.length === 2);
      expect(connected).toBe(false);
      const frame = errors[0] as LegacyFrame;
      expect(frame.command).toBe('ERROR');
      expect(frame.headers['parley-reason']).toBe('token-invalid');
      expect(frame.headers.message).toMatch(/invalid token/);
      expect(errors[1]).toMatch(/Lost connection/);
    }
  });

  it('stompjs 2.3.3: heart-beats both ways keep an idle connection open', async () => {
    const client = Stomp.over(new WebSocket(url, PROTOCOLS));
    const log: string[] = [];
    client.debug = (line) => log.push(line);
    client.heartbeat.outgoing = 1000; // PING every second: the relay wants one within 3 s
    client.heartbeat.incoming = 1000; // the relay's EOLs; stompjs closes after 2 s without any
    const errors: Array<LegacyFrame | string> = [];
    await new Promise<void>((resolve) =>
      client.connect(
        { Authorization: 'Bearer ' + token('dave') },
        () => resolve(),
        (e) => errors.push(e),
      ),
    );
    // Idle for longer than the relay's timeout (2 × 1 s + 1 s): only heart-beats flow.
    await eventually(
      () =>
        log.filter((l) => l === '<<< PONG').length >= 3 &&
        log.filter((l) => l === '>>> PING').length >= 3,
      10_000,
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(errors).toEqual([]);
    expect(client.connected).toBe(true);
    const got: LegacyFrame[] = [];
    client.subscribe('/sub/chat/rooms/hb', (m) => got.push(m));
    client.send('/pub/chat/rooms/hb', {}, 'still here');
    await eventually(() => got.length === 1);
    client.disconnect();
  });

  it('webstomp-client: webstomp.over(ws, {protocols}) chats with a stompjs client', async () => {
    const client = webstomp.over(new WebSocket(url, PROTOCOLS), {
      protocols: PROTOCOLS,
      debug: false,
    });
    const connected = await new Promise<Webstomp.Frame | undefined>((resolve, reject) =>
      client.connect({ Authorization: 'Bearer ' + token('erin', { name: 'Erin' }) }, resolve, (e) =>
        reject(new Error(String(e))),
      ),
    );
    expect(connected?.headers.version).toBe('1.2');
    const mine: Webstomp.Message[] = [];
    client.subscribe('/sub/chat/rooms/9', (m) => mine.push(m));
    const bob = await stompjsUser(token('bob'), '9');

    const chatMessage = {
      roomId: '9',
      type: 'TALK',
      sender: 'mallory',
      message: 'hi from webstomp',
    };
    client.send('/pub/chat/rooms/9', JSON.stringify(chatMessage), {});
    const talk = (box: Array<{ body: string }>, text: string): number =>
      box.findIndex((x) => (JSON.parse(x.body) as ChatMessage).message === text);
    await eventually(
      () => talk(bob.received, 'hi from webstomp') >= 0 && talk(mine, 'hi from webstomp') >= 0,
    );
    expect(bob.received[talk(bob.received, 'hi from webstomp')]!.headers['parley-sender']).toBe(
      'erin',
    );
    const own = mine[talk(mine, 'hi from webstomp')]!;
    expect(own.headers['parley-sender']).toBe('erin');
    expect(own.headers['parley-sender-name']).toBe('Erin');
    expect(JSON.parse(own.body)).toEqual(chatMessage);

    bob.sendMessage('hi back', 'bob');
    await eventually(() => talk(mine, 'hi back') >= 0);
    expect(mine[talk(mine, 'hi back')]!.headers['parley-sender']).toBe('bob');
    client.disconnect();
    bob.client.disconnect();
  });

  it('webstomp-client: login/passcode form, and the error callback on a bad token', async () => {
    const good = webstomp.over(new WebSocket(url, PROTOCOLS), {
      protocols: PROTOCOLS,
      debug: false,
    });
    const frame = await new Promise<Webstomp.Frame | undefined>((resolve) =>
      good.connect('', token('frank'), resolve),
    );
    expect(frame?.headers['user-name']).toBe('frank');
    good.disconnect();

    const bad = webstomp.over(new WebSocket(url, PROTOCOLS), {
      protocols: PROTOCOLS,
      debug: false,
    });
    const errors: unknown[] = [];
    bad.connect(
      { Authorization: 'Bearer expired.or.forged' },
      () => undefined,
      (e) => errors.push(e),
    );
    await eventually(() => errors.length === 2);
    const error = errors[0] as Webstomp.Frame;
    expect(error.command).toBe('ERROR');
    expect(error.headers['parley-reason']).toBe('token-invalid');
    expect((errors[1] as { code: number }).code).toBe(4000);
  });

  it('DMs instead of convertAndSendToUser: SEND /user/<id>/queue/dm reaches SUBSCRIBE /user/queue/dm', async () => {
    const dmGrants = { sub: ['/sub/**'], pub: ['/sub/**', '/user/*/queue/dm'] };
    const connect = (sub: string): Promise<StompJsClient> =>
      new Promise((resolve, reject) => {
        const c = Stomp.over(new WebSocket(url, PROTOCOLS));
        c.connect(
          { Authorization: 'Bearer ' + signToken(relay.secret, { sub, parley: dmGrants }) },
          () => resolve(c),
          (e) => reject(new Error(typeof e === 'string' ? e : e.headers.message)),
        );
      });
    const gina = await connect('gina');
    const hank = await connect('hank');
    const hankPhone = await connect('hank'); // every session of the user gets the DM
    const inbox: LegacyFrame[] = [];
    const phoneInbox: LegacyFrame[] = [];
    hank.subscribe('/user/queue/dm', (m) => inbox.push(m));
    hankPhone.subscribe('/user/queue/dm', (m) => phoneInbox.push(m));
    // Frames take effect in order: a DM to ourselves after SUBSCRIBE proves the subscription is on.
    hank.send('/user/hank/queue/dm', {}, 'note to self');
    hankPhone.send('/user/hank/queue/dm', {}, 'note to self from the phone');
    await eventually(
      () =>
        inbox.some((m) => m.body === 'note to self') &&
        phoneInbox.some((m) => m.body === 'note to self from the phone'),
    );

    gina.send('/user/hank/queue/dm', {}, 'psst');
    const psst = (box: LegacyFrame[]): LegacyFrame | undefined =>
      box.find((m) => m.body === 'psst');
    await eventually(() => psst(inbox) !== undefined && psst(phoneInbox) !== undefined);
    expect(psst(inbox)!.headers['parley-sender']).toBe('gina');
    expect(psst(inbox)!.headers.destination).toBe('/user/queue/dm');
    expect(psst(phoneInbox)!.headers['parley-sender']).toBe('gina');

    // Nobody may read another user's queue, whatever the grants say.
    const errors: Array<LegacyFrame | string> = [];
    const snoop = Stomp.over(new WebSocket(url, PROTOCOLS));
    snoop.connect(
      {
        Authorization:
          'Bearer ' + signToken(relay.secret, { sub: 'ivan', parley: { sub: ['/**'], pub: [] } }),
      },
      () => snoop.subscribe('/user/hank/queue/dm', () => undefined),
      (e) => errors.push(e),
    );
    await eventually(() => errors.length >= 1);
    expect((errors[0] as LegacyFrame).headers['parley-reason']).toBe('forbidden');
    for (const c of [gina, hank, hankPhone]) c.disconnect();
  });
});
