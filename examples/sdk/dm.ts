// Direct messages (docs/sdk.md, "Direct messages"): writes to bob and prints his answers, his
// reading and his typing. With the relay and a token endpoint running:
//   node --import tsx examples/sdk/dm.ts
import { createClient } from '@parley/sdk';
import type { ChatMessage } from '@parley/sdk';
import WebSocket from 'ws';

const url = process.env.PARLEY_URL ?? 'ws://localhost:8080/ws';
const tokenUrl = process.env.TOKEN_URL ?? 'http://localhost:3000/api/chat-token';
const client = createClient({
  url,
  token: () => fetch(tokenUrl).then((r) => r.text()),
  webSocketFactory: (url, protocols) => new WebSocket(url, protocols),
});
await client.connect();

// Stand-ins for your UI.
const notify = (text: string) => console.log('notify:', text);
const append = (m: ChatMessage, read: boolean) =>
  console.log(`${m.sender.id}: ${m.body}`, read ? '(read)' : '');
const markMineSeenUpTo = (timestamp: number) => console.log('bob read up to', timestamp);
const showTyping = (typing: boolean) => console.log(typing ? 'bob is typing' : 'bob stopped');

client.on('dm', ({ from, name }) => notify(`${name ?? from} wrote to you`));

const dm = client.dm('bob');
dm.on('message', (m) => append(m, dm.isReadByPeer(m)));
dm.on('read', ({ timestamp }) => markMineSeenUpTo(timestamp));
dm.on('typing', ({ users }) => showTyping(users.length > 0));
await dm.send('hi bob');
dm.markRead();
