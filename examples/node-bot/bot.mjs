// A chat bot on @parley/sdk. Run a relay (`pnpm start` at the root), then:
//   node examples/node-bot/bot.mjs            (room "lobby", dev secret)
//   PARLEY_URL=ws://host/ws PARLEY_JWT_SECRET=... ROOM=42 node bot.mjs
// In a real deployment the bot would get its token from your token service; signing it here
// keeps the example self-contained.
import { createClient } from '@parley/sdk';
import jwt from 'jsonwebtoken';
import WebSocket from 'ws';

const url = process.env.PARLEY_URL ?? 'ws://localhost:8080/ws';
const secret = process.env.PARLEY_JWT_SECRET ?? 'parley-dev-secret-do-not-use-in-production';
const roomId = process.env.ROOM ?? 'lobby';
const botId = process.env.BOT_ID ?? 'echo-bot';

/** Signs a short-lived token for the bot, allowed in its room only. */
const token = () =>
  jwt.sign(
    {
      sub: botId,
      name: 'Echo Bot',
      parley: { sub: [`/topic/room.${roomId}`], pub: [`/topic/room.${roomId}`] },
    },
    secret,
    { algorithm: 'HS256', expiresIn: '10m' },
  );

/** What the bot says to a message, or nothing. */
export function answer(text) {
  if (text.startsWith('!echo ')) return text.slice('!echo '.length);
  if (text === '!time') return new Date().toISOString();
  return undefined;
}

export async function startBot() {
  const client = createClient({
    url,
    token,
    webSocketFactory: (u, protocols) => new WebSocket(u, protocols),
  });
  const room = client.room(roomId);
  room.on('message', (m) => {
    if (m.sender.id === botId) return; // never answer ourselves
    let text = m.body;
    if (m.headers['content-type']?.startsWith('application/json')) text = m.json().text ?? '';
    const reply = answer(text);
    if (reply !== undefined)
      room.send({ text: reply }).catch((e) => console.error('send failed:', e.reason));
  });
  // The client reconnects on its own (jittered backoff), refreshes the token before it expires,
  // and resends replies whose receipt was lost; these logs only say what is going on.
  client.on('disconnected', ({ reason, message }) =>
    console.error('disconnected:', reason ?? 'by request', message ?? ''),
  );
  client.on('reconnecting', ({ attempt, reason }) =>
    console.error(`reconnecting (attempt ${attempt}${reason ? `, ${reason}` : ''})`),
  );
  client.on('failed', ({ error }) => console.error('giving up:', error.reason, error.message));
  await client.connect();
  console.log(`${botId} is in room ${roomId} on ${url}`);
  return client;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const client = await startBot();
  for (const signal of ['SIGINT', 'SIGTERM'])
    process.once(signal, () =>
      client.disconnect().then(() => {
        client.dispose();
        process.exit(0);
      }),
    );
}
