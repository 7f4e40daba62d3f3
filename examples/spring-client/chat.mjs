// The "After" client of docs/migrating-from-spring.md (section 3): a Vue page's stompjs 2.x +
// SockJS code, run in Node. From the imports to sendMessage it is the doc's code, verbatim; below
// it are plain stand-ins for what the page provides (Vue refs, props, dayjs, relayURL, and a fetch
// that resolves the page-relative /api/chat-token and sends the session cookie).

import SockJS from 'sockjs-client';
import Stomp from 'stompjs';

const connect = async (roomId) => {
  const token = await fetch(`/api/chat-token?roomId=${encodeURIComponent(roomId)}`, {
    credentials: 'include',
  }).then((r) => r.text());

  // SockJS on the relay's /sockjs, as before (or a plain WebSocket: new WebSocket(`${wsURL}/ws`)).
  socket.value = new SockJS(`${relayURL}/sockjs`); // e.g. https://chat.example.com/sockjs
  stompClient.value = Stomp.over(socket.value);
  stompClient.value.debug = () => {}; // stompjs 2.x logs every frame, the token too, in a browser

  let refused = false;
  stompClient.value.connect(
    { Authorization: `Bearer ${token}` }, // or: connect('', token, onConnected, onError)
    () => onConnected(roomId),
    (error) => {
      if (typeof error !== 'string') {
        // An ERROR frame: the relay says why (then closes the socket).
        const reason = error.headers['parley-reason'];
        refused = reason === 'forbidden' || reason === 'token-invalid';
        console.log('chat relay:', reason, error.headers.message);
        return;
      }
      // The socket closed ("Whoops! Lost connection..."): reconnect with a fresh token (this
      // also covers token-expired and server-shutdown), unless the relay refused us for good.
      if (!refused) setTimeout(() => connect(roomId), 1000 + Math.random() * 4000);
    },
  );
};

const onConnected = (roomId) => {
  stompClient.value.subscribe('/sub/chat/rooms/' + roomId, onMessageReceived);
};

const onMessageReceived = (payload) => {
  const chat = JSON.parse(payload.body);
  // Who sent it and when: from the relay, not from the body.
  chat.senderId = payload.headers['parley-sender'];
  chat.sender = payload.headers['parley-sender-name'] ?? chat.senderId;
  chat.time = dayjs(Number(payload.headers['parley-timestamp'])).format('YY-MM-DD HH:mm');
  messages.value.push(chat);
};

const sendMessage = (message) => {
  const roomId = props.chatRoom.roomId;
  const chatMessage = { roomId, type: 'TALK', message: message.data.text };
  stompClient.value.send('/pub/chat/rooms/' + roomId, {}, JSON.stringify(chatMessage));
};

// Stand-ins for the page. Vue's ref() is an object with a value.
const ref = (value) => ({ value });
export const socket = ref(null);
export const stompClient = ref(null);
export const messages = ref([]);
const props = { chatRoom: { roomId: process.env.ROOM ?? '42' } };
const relayURL = process.env.RELAY_URL ?? 'http://localhost:8080';
// dayjs(ms).format(pattern), for the one use above: the time as YY-MM-DD HH:mm (UTC here).
const dayjs = (ms) => ({
  format: () => new Date(ms).toISOString().slice(2, 16).replace('T', ' '),
});
// The browser's fetch resolves /api/chat-token against the page and sends its cookies.
const app = process.env.APP_URL ?? 'http://localhost:3000';
const user = process.env.DEMO_USER ?? 'alice';
const fetch = (path, init) =>
  globalThis.fetch(new URL(path, app), { ...init, headers: { cookie: `user=${user}` } });

export { connect, onMessageReceived, sendMessage };
