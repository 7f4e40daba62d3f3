// A client on @parley/sdk that joins a room and prints its messages. With the relay (`npm start`)
// and a token endpoint running:  node --import tsx examples/sdk/client.ts
import { createClient, UnauthorizedError } from '@parley/sdk';
import WebSocket from 'ws';

const url = process.env.PARLEY_URL ?? 'ws://localhost:8080/ws'; // e.g. wss://chat.example.com/ws
const tokenUrl = process.env.TOKEN_URL ?? 'http://localhost:3000/api/chat-token';

const client = createClient({
  url,
  // Called before every connect and again before the token expires. In a browser on your own
  // site this is `fetch('/api/chat-token')`, which sends the user's session cookie.
  token: async () => {
    const res = await fetch(tokenUrl);
    if (res.status === 401) throw new UnauthorizedError('logged out'); // stop, don't retry
    if (!res.ok) throw new Error(`token endpoint answered ${res.status}`); // retried with backoff
    return res.text();
  },
  // Node 20 has no global WebSocket: inject one from the `ws` package. In a browser leave it out.
  webSocketFactory: (url, protocols) => new WebSocket(url, protocols),
});

const room = client.room('lobby');
room.on('message', (m) => console.log(m.sender.id, m.body));
await client.connect();
