/**
 * The physical-limit proxy: a raw uWebSockets.js server with no STOMP and no auth. Clients name
 * their topics in the upgrade URL (`?t=a,b`) and get `OK` once subscribed; a client message
 * `<topic>\n<body>` is published to the topic with `app.publish` (fan-out in C++, sender
 * included, like a STOMP relay). Prints `{"port":N}` when listening.
 */
import { createRequire } from 'node:module';
import type * as UWS from 'uWebSockets.js';

const require = createRequire(import.meta.url);
const uws = require('uWebSockets.js') as typeof UWS;
const native = typeof (uws as unknown as Record<string, unknown>).getParts === 'function';
if (!native) {
  process.stderr.write('uWebSockets.js native binary did not load\n');
  process.exit(3);
}

interface Data {
  topics: string[];
}

const app = uws.App();
app.ws<Data>('/*', {
  compression: uws.DISABLED,
  maxPayloadLength: 16 * 1024 * 1024,
  maxBackpressure: 256 * 1024 * 1024,
  idleTimeout: 120,
  upgrade: (res, req, context) => {
    const t = req.getQuery('t') ?? '';
    res.upgrade<Data>(
      { topics: t === '' ? [] : decodeURIComponent(t).split(',') },
      req.getHeader('sec-websocket-key'),
      req.getHeader('sec-websocket-protocol'),
      req.getHeader('sec-websocket-extensions'),
      context,
    );
  },
  open: (ws) => {
    for (const t of ws.getUserData().topics) ws.subscribe(t);
    ws.send('OK');
  },
  message: (_ws, message, isBinary) => {
    const bytes = Buffer.from(message);
    const nl = bytes.indexOf(10);
    if (nl <= 0) return;
    app.publish(bytes.toString('latin1', 0, nl), bytes.subarray(nl + 1), isBinary);
  },
});
app.listen('127.0.0.1', Number(process.env.PORT ?? 0), (socket) => {
  if (!socket) {
    process.stderr.write('cannot listen\n');
    process.exit(1);
  }
  process.stdout.write(`${JSON.stringify({ port: uws.us_socket_local_port(socket), native })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
