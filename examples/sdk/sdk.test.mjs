// Runs the code of docs/sdk.md, file by file (`node --import tsx <file>`), against a real relay.
// The test is the token endpoint (`TOKEN_URL`, `?user=` names the user) and the other user.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { createClient } from '@parley/sdk';
import { signToken, spawnRelay } from '@parley/relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

const here = new URL('.', import.meta.url).pathname;
const children = [];
const clients = [];

/** Starts `node --import tsx <file>` here with `env`; `lines` collects stdout and stderr. */
function run(file, env) {
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: here,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines = [];
  const collect = (chunk) => lines.push(...chunk.toString().split('\n').filter(Boolean));
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return { child, lines, exited };
}

async function until(what, lines, predicate, ms = 15_000) {
  for (const end = Date.now() + ms; Date.now() < end;) {
    const hit = lines.find(predicate);
    if (hit !== undefined) return hit;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${what} did not happen; output:\n${lines.join('\n')}`);
}

describe('examples/sdk', () => {
  let relay;
  let tokenServer;
  let tokenBase;
  const envFor = (user) => ({ PARLEY_URL: relay.wsUrl, TOKEN_URL: `${tokenBase}?user=${user}` });
  const token = (user) =>
    signToken(relay.secret, {
      sub: user,
      name: user,
      parley: { sub: ['/topic/room.*'], pub: ['/topic/room.*', '/user/*/queue/dm.*'] },
    });
  /** Another user, on the SDK in this process. */
  async function connectAs(user) {
    const c = createClient({
      url: relay.wsUrl,
      token: token(user),
      webSocketFactory: (u, p) => new WebSocket(u, p),
    });
    clients.push(c);
    return c;
  }

  beforeAll(async () => {
    relay = await spawnRelay();
    tokenServer = createServer((req, res) => {
      const user = new URL(req.url ?? '/', 'http://x').searchParams.get('user');
      if (!user) return res.writeHead(401).end('log in first');
      res.writeHead(200, { 'content-type': 'text/plain' }).end(token(user));
    });
    await new Promise((r) => tokenServer.listen(0, '127.0.0.1', r));
    tokenBase = `http://127.0.0.1:${tokenServer.address().port}/api/chat-token`;
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    for (const c of clients) c.dispose();
    tokenServer?.close();
    await relay?.stop();
  });

  it('client.ts joins the lobby and prints what is said there', async () => {
    const alice = run('client.ts', envFor('alice'));
    const bob = await connectAs('bob');
    await bob.connect();
    // client.ts prints nothing once connected: keep saying hello until it shows up.
    for (let i = 0; !alice.lines.some((l) => l.startsWith('bob ')) && i < 100; i++) {
      await bob.room('lobby').send('hello alice');
      await new Promise((r) => setTimeout(r, 150));
    }
    await until('alice sees bob', alice.lines, (l) => l === 'bob hello alice');
  });

  it('client.ts stops at once when the token endpoint says 401 (UnauthorizedError)', async () => {
    const anon = run('client.ts', { PARLEY_URL: relay.wsUrl, TOKEN_URL: tokenBase });
    expect(await anon.exited).not.toBe(0);
    expect(anon.lines.join('\n')).toMatch(/unauthorized|logged out/);
  });

  it('connection.ts prints its state changes and token, then disconnects by request', async () => {
    const p = run('connection.ts', envFor('carol'));
    expect(await p.exited).toBe(0);
    const out = p.lines;
    expect(out).toContain('idle → connecting');
    expect(out).toContain('connecting → connected');
    expect(out).toContain('connected over websocket');
    expect(out).toContain('caught up');
    expect(out.some((l) => /^token until \d+ on connect$/.test(l))).toBe(true);
    expect(
      out.some((l) => /^closed by request\s*$/.test(l)),
      out.join('\n'),
    ).toBe(true);
  });

  it('connection.ts: a logged-out user gets "renew login" (isParleyError unauthorized)', async () => {
    const p = run('connection.ts', { PARLEY_URL: relay.wsUrl, TOKEN_URL: tokenBase });
    expect(await p.exited).toBe(0);
    expect(p.lines).toContain('please log in again: unauthorized');
    expect(p.lines).toContain('renew login');
  });

  it('rooms.ts sends JSON and text, and the outbox reports the receipt', async () => {
    const dave = await connectAs('dave');
    const seen = [];
    dave.room('lobby').on('message', (m) => m.sender.id === 'erin' && seen.push(m.body));
    await dave.connect();
    const p = run('rooms.ts', envFor('erin'));
    expect(await p.exited).toBe(0);
    const out = p.lines.join('\n');
    expect(out).toMatch(/^sending [\w-]+$/m);
    expect(out).toMatch(/^outbox [\w-]+ sent $/m);
    expect(out).toMatch(/^stored at offset \d+ epoch \S+$/m);
    expect(out).not.toMatch(/refused|not allowed/);
    await until('dave sees all three', seen, (b) => b === '{"text":"hi"}');
    expect(seen).toEqual(['{"text":"안녕하세요"}', 'plain text', '{"text":"hi"}']);
  });

  it('features.ts: members, history pages, typing and reading, seen by another user', async () => {
    const frank = await connectAs('frank');
    const room = frank.room('lobby');
    const typing = [];
    const reads = [];
    room.on('typing', ({ users }) => typing.push(...users.map((u) => u.id)));
    room.on('read', ({ user }) => reads.push(user.id));
    room.members(); // frank is present in the room too
    await frank.connect();
    for (let i = 0; i < 30; i++) await room.send(`old ${i}`); // more than one page of 25
    const p = run('features.ts', envFor('gina'));
    await until('gina is ready', p.lines, (l) => l === 'ready');
    const out = p.lines.join('\n');
    expect(out).toMatch(/^members now: 0$/m);
    expect(out).toMatch(/^render: (\d+ ){24}\d+$/m); // the newest page, oldest first
    expect(out).toMatch(/^older: \d+$/m);
    await room.typing();
    await until('gina sees frank typing', p.lines, (l) => l === 'typing line: frank typing…');
    await until('gina sees the members', p.lines, (l) => /^render: .*frank/.test(l));
    await until('frank sees gina typing', typing, (u) => u === 'gina');
    await until('frank sees gina read', reads, (u) => u === 'gina');
    await room.send('after');
    await until('gina has one unread', p.lines, (l) => l === 'unread badge: 1');
  });

  it('dm.ts writes to bob, sees him reply, type and read', async () => {
    const bob = await connectAs('bob');
    const got = [];
    const dm = bob.dm('hana');
    dm.on('message', (m) => got.push(`${m.sender.id}: ${m.body}`));
    const notices = [];
    bob.on('dm', ({ from }) => notices.push(from));
    await bob.connect();
    const p = run('dm.ts', envFor('hana'));
    await until('bob gets the DM', got, (l) => l === 'hana: hi bob');
    expect(notices).toContain('hana');
    await until('hana sees her own message', p.lines, (l) => l.startsWith('hana: hi bob'));
    dm.markRead();
    await until('hana sees bob read it', p.lines, (l) => /^bob read up to \d+$/.test(l));
    await dm.typing();
    await until('hana sees bob typing', p.lines, (l) => l === 'bob is typing');
    await dm.send('hi hana');
    await until('hana gets the answer', p.lines, (l) => l.startsWith('bob: hi hana'));
    await until('hana is notified', p.lines, (l) => l === 'notify: bob wrote to you');
  });
});
