#!/usr/bin/env node
// Runs the workspace's pinned pnpm (package.json "packageManager") with the given arguments, so a
// machine with only Node 20 and npm needs no set-up: `npm start` and `npm test` come through here.
//   - pnpm is the global one when it is exactly the pinned version, else `npx --yes pnpm@<version>`
//     (npm downloads it once into its cache; no global install, no corepack);
//   - before running, the dependencies are installed when node_modules is missing or was installed
//     from another pnpm-lock.yaml (`--frozen-lockfile` under CI).
import { spawn, spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const STAMP = join(root, 'node_modules', '.parley-install-stamp');

/** `10.34.9` from `"packageManager": "pnpm@10.34.9"`. */
export function pinnedVersion(pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))) {
  const m = /^pnpm@(\d+\.\d+\.\d+)/.exec(pkg.packageManager ?? '');
  if (!m) throw new Error('package.json has no "packageManager": "pnpm@x.y.z"');
  return m[1];
}

/** What decides whether an install is current: the lockfile and the workspace list. */
function installKey() {
  const hash = createHash('sha256');
  for (const f of ['pnpm-lock.yaml', 'pnpm-workspace.yaml', '.npmrc']) {
    const p = join(root, f);
    if (existsSync(p)) hash.update(f).update(readFileSync(p));
  }
  return hash.digest('hex');
}

/** CI=1 counts as CI=true for every tool below (the test helpers look for "true"). */
export function childEnv(env = process.env) {
  return env.CI === '1' ? { ...env, CI: 'true' } : { ...env };
}

function pnpmCommand(version) {
  const global = spawnSync('pnpm', ['--version'], { encoding: 'utf8', shell: false });
  if (global.status === 0 && global.stdout.trim() === version) return ['pnpm'];
  return ['npx', '--yes', `pnpm@${version}`];
}

function run(argv, env) {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: root, stdio: 'inherit', env });
    const forward = (signal) => child.kill(signal);
    process.on('SIGINT', forward).on('SIGTERM', forward);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward).off('SIGTERM', forward);
      resolve(code ?? 128 + (constants.signals[signal] ?? 0));
    });
    child.on('error', (err) => {
      console.error(`cannot run ${argv[0]}: ${err.message}`);
      resolve(127);
    });
  });
}

async function main(args) {
  const env = childEnv();
  const pnpm = pnpmCommand(pinnedVersion());
  const key = installKey();
  const installed = existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === key;
  if (!installed || !existsSync(join(root, 'node_modules', '.modules.yaml'))) {
    const ci = env.CI === 'true';
    console.error(`> ${pnpm.join(' ')} install${ci ? ' --frozen-lockfile' : ''}`);
    const code = await run([...pnpm, 'install', ...(ci ? ['--frozen-lockfile'] : [])], env);
    if (code !== 0) return code;
    writeFileSync(STAMP, `${key}\n`);
  }
  if (args.length === 0) return 0;
  return run([...pnpm, ...args], env);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
