#!/usr/bin/env node
// First step of `npm test`: says which suites will be skipped because a program they need is not
// installed, and the one command that installs it. Under CI (CI=true or CI=1) a missing program
// fails the run here instead.
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Programs some suites need: how to find each, and the Debian package that provides it. */
export const NEEDS = [
  {
    suites: 'Redis and Redis Cluster suites (relay, SDK failover)',
    found: (env) => onPath('redis-server', env) && onPath('redis-cli', env),
    what: 'redis-server and redis-cli on PATH',
    pkg: 'redis-server',
  },
  {
    suites: 'browser suites (demo page, widget) in headless Chromium',
    found: (env) => existsSync(env.PARLEY_CHROMIUM_PATH ?? '/usr/bin/chromium'),
    what: 'Chromium at /usr/bin/chromium (or PARLEY_CHROMIUM_PATH)',
    pkg: 'chromium',
  },
];

function onPath(command, env) {
  return (env.PATH ?? '').split(delimiter).some((dir) => {
    if (!dir) return false;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The report and whether the run may go on. */
export function preflight(env = process.env) {
  const ci = env.CI === 'true' || env.CI === '1';
  const missing = NEEDS.filter((n) => !n.found(env));
  const lines = NEEDS.map(
    (n) => `  ${missing.includes(n) ? (ci ? 'MISSING' : 'SKIP   ') : 'run    '} ${n.suites}`,
  );
  if (missing.length > 0) {
    lines.push(
      '',
      `  not found: ${missing.map((n) => n.what).join('; ')}`,
      `  install with: sudo apt-get install -y ${missing.map((n) => n.pkg).join(' ')}`,
    );
    if (ci) lines.push('  CI is set: a missing program is a failure, not a skip.');
  }
  return { ok: !(ci && missing.length > 0), text: `test suites:\n${lines.join('\n')}\n` };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { ok, text } = preflight();
  (ok ? process.stdout : process.stderr).write(text);
  process.exit(ok ? 0 : 1);
}
