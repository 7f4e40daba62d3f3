#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, DEV_JWT_SECRET, helpText, loadConfig } from './config.js';
import { loadStatic } from './http/static.js';
import { loadSpringExample } from './http/spring-example.js';
import { loadWidgetFiles } from './http/widget-files.js';
import type { StaticFile } from './http/static.js';
import { createLogger } from './log.js';
import { startRelay } from './server.js';
import { loadUws } from './uws.js';
import { createBackends } from './backends.js';
import type { Backends } from './backends.js';
import { devModePlan } from './dev-mode.js';
import { ListenError } from './listen.js';
import { stopOnSignals } from './lifecycle/signals.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Exit status when the port is in use or the address cannot be bound (2 config, 3 ws fallback, 4 Redis). */
const EXIT_CANNOT_LISTEN = 5;

/** Demo page and, in the workspace, the SDK's browser bundle. */
function assets(): ReturnType<typeof loadStatic> {
  const files = loadStatic(resolve(here, '../public'), '/');
  const sdk = resolve(here, '../../sdk/dist/browser');
  if (existsSync(sdk)) for (const [k, v] of loadStatic(sdk, '/sdk/')) files.set(k, v);
  // examples/spring-style: Stomp.over(new SockJS(...)) as the Spring tutorials write it.
  for (const [k, v] of loadSpringExample(resolve(here, '../../examples'))) files.set(k, v);
  return files;
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(helpText());
    return 0;
  }
  const unknown = argv.filter((a) => a !== '--dev');
  if (unknown.length > 0) {
    process.stderr.write(`parley-relay: unknown argument ${unknown[0]}\n\n${helpText()}`);
    return 2;
  }
  let config;
  try {
    config = loadConfig(process.env, { dev: argv.includes('--dev') });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`parley-relay: configuration error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  const loaded = loadUws();
  if (loaded.native) {
    log.info({ uws: 'native' }, 'uWebSockets.js native binary loaded');
  } else {
    log.warn(
      { uws: 'fallback' },
      'uWebSockets.js native binary did NOT load: running on the slow ws fallback',
    );
    if (config.production && !config.allowWsFallback) {
      log.fatal(
        'refusing to start in production on the ws fallback; set PARLEY_ALLOW_WS_FALLBACK=1 to override',
      );
      return 3;
    }
  }
  if (config.jwt.secret === DEV_JWT_SECRET) {
    log.warn(
      { devSecret: DEV_JWT_SECRET },
      `DEVELOPMENT MODE: tokens are verified with the well-known dev secret "${DEV_JWT_SECRET}". Never expose this relay; set PARLEY_JWT_SECRET for real use.`,
    );
  }
  if (config.guest.enabled) {
    log.warn(
      {
        guest: {
          ttlS: config.guest.ttlS,
          ratePerIp: config.guest.ratePerIp,
          grants: config.guest.grants,
        },
      },
      'guest mode is on: POST /api/guest hands short-lived tokens to pages of the allowed origins',
    );
  } else if (config.guest.offReason) {
    log.warn(`guest mode is off: ${config.guest.offReason}`);
  }
  if (config.dev) {
    if ((process.env.PARLEY_HOST ?? '').trim() === '') {
      log.info(
        { host: config.host },
        `development mode listens on ${config.host} only; set PARLEY_HOST=0.0.0.0 to listen on every interface`,
      );
    }
    const secret = config.jwt.secret;
    const plan = devModePlan({ host: config.host, ...(secret !== undefined && { secret }) });
    for (const warning of plan.warnings) log.warn({ devToken: plan.devToken }, warning);
  }
  let backends: Backends;
  try {
    backends = await createBackends(config, log);
  } catch (err) {
    log.fatal({ err }, `cannot reach Redis at ${config.redisUrls.join(',')}`);
    return 4;
  }
  log.info(backends.description);
  const { broker, presenceStore, readStore } = backends;
  let relay;
  try {
    // The demo page and the SDK bundle use /dev/token: development mode only.
    const files = config.dev ? assets() : new Map<string, StaticFile>();
    // The widget (loader and chat chunk) is served in every mode, so a hosted relay hosts its script tag.
    for (const [k, v] of loadWidgetFiles([
      resolve(here, 'widget'),
      resolve(here, '../../widget/dist'),
    ]))
      files.set(k, v);
    relay = await startRelay(config, {
      log,
      loaded,
      broker,
      presenceStore,
      readStore,
      files,
      ...(backends.redisMetrics && { redisMetrics: backends.redisMetrics }),
    });
  } catch (err) {
    if (!(err instanceof ListenError)) throw err;
    log.fatal({ host: err.host, port: err.port, inUse: err.inUse }, err.message);
    return EXIT_CANNOT_LISTEN;
  }
  log.info(
    { port: relay.port, host: config.host, dev: config.dev },
    `parley relay listening on http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${relay.port}/`,
  );

  // SIGTERM/SIGINT: drain over PARLEY_DRAIN_MS; a second signal ends the rest at once.
  await stopOnSignals(relay, config.drainMs, log);
  log.info('stopped');
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // uWS may keep the loop alive briefly after close; leave once logs are flushed.
    setTimeout(() => process.exit(code), 200).unref();
  },
  (err: unknown) => {
    process.stderr.write(`parley-relay: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
