// "Catching up after a reconnect" of docs/migrating-from-spring.md: run (imported) on a connected
// client of chat.mjs, with the last parley-offset and parley-epoch seen for the room.
import { onMessageReceived, stompClient } from './chat.mjs';
import { reloadLatestPage, resumeFrom } from './page.mjs';

const { roomId, lastOffset, lastEpoch } = resumeFrom;

stompClient.value.onreceipt = (frame) => {
  if (frame.headers['parley-recovered'] !== 'true') reloadLatestPage(); // gap too old: refetch
};
stompClient.value.subscribe('/sub/chat/rooms/' + roomId, onMessageReceived, {
  'parley-since': String(lastOffset),
  'parley-epoch': lastEpoch,
  receipt: `resume-${roomId}`,
});
