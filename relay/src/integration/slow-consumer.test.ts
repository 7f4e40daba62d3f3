/**
 * A real slow consumer: a `ws` client that subscribes and then stops reading its socket, while
 * a publisher sends many 4 KB messages and a healthy subscriber reads them all. The relay must
 * drop the slow one with `slow-consumer` and lose nothing for anyone else.
 */
import type { Socket } from 'node:net';
import type { IMessage } from '@stomp/stompjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { StompParser, header } from '../codec/index.js';
import type { Frame } from '../codec/index.js';
import { connectFrame, signToken, spawnRelay } from '../testing/index.js';
import type { RelayProcess } from '../testing/index.js';
import { eventually, stompClient, text, within } from './stomp-clients.js';
import type { StompTestClient } from './stomp-clients.js';

const ROOM = '/topic/room.firehose';
const MAX_BUFFERED = 65_536;
const BODY_BYTES = 4096;
/** About 950 messages fill the kernel buffers and the limit on this box; twice that and more as margin. */
const MAX_MESSAGES = 4000;
/** Publisher waits for a receipt every BATCH messages, so the healthy reader keeps up. */
const BATCH = 20;

/** A raw WebSocket STOMP client whose TCP socket can be paused (it then reads nothing). */
interface PausableClient {
  frames: Frame[];
  closed: Promise<number>;
  pause(): void;
  resume(): void;
  send(data: string): void;
  next(command: string): Promise<Frame>;
  terminate(): void;
}

async function pausableClient(url: string): Promise<PausableClient> {
  const ws = new WebSocket(url, ['v12.stomp']);
  const socket = (): Socket => (ws as unknown as { _socket: Socket })._socket;
  const frames: Frame[] = [];
  const parser = new StompParser(
    { onFrame: (f) => void frames.push(f), onHeartbeat: () => undefined },
    { maxFrameSize: 1024 * 1024 },
  );
  ws.on('message', (data: Buffer) => parser.push(new Uint8Array(data)));
  ws.on('error', () => undefined);
  const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
  await within(
    new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    }),
    5000,
    'WebSocket open',
  );
  let seen = 0;
  return {
    frames,
    closed,
    pause: () => socket().pause(),
    resume: () => socket().resume(),
    send: (data) => ws.send(data),
    async next(command) {
      await eventually(() => frames.slice(seen).some((f) => f.command === command), 5000, command);
      const i = frames.findIndex((f, k) => k >= seen && f.command === command);
      seen = i + 1;
      return frames[i]!;
    },
    terminate: () => ws.terminate(),
  };
}

