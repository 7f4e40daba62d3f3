import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';
import jwt from 'jsonwebtoken';
import { handler } from './server.mjs';

test('signs a 15-minute token with the room grants for a logged-in user, refuses others', async () => {
  const server = createServer(handler);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  try {
    const ok = await fetch(`${base}/token?room=42`, { headers: { 'x-demo-user': 'alice' } });
    assert.equal(ok.status, 200);
    const claims = jwt.verify(await ok.text(), 'parley-dev-secret-do-not-use-in-production', {
      algorithms: ['HS256'],
    });
    assert.equal(claims.sub, 'alice');
    assert.deepEqual(claims.parley.pub, ['/topic/room.42', '/user/*/queue/dm']);
    assert.ok(claims.exp - claims.iat === 900);
    assert.equal((await fetch(`${base}/token`)).status, 401);
    assert.equal(
      (await fetch(`${base}/token?room=../x`, { headers: { 'x-demo-user': 'a' } })).status,
      400,
    );
  } finally {
    server.close();
  }
});
