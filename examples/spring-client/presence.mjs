// "Connect and disconnect events" of docs/migrating-from-spring.md: a presence subscription on a
// connected client of chat.mjs (imported once connected).
import { onMessageReceived, stompClient } from './chat.mjs';
import { onPresence, roomId } from './page.mjs';

stompClient.value.subscribe(
  '/sub/chat/rooms/' + roomId,
  (payload) => {
    if (payload.headers['parley-kind'] === 'presence') {
      // {"type":"members","members":[{"id","name"}]} | {"type":"join"|"leave","user":{"id","name"}}
      return onPresence(JSON.parse(payload.body));
    }
    onMessageReceived(payload);
  },
  { 'parley-presence': 'true' },
);
