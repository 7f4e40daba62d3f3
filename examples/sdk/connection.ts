// Connection events and errors (docs/sdk.md, "Connection state" and "Errors"): prints every
// state change, connects, and stops after 2 s. With the relay and a token endpoint running:
//   node --import tsx examples/sdk/connection.ts
import { createClient, isParleyError, UnauthorizedError } from '@parley/sdk';
import WebSocket from 'ws';

const url = process.env.PARLEY_URL ?? 'ws://localhost:8080/ws';
const tokenUrl = process.env.TOKEN_URL ?? 'http://localhost:3000/api/chat-token';
const token = async () => {
  const res = await fetch(tokenUrl);
  if (res.status === 401) throw new UnauthorizedError('logged out');
  return res.text();
};
const client = createClient({
  url,
  token,
  transport: 'auto', // the default: WebSocket, and SockJS when a WebSocket cannot be opened
  webSocketFactory: (url, protocols) => new WebSocket(url, protocols),
});

// Stand-ins for your UI.
const hideBanner = () => console.log('caught up');
const showBannerLater = (attempt: number, reason?: string) =>
  console.log('reconnecting', attempt, reason);
const askToLogIn = (reason: string) => console.log('please log in again:', reason);
const renewLogin = () => console.log('renew login');

client.on('state', ({ oldState, newState }) => console.log(oldState, '→', newState));
client.on('connected', ({ url, headers }) => console.log('on', url, headers.server));
client.on('caughtUp', () => hideBanner()); // also: client.caughtUp
client.on('reconnecting', ({ attempt, reason }) => showBannerLater(attempt, reason));
client.on('disconnected', ({ reason, message }) =>
  console.log('closed', reason ?? 'by request', message ?? ''),
);
client.on('failed', ({ error }) => askToLogIn(error.reason));
client.on('token', ({ exp, inPlace }) =>
  console.log('token until', exp, inPlace ? 'in place' : 'on connect'),
);
client.on('error', (err) => console.warn(err.reason, err.message)); // every failure, including retried ones
client.on('connected', () => console.log('connected over', client.transport));

try {
  await client.connect();
} catch (e) {
  if (isParleyError(e, 'unauthorized')) renewLogin();
}

setTimeout(() => void client.disconnect(), 2000);
