// Your backend's half of Parley: it knows who the user is, and signs a short-lived JWT with the
// relay's secret naming the user and what they may read and write. Next to `npm start`:
//   node examples/getting-started/token-server.mjs
import { createServer } from 'node:http';
import jwt from 'jsonwebtoken';

// The relay's secret. `npm start` verifies tokens with this well-known development secret.
const secret = process.env.PARLEY_JWT_SECRET ?? 'parley-dev-secret-do-not-use-in-production';
const port = Number(process.env.PORT ?? 3000);

// Stand-in for your login (session cookie, OAuth…): never trust a header like this for real.
function currentUser(req) {
  const id = req.headers['x-demo-user'];
  return typeof id === 'string' && /^[\w.@-]{1,64}$/.test(id) ? { id, name: id } : undefined;
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'GET' || url.pathname !== '/api/chat-token') return res.writeHead(404).end();
  const user = currentUser(req);
  if (!user) return res.writeHead(401).end('log in first');
  const room = url.searchParams.get('room') ?? '';
  if (!/^[\w-]{1,64}$/.test(room)) return res.writeHead(400).end('bad room id');
  const token = jwt.sign(
    {
      sub: user.id, // the verified sender of everything this user sends
      name: user.name,
      parley: {
        sub: ['/topic/room.*'], // may subscribe to every room
        pub: [`/topic/room.${room}`], // may post in this one
      },
    },
    secret,
    { algorithm: 'HS256', expiresIn: '15m' },
  );
  res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end(token);
});

server.listen(port, '127.0.0.1', () => {
  console.log(`token server on http://127.0.0.1:${server.address().port}/api/chat-token`);
});
