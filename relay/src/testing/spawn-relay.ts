import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A relay running as a child process, for integration tests. */
export interface RelayProcess {
  /** `ws://127.0.0.1:<port>/ws` */
  wsUrl: string;
  /** `http://127.0.0.1:<port>` */
  httpUrl: string;
  port: number;
  /** Process id of the relay (for /proc/<pid>/status and liveness checks). */
  pid?: number;
  /** The HS256 secret the relay verifies tokens with. */
  secret: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Sends SIGTERM and waits for exit (SIGKILL after 5 s). Resolves to the exit code. */
  stop(): Promise<number | null>;
  /** Sends SIGKILL and waits for exit. */
  kill(): Promise<void>;
  /** Sends `signal` and returns at once (a drain takes its time: await {@link exited}). */
  signal(signal: NodeJS.Signals): void;
  /** Resolves with the exit code once the process has exited. */
  exited(): Promise<number | null>;
}

export interface SpawnRelayOptions {
  /**
   * Extra environment; `PARLEY_PORT` defaults to 0 (a free port), the secret to a test one, the
   * per-address connection limits to off (every test client is on 127.0.0.1) and the drain
   * window (`PARLEY_DRAIN_MS`) to 0.
   */
  env?: Record<string, string>;
  /** Extra command-line arguments, e.g. `['--dev']`. */
  args?: string[];
  /** How long to wait for the listening log line. */
  timeoutMs?: number;
}

export const TEST_SECRET = 'parley-test-secret-0123456789abcdef';

const here = dirname(fileURLToPath(import.meta.url));
const relayRoot = resolve(here, '../..');

/** The command that runs the relay: built `dist/main.js` next to us, or the TS source through tsx. */
function command(): string[] {
  const fromSource = import.meta.url.endsWith('.ts');
  if (!fromSource) return [resolve(here, '../main.js')];
  return ['--import', 'tsx', resolve(relayRoot, 'src/main.ts')];
}

/** Starts a relay process on a free loopback port and resolves once it listens. */
export function spawnRelay(options: SpawnRelayOptions = {}): Promise<RelayProcess> {
  const secret = options.env?.PARLEY_JWT_SECRET ?? TEST_SECRET;
  const env: Record<string, string | undefined> = {
    ...process.env,
    NODE_ENV: 'test',
    PARLEY_HOST: '127.0.0.1',
    PARLEY_PORT: '0',
    PARLEY_LOG_LEVEL: 'debug',
    PARLEY_JWT_SECRET: secret,
    // Test clients all come from 127.0.0.1: per-address limits are off unless a test sets them.
    PARLEY_MAX_CONNECTIONS_PER_IP: '0',
    PARLEY_CONNECT_RATE_PER_IP: '0',
    // stop() sends SIGTERM and SIGKILLs after 5 s: end the sessions at once unless a test drains.
    PARLEY_DRAIN_MS: '0',
    ...options.env,
  };
  if (options.args?.includes('--dev') && options.env?.PARLEY_JWT_SECRET === undefined) {
    delete env.PARLEY_JWT_SECRET;
  }
  const child = spawn(process.execPath, [...command(), ...(options.args ?? [])], {
    cwd: relayRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise<RelayProcess>((resolvePromise, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`relay did not start within ${options.timeoutMs ?? 15000} ms:\n${out}`)),
      options.timeoutMs ?? 15_000,
    );
    const fail = (err: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const m = /"port":(\d+)[^\n]*listening/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      const port = Number(m[1]);
      resolvePromise({
        port,
        pid: child.pid,
        wsUrl: `ws://127.0.0.1:${port}/ws`,
        httpUrl: `http://127.0.0.1:${port}`,
        secret: options.args?.includes('--dev')
          ? 'parley-dev-secret-do-not-use-in-production'
          : secret,
        output: () => out,
        stop: async () => {
          if (child.exitCode !== null) return child.exitCode;
          child.kill('SIGTERM');
          const t = setTimeout(() => child.kill('SIGKILL'), 5000);
          const code = await exited;
          clearTimeout(t);
          return code;
        },
        kill: async () => {
          if (child.exitCode === null) child.kill('SIGKILL');
          await exited;
        },
        signal: (signal) => {
          if (child.exitCode === null) child.kill(signal);
        },
        exited: () => exited,
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) =>
      fail(new Error(`relay exited with ${code} before listening:\n${out}`)),
    );
  });
}
