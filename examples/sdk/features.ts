// Typing, presence, read positions and history (docs/sdk.md, "Chat features"), with stand-ins
// for a page's elements. With the relay and a token endpoint running:
//   node --import tsx examples/sdk/features.ts
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
const room = client.room('lobby');

// Stand-ins for the page: a text input, a "who is typing" line, a badge, a scrolling list.
const input = new EventTarget();
const list = new EventTarget();
const line = {
  set textContent(text: string) {
    console.log('typing line:', text);
  },
};
const badge = {
  set textContent(text: string) {
    console.log('unread badge:', text);
  },
};
const atBottom = (_list: EventTarget) => true;
const render = (items: readonly (string | ChatMessage)[]) =>
  console.log('render:', items.map((i) => (typeof i === 'string' ? i : i.offset)).join(' '));
const toast = (text: string) => console.log('toast:', text);
const showSeenBy = (user: string, offset: number) => console.log('seen by', user, 'up to', offset);
const prepend = (messages: readonly ChatMessage[]) => console.log('older:', messages.length);

input.addEventListener('input', () => room.typing());
room.on('typing', ({ users }) => {
  line.textContent = users.length ? `${users.map((u) => u.name ?? u.id).join(', ')} typing…` : '';
});

room.on('members', ({ members }) => render(members.map((m) => m.name ?? m.id)));
room.on('presence', (e) => {
  if (e.type === 'join') toast(`${e.user.name ?? e.user.id} joined`);
});
const now = room.members(); // [] until the relay's member list has come
console.log('members now:', now.length);

room.on('unread', ({ count }) => (badge.textContent = count ? String(count) : ''));
list.addEventListener('scroll', () => {
  if (atBottom(list)) room.markRead(); // the newest message seen
});
room.on('read', ({ user, offset }) => showSeenBy(user.id, offset));
for (const [user, { offset }] of room.reads()) showSeenBy(user, offset);

await client.connect();

let page = await room.history({ limit: 25 }); // the newest 25
render(page.messages); // oldest first
while (page.hasMore) {
  page = await room.history({ before: page.messages[0]!.offset, limit: 25 });
  prepend(page.messages);
}

input.dispatchEvent(new Event('input')); // a keystroke
list.dispatchEvent(new Event('scroll')); // scrolled to the newest message
console.log('ready');
