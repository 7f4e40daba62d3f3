/**
 * A STOMP 1.0 subscriber and STOMP 1.2 subscribers on one destination, against a real relay
 * (so every auto-ack subscriber rides the uWS fast lane): a header value that only 1.2 can carry
 * (an escaped newline) reaches everyone — the 1.0 subscriber without that header — the sender
 * keeps its connection, and a healthy pair of clients goes on chatting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { header } from '../codec/index.js';
import { connectFrame, rawStomp, signToken, spawnRelay } from '../testing/index.js';
import type { RawStompClient, RelayProcess } from '../testing/index.js';
import { eventually, stompClient, text } from './stomp-clients.js';
import type { StompTestClient } from './stomp-clients.js';

const ROOM = '/topic/room.mixed';
const GRANTS = { sub: ['/topic/room.*'], pub: ['/topic/room.*'] };

describe('mixed STOMP 1.0 / 1.2 fan-out', () => {
  let relay: RelayProcess;
  const opened: StompTestClient[] = [];
  const raws: RawStompClient[] = [];
  const token = (sub: string) => signToken(relay.secret, { sub, parley: GRANTS });
  const modern = async (sub: string) => {
    const c = await stompClient(relay.wsUrl, token(sub));
    opened.push(c);
    return c;
  };

  beforeAll(async () => {
    relay = await spawnRelay();
  });
  afterAll(async () => {
    for (const r of raws) r.close();
    await Promise.allSettled(opened.map((c) => c.disconnect()));
    await relay?.stop();
  });

  it('delivers to 1.0 and 1.2 subscribers alike and keeps the sender connected', async () => {
    // STOMP 1.0: no accept-version, the v10.stomp sub-protocol.
    const old = await rawStomp(relay.wsUrl, { protocols: ['v10.stomp'] });
    raws.push(old);
    old.send(`CONNECT\nlogin:x\npasscode:${token('old')}\n\n\0`);
    expect(header(await old.next('CONNECTED'), 'version')).toBe('1.0');
    old.send(`SUBSCRIBE\nid:sub-0\ndestination:${ROOM}\nreceipt:s\n\n\0`);
    await old.next('RECEIPT');
    const [a, b, sender] = await Promise.all([modern('a'), modern('b'), modern('sender')]);
    const inboxA = await a.subscribe(ROOM);
    const inboxB = await b.subscribe(ROOM);

    // stompjs escapes the newline (1.2 `\n`): fine for 1.2, impossible to write for 1.0.
    await sender.publish(ROOM, 'two lines', { 'x-multi': 'line1\nline2', 'x-ok': 'fine' });
    await eventually(() => inboxA.length === 1 && inboxB.length === 1, 5000, '1.2 delivery');
    for (const m of [inboxA[0]!, inboxB[0]!]) {
      expect(m.body).toBe('two lines');
      expect(m.headers['x-multi']).toBe('line1\nline2');
      expect(m.headers['parley-sender']).toBe('sender');
    }
    const m = await old.next('MESSAGE');
    expect(text(m.body)).toBe('two lines');
    expect(header(m, 'x-multi')).toBeUndefined();
    expect(header(m, 'x-ok')).toBe('fine');
    expect(header(m, 'parley-sender')).toBe('sender');
    expect(sender.errors).toEqual([]);
    expect(sender.closes).toEqual([]);
    expect(sender.client.connected).toBe(true);

    // The same sender, the same room, next message: everyone still gets it.
    await sender.publish(ROOM, 'still here');
    await eventually(() => inboxA.length === 2 && inboxB.length === 2, 5000, 'second message');
    expect(text((await old.next('MESSAGE')).body)).toBe('still here');

    // And a healthy pair of clients keeps chatting.
    const [alice, bob] = await Promise.all([modern('alice'), modern('bob')]);
    const bobInbox = await bob.subscribe('/topic/room.pair');
    const aliceInbox = await alice.subscribe('/topic/room.pair');
    await alice.publish('/topic/room.pair', 'hi bob');
    await bob.publish('/topic/room.pair', 'hi alice');
    await eventually(() => bobInbox.length === 2 && aliceInbox.length === 2, 5000, 'pair chat');
    expect(bobInbox.map((x) => [x.headers['parley-sender'], x.body])).toEqual([
      ['alice', 'hi bob'],
      ['bob', 'hi alice'],
    ]);
    for (const c of [a, b, sender, alice, bob]) expect(c.errors).toEqual([]);
    expect(old.frames.filter((f) => f.command === 'ERROR')).toEqual([]);
  });

  it('refuses a client frame whose header name only looks like parley-sender', async () => {
    const c = await rawStomp(relay.wsUrl);
    raws.push(c);
    c.send(connectFrame(token('mallory')));
    await c.next('CONNECTED');
    c.send(`SEND\ndestination:${ROOM}\n\u00a0parley-sender:alice\n\nforged\0`);
    const err = await c.next('ERROR');
    expect(header(err, 'parley-reason')).toBe('frame-invalid');
    expect(header(err, 'message')).toContain('U+00A0');
    expect((await c.closed).code).toBe(4000);
  });
});