describe('relay: a slow consumer is dropped and hurts nobody else', () => {
  let relay: RelayProcess;
  const clients: StompTestClient[] = [];

  beforeAll(async () => {
    relay = await spawnRelay({
      env: {
        PARLEY_MAX_BUFFERED_BYTES: String(MAX_BUFFERED),
        // The publisher is deliberately fast; the rate limit is not what this test is about.
        PARLEY_MAX_SEND_RATE: '0',
      },
    });
  });
  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.client.deactivate({ force: true })));
    await relay?.stop();
  });

  const token = (sub: string): string =>
    signToken(relay.secret, { sub, parley: { sub: ['/topic/room.*'], pub: ['/topic/room.*'] } });

  it('drops the client that stops reading with slow-consumer; the healthy one gets every message in order', async () => {
    // The slow consumer: subscribes, then its TCP socket stops being read.
    const slow = await pausableClient(relay.wsUrl);
    slow.send(connectFrame(token('sloth')));
    const slowSession = header(await slow.next('CONNECTED'), 'session')!;
    expect(slowSession).toBeTruthy();
    slow.send(`SUBSCRIBE\nid:0\ndestination:${ROOM}\nreceipt:s\n\n\0`);
    await slow.next('RECEIPT');
    slow.pause();

    const reader = await stompClient(relay.wsUrl, token('reader'));
    const publisher = await stompClient(relay.wsUrl, token('publisher'));
    clients.push(reader, publisher);
    const got: IMessage[] = await reader.subscribe(ROOM);

    const dropped = (): boolean =>
      relay
        .output()
        .split('\n')
        .some((l) => l.includes(`"session":"${slowSession}"`) && l.includes('"slow-consumer"'));
    const body = (seq: number): string => `${seq}:`.padEnd(BODY_BYTES, 'x');

    let sent = 0;
    let batchesAfterDrop = -1;
    while (sent < MAX_MESSAGES && batchesAfterDrop < 3) {
      for (let i = 0; i < BATCH - 1; i++)
        publisher.client.publish({ destination: ROOM, body: body(sent++) });
      await publisher.publish(ROOM, body(sent++));
      if (batchesAfterDrop >= 0) batchesAfterDrop++;
      else if (dropped()) batchesAfterDrop = 0;
    }
    // Fast-lane (uWS topic) sends are checked once a second: give the relay that second.
    for (let i = 0; i < 50 && !dropped(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(dropped(), `slow-consumer in the relay log after ${sent} messages`).toBe(true);

    // The healthy reader gets every message, once, in order.
    await eventually(() => got.length >= sent, 10_000, `reader gets ${sent} messages`);
    expect(got).toHaveLength(sent);
    // Whole bodies, each exactly body(i); a mismatch is reported by index, lengths and where it
    // starts rather than as kilobytes of text.
    const mismatches = got.flatMap((m, i) => {
      const want = body(i);
      if (m.body === want) return [];
      let at = 0;
      while (at < want.length && m.body[at] === want[at]) at++;
      const from = JSON.stringify(m.body.slice(at, at + 16));
      return [
        `message ${i}: ${m.body.length} chars (want ${want.length}), differs at ${at}: ${from}`,
      ];
    });
    expect(mismatches, 'bodies that are not exactly what was sent').toEqual([]);
    for (const c of [reader, publisher]) {
      expect(c.errors).toEqual([]);
      expect(c.closes).toEqual([]);
      expect(c.client.connected).toBe(true);
    }

    // Once the slow client reads again it finds a gapless prefix, then ERROR slow-consumer, then
    // the close.
    slow.resume();
    const code = await within(slow.closed, 10_000, 'slow client closed');
    const commands = slow.frames.map((f) => f.command);
    const errorAt = commands.indexOf('ERROR');
    expect(errorAt, `ERROR among ${slow.frames.length} frames`).toBeGreaterThan(0);
    const err = slow.frames[errorAt]!;
    expect(header(err, 'parley-reason')).toBe('slow-consumer');
    expect(header(err, 'message')).toMatch(/client is not reading: \d+ bytes waiting to be sent/);
    expect(code).toBe(4000);
    const before = slow.frames.slice(2, errorAt);
    expect(before.every((f) => f.command === 'MESSAGE')).toBe(true);
    expect(before.map((f) => text(f.body).split(':')[0])).toEqual(before.map((_, i) => String(i)));
    // ...and each of them whole, not just its sequence number.
    const torn = before.flatMap((f, i) => (text(f.body) === body(i) ? [] : [i]));
    expect(torn, 'MESSAGEs to the slow client whose body is not exactly what was sent').toEqual([]);
    expect(before.length).toBeLessThan(sent);
    expect(slow.frames.slice(errorAt + 1)).toEqual([]);

    // Only the slow session was dropped, and the relay is fine.
    const drops = relay
      .output()
      .split('\n')
      .filter((l) => l.includes('"slow-consumer"'));
    expect(drops.length).toBeGreaterThan(0);
    expect(drops.every((l) => l.includes(`"session":"${slowSession}"`))).toBe(true);
    expect((await fetch(`${relay.httpUrl}/healthz`)).status).toBe(200);
    await reader.publish(ROOM, 'after');
    await eventually(() => got.at(-1)?.body === 'after');
  });
});
