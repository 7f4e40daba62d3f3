// A plain site that embeds the Parley widget, and the only backend it needs: a token endpoint.
//   PARLEY_JWT_SECRET=... RELAY_URL=http://localhost:8080 node examples/embed/server.mjs
// Pages: /              a logged-in visitor (cookie "user"), the widget gets its JWT from POST /token
//        /guest.html    a visitor with no account: guest mode (the relay needs it turned on)
//        /snippet.html  the snippet of docs/widget.md inline, with the response's CSP nonce
// Every page is served with a strict Content-Security-Policy: only the relay's origin is added
// (and, for an HTML page, a nonce that its inline <script> elements get).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import jwt from 'jsonwebtoken';

const secret = process.env.PARLEY_JWT_SECRET ?? 'parley-dev-secret-do-not-use-in-production';
const port = Number(process.env.PORT ?? 3001);
const here = new URL('./public/', import.meta.url);

/**
 * What the strict CSP must add for the widget: the relay's origin for scripts and connections.
 * With a `nonce`, inline scripts that carry it run too (no 'unsafe-inline').
 */
export function contentSecurityPolicy(relay, nonce) {
  const origin = new URL(relay).origin;
  const ws = origin.replace(/^http/, 'ws');
  return [
    "default-src 'self'",
    `script-src 'self' ${origin}${nonce ? ` 'nonce-${nonce}'` : ''}`,
    "style-src 'self'",
    `connect-src 'self' ${origin} ${ws}`,
  ].join('; ');
}

/** A short-lived token for a logged-in user: their support conversation and the lobby. */
export function tokenFor(user, key = secret, expiresIn = '10m') {
  return jwt.sign(
    {
      sub: user,
      name: user,
      parley: {
        sub: ['/topic/room.lobby', `/topic/room.support.${user}`],
        pub: ['/topic/room.lobby', `/topic/room.support.${user}`, '/topic/room.support-inbox'],
      },
    },
    key,
    { algorithm: 'HS256', expiresIn },
  );
}

/** Stand-in for your real session: DO NOT trust a plain cookie like this in production. */
function currentUser(req) {
  const m = /(?:^|;\s*)user=([\w.@-]{1,64})/.exec(req.headers.cookie ?? '');
  return m?.[1];
}

const TYPES = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8' };

/**
 * The site's request handler. `relay` is the relay's base URL (it serves /widget/parley.js);
 * `key` the HS256 secret the relay verifies tokens with.
 */
export function createHandler(relay, key = secret) {
  const origin = new URL(relay).origin;
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'POST' && url.pathname === '/token') {
      const user = currentUser(req);
      if (!user) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"log in first"}');
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(JSON.stringify({ token: tokenFor(user, key) }));
      return;
    }
    if (req.method === 'POST' && url.pathname === '/login') {
      const user = url.searchParams.get('user') ?? '';
      if (!/^[\w.@-]{1,64}$/.test(user)) {
        res.writeHead(400).end();
        return;
      }
      res
        .writeHead(303, {
          location: '/',
          'set-cookie': `user=${user}; Path=/; HttpOnly; SameSite=Lax`,
        })
        .end();
      return;
    }
    const name = url.pathname === '/' ? 'index.html' : url.pathname.slice(1);
    if (req.method !== 'GET' || !/^[\w-]+\.(html|js)$/.test(name)) {
      res.writeHead(404).end();
      return;
    }
    let body;
    try {
      body = readFileSync(new URL(name, here), 'utf8');
    } catch {
      res.writeHead(404).end();
      return;
    }
    // The relay's origin where a file names it: %RELAY%, or the docs' https://chat.example.com.
    body = body.replaceAll('%RELAY%', origin).replaceAll('https://chat.example.com', origin);
    const type = name.split('.').pop();
    const nonce = type === 'html' ? randomBytes(16).toString('base64') : undefined;
    if (nonce) body = body.replaceAll('<script>', `<script nonce="${nonce}">`);
    res
      .writeHead(200, {
        'content-type': TYPES[type],
        'content-security-policy': contentSecurityPolicy(relay, nonce),
        'cache-control': 'no-cache',
      })
      .end(body);
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const relay = process.env.RELAY_URL ?? 'http://localhost:8080';
  createServer(createHandler(relay)).listen(port, '127.0.0.1', () =>
    console.log(`embed example on http://127.0.0.1:${port}/ (relay ${relay})`),
  );
}
