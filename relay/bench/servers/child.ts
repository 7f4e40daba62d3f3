import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

/** A server under test running as a child process. */
export interface ChildServer {
  readonly child: ChildProcess;
  readonly pid: number;
  /** The capture groups of the line that said it was ready. */
  readonly match: RegExpExecArray;
  /** The last 64 KiB it printed. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
  kill(): Promise<void>;
  /** Resolves when the process exits by itself or otherwise. */
  readonly exited: Promise<number | null>;
}

export interface SpawnOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** A line matching this is the sign that the server is ready. */
  ready: RegExp;
  timeoutMs?: number;
  /** Shell-level open-files limit for the child (`prlimit` is not needed: we go through sh). */
  nofile?: number;
}

const KEEP = 64 * 1024;

/** Every server still running, so that an interrupted run leaves none behind. */
const live = new Set<ChildProcess>();

/** Kills every server this process started that is still running (SIGKILL). */
export function killAllServers(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

/** The last thing a process said, in a line: pino's `msg` when it logs JSON. */
export function lastWords(out: string): string {
  const lines = out.trim().split('\n').filter(Boolean);
  const last = lines.at(-1) ?? '(no output)';
  try {
    const json = JSON.parse(last) as { msg?: unknown };
    if (typeof json.msg === 'string') return json.msg;
  } catch {
    // not JSON
  }
  return last.slice(0, 300);
}

/** Spawns a server and resolves once it prints a line matching `ready`. */
export function spawnServer(
  command: string,
  args: string[],
  options: SpawnOptions,
): Promise<ChildServer> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  live.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      live.delete(child);
      resolve(code);
    }),
  );
  return new Promise<ChildServer>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(
      () => fail(new Error(`${command} did not start within ${options.timeoutMs ?? 30_000} ms`)),
      options.timeoutMs ?? 30_000,
    );
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${err.message}\n--- output ---\n${out.slice(-4000)}`));
    };
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      if (out.length > 2 * KEEP) out = out.slice(-KEEP);
      if (settled) return;
      const m = options.ready.exec(out);
      if (!m) return;
      settled = true;
      clearTimeout(timer);
      const stop = async (graceMs = 5000): Promise<void> => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(t);
      };
      resolve({
        child,
        pid: child.pid!,
        match: m,
        output: () => out,
        stop,
        kill: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
        },
        exited,
      });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) =>
      fail(new Error(`${command} exited with ${code} before it was ready: ${lastWords(out)}`)),
    );
  });
}
