// Rooms and the outbox (docs/sdk.md, "Rooms"): joins the lobby, sends three messages and prints
// what happens to them. With the relay and a token endpoint running:
//   node --import tsx examples/sdk/rooms.ts
import { createClient, isParleyError } from '@parley/sdk';
import type { ChatMessage } from '@parley/sdk';
import WebSocket from 'ws';

const url = process.env.PARLEY_URL ?? 'ws://localhost:8080/ws';
const tokenUrl = process.env.TOKEN_URL ?? 'http://localhost:3000/api/chat-token';
const client = createClient({
  url,
  token: () => fetch(tokenUrl).then((r) => r.text()),
  webSocketFactory: (url, protocols) => new WebSocket(url, protocols),
});

// Stand-ins for your UI.
const replaceView = (messages: readonly ChatMessage[]) => console.log('resync:', messages.length);
const showAsSending = (clientId: string) => console.log('sending', clientId);
const render = (clientId: string, status: string, reason?: string) =>
  console.log('outbox', clientId, status, reason ?? '');
const showNotAllowed = () => console.log('not allowed here');

await client.connect();

const room = client.room('lobby'); // the destination /topic/room.lobby

const stop = room.on('message', (m) => {
  console.log(m.sender.id, m.sender.name, m.timestamp, m.offset, m.body);
  if (m.headers['content-type']?.startsWith('application/json')) console.log(m.json());
});
room.on('resync', ({ messages }) => replaceView(messages)); // see below
room.on('error', (err) => console.warn('room refused:', err.reason));

await room.send({ text: '안녕하세요' }); // JSON, content-type application/json
await room.send('plain text'); // text/plain;charset=utf-8
stop(); // the last listener leaving unsubscribes the room

let view: ChatMessage[] = [];
room.on('message', (m) => view.push(m));
room.on('resync', ({ messages }) => (view = [...messages]));

const sending = room.send({ text: 'hi' });
showAsSending(sending.clientId); // at once, even offline
client.on('outbox', (m) => render(m.clientId, m.status, m.error?.reason));
try {
  const receipt = await sending; // { clientId, offset, epoch, messageId, duplicate }
  console.log('stored at offset', receipt.offset, 'epoch', receipt.epoch);
} catch (err) {
  if (isParleyError(err, 'forbidden')) showNotAllowed();
  // later: sending.outgoing.retry()
}

console.log('in view:', view.length);
await client.disconnect();
