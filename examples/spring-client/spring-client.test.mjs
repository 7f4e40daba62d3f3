// docs/migrating-from-spring.md's client code against a real relay: the "After" client (chat.mjs)
// as alice, a plain stompjs 2.x + SockJS client as bob, then the resume and presence blocks.
import { createServer } from 'node:http';
import jwt from 'jsonwebtoken';
import SockJS from 'sockjs-client';
import Stomp from 'stompjs';
import { spawnRelay } from '@parley/relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const room = '/sub/chat/rooms/42';
const names = { alice: 'Alice', bob: 'Bob' };

describe('docs/migrating-from-spring.md client code (stompjs 2.x + SockJS)', () => {
  let relay;
  let app;
  let chat;
  let bob;
  const bobGot = [];

  beforeAll(async () => {
    relay = await spawnRelay();
    // The Spring app's GET /api/chat-token (section 2), for the user in the session cookie.
    app = createServer((req, res) => {
      const user = /user=(\w+)/.exec(req.headers.cookie ?? '')?.[1];
      const roomId = new URL(req.url, 'http://x').searchParams.get('roomId');
      if (!user || !req.url.startsWith('/api/chat-token')) return res.writeHead(403).end();
      const dest = `/sub/chat/rooms/${roomId}`;
      const token = jwt.sign(
        { sub: user, name: names[user], parley: { sub: [dest], pub: [dest] } },
        relay.secret,
        { algorithm: 'HS256', expiresIn: '5m' },
      );
      res.writeHead(200, { 'content-type': 'text/plain' }).end(token);
    });
    await new Promise((r) => app.listen(0, '127.0.0.1', r));
    Object.assign(process.env, {
      RELAY_URL: relay.httpUrl,
      APP_URL: `http://127.0.0.1:${app.address().port}`,
      DEMO_USER: 'alice',
      ROOM: '42',
    });
    chat = await import('./chat.mjs');

    const token = await (
      await fetch(`${process.env.APP_URL}/api/chat-token?roomId=42`, {
        headers: { cookie: 'user=bob' },
      })
    ).text();
    bob = Stomp.over(new SockJS(`${relay.httpUrl}/sockjs`));
    bob.debug = () => {};
    await new Promise((resolve, reject) =>
      bob.connect({ Authorization: `Bearer ${token}` }, resolve, reject),
    );
    bob.subscribe(room, (m) => bobGot.push(m));
  });
  afterAll(async () => {
    chat?.stompClient.value?.disconnect();
    if (bob?.connected) bob.disconnect();
    await relay?.stop();
    await new Promise((r) => app?.close(r));
  });

  it('the After client connects with the token, receives with relay-stamped sender and time, and sends', async () => {
    await chat.connect('42');
    await expect.poll(() => chat.stompClient.value.connected).toBe(true);
    bob.send(
      '/pub/chat/rooms/42',
      {},
      JSON.stringify({ roomId: '42', type: 'TALK', message: 'hi' }),
    );
    await expect.poll(() => chat.messages.value.length).toBe(1);
    const [msg] = chat.messages.value;
    expect(msg).toMatchObject({
      roomId: '42',
      type: 'TALK',
      message: 'hi',
      senderId: 'bob',
      sender: 'Bob',
    });
    expect(msg.time).toMatch(/^\d\d-\d\d-\d\d \d\d:\d\d$/);

    chat.sendMessage({ data: { text: 'hello' } });
    await expect.poll(() => bobGot.length).toBe(2);
    expect(JSON.parse(bobGot[1].body)).toEqual({ roomId: '42', type: 'TALK', message: 'hello' });
    expect(bobGot[1].headers['parley-sender']).toBe('alice');
  });

  it('resume: after a reconnect, the subscription with parley-since replays what was missed', async () => {
    const last = bobGot.at(-1).headers;
    chat.stompClient.value.disconnect();
    bob.send(room.replace('/sub/', '/pub/'), {}, JSON.stringify({ message: 'while away 1' }));
    bob.send(room.replace('/sub/', '/pub/'), {}, JSON.stringify({ message: 'while away 2' }));
    await expect.poll(() => bobGot.length).toBe(4);

    chat.messages.value.length = 0;
    await chat.connect('42'); // subscribes live again (onConnected)
    await expect.poll(() => chat.stompClient.value.connected).toBe(true);
    const page = await import('./page.mjs');
    Object.assign(page.resumeFrom, {
      lastOffset: Number(last['parley-offset']),
      lastEpoch: last['parley-epoch'],
    });
    const receipts = [];
    await import('./resume.mjs');
    const onreceipt = chat.stompClient.value.onreceipt;
    chat.stompClient.value.onreceipt = (frame) => (receipts.push(frame), onreceipt(frame));
    await expect.poll(() => receipts.length).toBe(1);
    expect(receipts[0].headers['parley-recovered']).toBe('true');
    expect(page.reloads).toEqual([]);
    expect(chat.messages.value.map((m) => m.message)).toEqual(['while away 1', 'while away 2']);
  });

  it('presence: the member list, a join, then a leave', async () => {
    const page = await import('./page.mjs');
    await import('./presence.mjs');
    await expect
      .poll(() => page.presence.find((e) => e.type === 'members')?.members.map((u) => u.id))
      .toEqual(['alice']);
    // Members are the users with a presence subscription to the room: bob joins with one. (Events
    // near the member list may repeat it, e.g. a join of alice.)
    bob.subscribe(room, () => {}, { 'parley-presence': 'true' });
    await expect
      .poll(() => page.presence)
      .toContainEqual({ type: 'join', user: { id: 'bob', name: 'Bob' } });
    bob.disconnect();
    await expect
      .poll(() => page.presence)
      .toContainEqual({ type: 'leave', user: { id: 'bob', name: 'Bob' } });
    expect(chat.messages.value.map((m) => m.message)).toEqual(['while away 1', 'while away 2']);
  });

  it("docs/protocol.md's SockJS lines connect with the token in CONNECT", async () => {
    const page = await import('./page.mjs');
    page.stompArgs.token = await (
      await fetch(`${process.env.APP_URL}/api/chat-token?roomId=7`, {
        headers: { cookie: 'user=bob' },
      })
    ).text();
    const connected = new Promise((resolve, reject) => {
      page.stompArgs.onConnected = resolve;
      page.stompArgs.onError = reject;
    });
    const { client } = await import('./sockjs.mjs');
    client.debug = () => {};
    const frame = await connected;
    expect(frame.command).toBe('CONNECTED');
    client.disconnect();
  });
});
