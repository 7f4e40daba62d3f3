// The SockJS example of docs/protocol.md, run when imported: stompjs 2.x over SockJS, the token
// in CONNECT. The stand-in below points the doc's https://chat.example.com at RELAY_URL.
import RealSockJS from 'sockjs-client';
import Stomp from 'stompjs';
import { stompArgs } from './page.mjs';

const relayURL = process.env.RELAY_URL ?? 'http://localhost:8080';
const SockJS = function (url) {
  return new RealSockJS(url.replace('https://chat.example.com', relayURL));
};
const { token, onConnected, onError } = stompArgs;

const client = Stomp.over(new SockJS('https://chat.example.com/sockjs'));
client.connect({ Authorization: 'Bearer ' + token }, onConnected, onError);

export { client };
