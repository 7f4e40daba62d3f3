import { createClient } from '@parley/sdk';
import { signToken, spawnRelay } from '@parley/relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

describe('examples/node-bot', () => {
  let relay;
  let bot;
  beforeAll(async () => {
    relay = await spawnRelay();
    process.env.PARLEY_URL = relay.wsUrl;
    process.env.PARLEY_JWT_SECRET = relay.secret;
    process.env.ROOM = 'bots';
    const { startBot } = await import('./bot.mjs');
    bot = await startBot();
  });
  afterAll(async () => {
    await bot?.disconnect();
    await relay?.stop();
  });

  it('answers !echo in its room, as itself', async () => {
    const token = signToken(relay.secret, {
      sub: 'alice',
      parley: { sub: ['/topic/room.bots'], pub: ['/topic/room.bots'] },
    });
    const alice = createClient({
      url: relay.wsUrl,
      token,
      webSocketFactory: (u, p) => new WebSocket(u, p),
    });
    const room = alice.room('bots');
    const replies = [];
    room.on('message', (m) => {
      if (m.sender.id === 'echo-bot') replies.push(m.json().text);
    });
    await alice.connect();
    await room.send({ text: '!echo 안녕' });
    for (let i = 0; i < 200 && replies.length === 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(replies).toEqual(['안녕']);
    await alice.disconnect();
  });
});
