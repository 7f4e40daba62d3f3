// Runs the code of docs/getting-started.md, file by file, against a real relay process.
import { spawn } from 'node:child_process';
import { spawnRelay } from '@parley/relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = new URL('.', import.meta.url).pathname;
const children = [];

/** Starts `node <file>` here with `env`; `lines` collects its stdout and stderr lines. */
function run(file, env) {
  const child = spawn(process.execPath, [file], {
    cwd: here,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines = [];
  const collect = (chunk) => lines.push(...chunk.toString().split('\n').filter(Boolean));
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  return { child, lines };
}

async function until(what, lines, predicate, ms = 15_000) {
  for (const end = Date.now() + ms; Date.now() < end;) {
    const hit = lines.find(predicate);
    if (hit !== undefined) return hit;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${what} did not happen; output:\n${lines.join('\n')}`);
}

describe('examples/getting-started', () => {
  let relay;
  let tokenUrl;
  beforeAll(async () => {
    relay = await spawnRelay();
    const server = run('token-server.mjs', { PARLEY_JWT_SECRET: relay.secret, PORT: '0' });
    const line = await until('token server start', server.lines, (l) => l.includes('http://'));
    tokenUrl = `${/http:\/\/\S+/.exec(line)[0]}?room=42`;
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await relay?.stop();
  });

  it('token-server.mjs signs a token for a logged-in user only', async () => {
    const ok = await fetch(tokenUrl, { headers: { 'x-demo-user': 'alice' } });
    expect(ok.status).toBe(200);
    expect((await ok.text()).split('.')).toHaveLength(3);
    expect((await fetch(tokenUrl)).status).toBe(401);
  });

  it('client.mjs (SDK) and stomp-client.mjs (plain STOMP) chat in room 42 through the relay', async () => {
    const env = { PARLEY_URL: relay.wsUrl, TOKEN_URL: tokenUrl };
    const alice = run('client.mjs', env);
    await until('alice sees her own message', alice.lines, (l) => l === 'alice: hello from alice');
    const bob = run('stomp-client.mjs', env);
    await until('bob sees his message', bob.lines, (l) => l.startsWith('bob {"text":"hi from'));
    await until('alice sees bob', alice.lines, (l) => l === 'bob: hi from plain STOMP');
    expect([...alice.lines, ...bob.lines].join('\n')).not.toMatch(/error|forbidden/i);
  });
});
