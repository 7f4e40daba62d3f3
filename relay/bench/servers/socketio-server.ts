/**
 * The Socket.IO 4 peer: clients join the rooms named in the handshake's `auth.rooms` and get
 * `ok`; `p(room, body)` is broadcast with `io.to(room).emit('m', body)` (sender included, like
 * a STOMP relay). JWTs in `auth.token` are verified with the same library and algorithm as the
 * relay (HS256, jsonwebtoken). With `REDIS_URL`, rooms are shared through
 * `@socket.io/redis-adapter`. Prints `{"port":N}` when listening.
 */
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import jwt from 'jsonwebtoken';
import { createClient } from 'redis';
import { Server } from 'socket.io';

const secret = process.env.JWT_SECRET;
const http = createServer();
const io = new Server(http, {
  transports: ['websocket'],
  serveClient: false,
  perMessageDeflate: false,
  maxHttpBufferSize: 16 * 1024 * 1024,
  connectTimeout: 30_000,
});

if (process.env.REDIS_URL) {
  const pub = createClient({ url: process.env.REDIS_URL });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  io.adapter(createAdapter(pub, sub));
}

io.use((socket, next) => {
  const auth = socket.handshake.auth as { token?: unknown };
  if (!secret || typeof auth.token !== 'string') return next();
  jwt.verify(auth.token, secret, { algorithms: ['HS256'] }, (err) =>
    next(err ? new Error('token-invalid') : undefined),
  );
});

io.on('connection', (socket) => {
  const rooms = (socket.handshake.auth as { rooms?: unknown }).rooms;
  if (Array.isArray(rooms))
    void socket.join(rooms.filter((r): r is string => typeof r === 'string'));
  socket.on('p', (room: unknown, body: unknown) => {
    if (typeof room === 'string') io.to(room).emit('m', body);
  });
  socket.emit('ok');
});

http.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const addr = http.address();
  process.stdout.write(
    `${JSON.stringify({ port: typeof addr === 'object' && addr ? addr.port : 0 })}\n`,
  );
});
process.on('SIGTERM', () => process.exit(0));
