/**
 * The package as users get it: the build, the browser bundle's size budget (size-limit, minified
 * + gzip, stompjs included), and `npm pack` → install the tarball with npm into an empty
 * directory → import it from Node with `ws` and chat through a real relay.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signToken, spawnRelay } from '@parley/relay/testing';
import type { RelayProcess } from '@parley/relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const run = (cmd: string, args: string[], cwd = root) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

let temp: string;
let relay: RelayProcess | undefined;

beforeAll(() => {
  run('npx', ['tsc', '-p', 'tsconfig.build.json']);
  run('node', ['scripts/bundle.mjs']);
  temp = mkdtempSync(join(tmpdir(), 'parley-sdk-pack-'));
}, 120_000);

afterAll(async () => {
  await relay?.stop();
  if (temp) rmSync(temp, { recursive: true, force: true });
});

describe('package', () => {
  it('keeps the browser bundle (SDK + stompjs, minified + gzip) within its size-limit budget', () => {
    const [result] = JSON.parse(run('npx', ['size-limit', '--json'])) as Array<{
      name: string;
      size: number;
      passed: boolean;
    }>;
    const budget = (
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
        'size-limit': Array<{ limit: string }>;
      }
    )['size-limit'][0]?.limit;
    console.log(`${result?.name}: ${result?.size} bytes (budget ${budget})`);
    expect(result?.passed).toBe(true);
  }, 60_000);

  it('npm pack gives a package that installs with npm and works from Node with ws', async () => {
    const tarball = run('npm', ['pack', '--silent', '--pack-destination', temp])
      .trim()
      .split('\n')
      .at(-1);
    expect(tarball).toMatch(/^parley-sdk-.*\.tgz$/);
    const files = run('tar', ['-tzf', join(temp, tarball ?? '')]);
    expect(files).toContain('package/dist/index.js');
    expect(files).toContain('package/dist/index.d.ts');
    expect(files).not.toContain('.test.');
    const app = join(temp, 'app');
    run('mkdir', ['-p', app]);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'app', private: true, type: 'module' }),
    );
    run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--loglevel=error', join(temp, tarball ?? ''), 'ws@8'],
      app,
    );

    relay = await spawnRelay();
    const token = signToken(relay.secret, {
      sub: 'packed',
      parley: { sub: ['/topic/room.*'], pub: ['/topic/room.*'] },
    });
    writeFileSync(
      join(app, 'main.mjs'),
      `import { createClient, ParleyError } from '@parley/sdk';
import WebSocket from 'ws';
const client = createClient({ url: process.argv[2], token: process.argv[3],
  webSocketFactory: (u, p) => new WebSocket(u, p) });
const room = client.room('packed');
const got = new Promise((r) => room.on('message', (m) => r(m.body)));
await client.connect();
await new Promise((r) => client.caughtUp ? r() : client.on('caughtUp', r));
const receipt = await room.send('hello from the tarball');
console.log(JSON.stringify({ body: await got, offset: receipt.offset, error: typeof ParleyError }));
client.dispose();
`,
    );
    const out = JSON.parse(run('node', ['main.mjs', relay.wsUrl, token], app)) as Record<
      string,
      unknown
    >;
    expect(out).toEqual({ body: 'hello from the tarball', offset: 1, error: 'function' });
  }, 180_000);
});
