// Any STOMP client works: only the token is new. With the relay (`npm start`) and the token
// server running:  node examples/getting-started/stomp-client.mjs
import { Client } from '@stomp/stompjs';
import WebSocket from 'ws';

const relayUrl = process.env.PARLEY_URL ?? 'ws://localhost:8080/ws';
const tokenUrl = process.env.TOKEN_URL ?? 'http://localhost:3000/api/chat-token?room=42';
const res = await fetch(tokenUrl, { headers: { 'x-demo-user': 'bob' } });
const token = await res.text();

const client = new Client({
  // Node 20 has no global WebSocket; in a browser write `brokerURL: relayUrl` instead.
  webSocketFactory: () => new WebSocket(relayUrl, ['v12.stomp', 'v11.stomp', 'v10.stomp']),
  connectHeaders: { Authorization: `Bearer ${token}` },
  onConnect: () => {
    client.subscribe('/topic/room.42', (m) => console.log(m.headers['parley-sender'], m.body));
    // Spring-style prefixes work: a SEND to /app/room.42 is delivered to /topic/room.42.
    client.publish({
      destination: '/app/room.42',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hi from plain STOMP' }),
    });
  },
  onStompError: (frame) => console.error(frame.headers['parley-reason'], frame.headers.message),
});
client.activate();
