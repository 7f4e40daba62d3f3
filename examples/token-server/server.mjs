// The backend half of Parley auth. Your app already knows who the user is (session cookie,
// OAuth…); this endpoint turns that into a short-lived JWT the relay verifies in CONNECT.
//   PARLEY_JWT_SECRET=... node examples/token-server/server.mjs
//   curl 'localhost:3000/token?room=42' -H 'x-demo-user: alice'
import { createServer } from 'node:http';
import jwt from 'jsonwebtoken';

const secret = process.env.PARLEY_JWT_SECRET ?? 'parley-dev-secret-do-not-use-in-production';
const port = Number(process.env.PORT ?? 3000);

/** Claims for one user: read every room, write only the one asked for, DMs to anyone. */
export function claimsFor(user, room) {
  return {
    sub: user.id,
    name: user.name,
    parley: {
      sub: ['/topic/room.*'],
      pub: [`/topic/room.${room}`, '/user/*/queue/dm'],
    },
  };
}

/** Stand-in for your real authentication: DO NOT trust a header like this in production. */
function currentUser(req) {
  const id = req.headers['x-demo-user'];
  return typeof id === 'string' && /^[\w.@-]{1,64}$/.test(id) ? { id, name: id } : undefined;
}

export function handler(req, res) {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'GET' || url.pathname !== '/token') {
    res.writeHead(404).end();
    return;
  }
  const user = currentUser(req);
  const room = url.searchParams.get('room') ?? 'lobby';
  if (!user) {
    res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"log in first"}');
    return;
  }
  if (!/^[\w.-]{1,64}$/.test(room)) {
    res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"bad room id"}');
    return;
  }
  const token = jwt.sign(claimsFor(user, room), secret, { algorithm: 'HS256', expiresIn: '15m' });
  res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end(token);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  createServer(handler).listen(port, '127.0.0.1', () =>
    console.log(`token server on http://127.0.0.1:${port}/token`),
  );
}
