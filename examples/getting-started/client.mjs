// A first client on @parley/sdk, in Node. With the relay (`npm start`) and the token server
// running:  node examples/getting-started/client.mjs
import { createClient } from '@parley/sdk';
import WebSocket from 'ws';

const relayUrl = process.env.PARLEY_URL ?? 'ws://localhost:8080/ws';
const tokenUrl = process.env.TOKEN_URL ?? 'http://localhost:3000/api/chat-token?room=42';
const user = process.env.DEMO_USER ?? 'alice';

const client = createClient({
  url: relayUrl,
  // Called for the first token and again before it expires. In a browser on your own site this
  // is `fetch('/api/chat-token?room=42')`, which sends the user's session cookie.
  token: async () => {
    const res = await fetch(tokenUrl, { headers: { 'x-demo-user': user } });
    if (!res.ok) throw new Error(`token server answered ${res.status}`);
    return res.text();
  },
  // Node 20 has no global WebSocket; in a browser leave this option out.
  webSocketFactory: (url, protocols) => new WebSocket(url, protocols),
});

const room = client.room('42');
room.on('message', (m) => console.log(`${m.sender.name ?? m.sender.id}: ${m.json().text}`));
await client.connect();
await room.send({ text: `hello from ${user}` });

// Ctrl-C leaves the room and closes the connection.
process.once('SIGINT', () => client.disconnect().then(() => process.exit(0)));
