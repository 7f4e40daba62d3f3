import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from '../util/clock.js';
import { freePort, openFilesLimit } from '../util/proc.js';

export interface RabbitServer {
  url: string;
  pid: number;
  version: string;
  /** 'private' = a node the benchmark started; 'system' = the machine's own node. */
  kind: 'private' | 'system';
  /** Open-files limit of the node (bounds its connections). */
  nofile: number;
  stop(): Promise<void>;
}

const SERVER_BIN = '/usr/lib/rabbitmq/bin/rabbitmq-server';

export function rabbitVersion(): string {
  try {
    const dirs = readdirSync('/usr/lib/rabbitmq/lib').filter((d) =>
      d.startsWith('rabbitmq_server-'),
    );
    return dirs[0]?.slice('rabbitmq_server-'.length) ?? 'unknown';
  } catch {
    return 'not installed';
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** The Erlang VM (beam.smp) whose parent is `parent`, or with `user` as owner when no parent. */
function findBeam(match: { parent?: number; user?: string }): number | undefined {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'latin1');
      if (!stat.includes('(beam.smp)')) continue;
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (match.parent !== undefined && ppid === match.parent) return Number(d);
      if (match.user !== undefined) {
        const status = readFileSync(`/proc/${d}/status`, 'latin1');
        const uid = /Uid:\s+(\d+)/.exec(status)?.[1];
        const passwd = readFileSync('/etc/passwd', 'latin1');
        const line = passwd.split('\n').find((l) => l.split(':')[2] === uid);
        if (line?.startsWith(`${match.user}:`)) return Number(d);
      }
    } catch {
      // gone
    }
  }
  return undefined;
}

/**
 * Starts a private RabbitMQ node with only Web-STOMP enabled, on free loopback ports, with an
 * open-files limit of 20 000 (the machine's node has 1 024, which caps it near 830 sockets:
 * too few for these scenarios). Its data lives in a temporary folder removed at stop.
 * Falls back to the machine's node at ws://127.0.0.1:15674/ws when the private one can't start.
 */
export async function startRabbit(log: (s: string) => void): Promise<RabbitServer> {
  const version = rabbitVersion();
  if (existsSync(SERVER_BIN)) {
    const dir = mkdtempSync(join(tmpdir(), 'parley-bench-rabbit-'));
    const name = `parleybench${process.pid}`;
    let spawned: number | undefined;
    try {
      const [amqp, stomp, dist] = [await freePort(), await freePort(), await freePort()];
      mkdirSync(join(dir, 'mnesia'));
      mkdirSync(join(dir, 'log'));
      writeFileSync(join(dir, 'enabled_plugins'), '[rabbitmq_web_stomp].\n');
      writeFileSync(
        join(dir, 'rabbitmq.conf'),
        [
          `listeners.tcp.local = 127.0.0.1:${amqp}`,
          `web_stomp.tcp.port = ${stomp}`,
          'web_stomp.tcp.ip = 127.0.0.1',
          'web_stomp.max_connections = infinity',
          // Cowboy closes a WebSocket that has sent nothing for 60 s; idle subscribers are the point.
          'web_stomp.ws_opts.idle_timeout = 86400000',
          'stomp.listeners.tcp = none',
          'loopback_users = none',
          'log.console = false',
          '',
        ].join('\n'),
      );
      writeFileSync(join(dir, 'env.conf'), 'ERL_EPMD_ADDRESS=127.0.0.1\n');
      const env = {
        ...process.env,
        HOME: dir,
        RABBITMQ_CONF_ENV_FILE: join(dir, 'env.conf'),
        RABBITMQ_NODENAME: `${name}@localhost`,
        RABBITMQ_DIST_PORT: String(dist),
        RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
        RABBITMQ_LOG_BASE: join(dir, 'log'),
        RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
        RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
        ERL_EPMD_ADDRESS: '127.0.0.1',
        RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
      };
      const child = spawn('sh', ['-c', `ulimit -n 20000 && exec ${SERVER_BIN}`], {
        env,
        stdio: 'ignore',
        detached: false,
      });
      spawned = child.pid;
      let exited = false;
      child.once('exit', () => (exited = true));
      const until = Date.now() + 60_000;
      while (!(await canConnect(stomp))) {
        if (exited || Date.now() > until) throw new Error('private RabbitMQ node did not start');
        await sleep(250);
      }
      const pid = findBeam({ parent: child.pid! });
      if (pid === undefined) throw new Error('cannot find the private RabbitMQ node process');
      return {
        url: `ws://127.0.0.1:${stomp}/ws`,
        pid,
        version,
        kind: 'private',
        nofile: openFilesLimit(pid),
        async stop() {
          try {
            process.kill(pid, 'SIGTERM');
          } catch {
            // already gone
          }
          const t = Date.now() + 15_000;
          while (existsSync(`/proc/${pid}`) && Date.now() < t) await sleep(100);
          if (existsSync(`/proc/${pid}`)) process.kill(pid, 'SIGKILL');
          child.kill('SIGKILL');
          rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      log(
        `  private RabbitMQ node: ${err instanceof Error ? err.message : String(err)}; trying the machine's node`,
      );
      const pid = findBeam({ parent: spawned ?? -1 });
      if (pid !== undefined) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (!(await canConnect(15674))) {
    throw new Error(
      'RabbitMQ Web-STOMP is not reachable: run `rabbitmq-plugins enable rabbitmq_web_stomp`',
    );
  }
  const pid = findBeam({ user: 'rabbitmq' }) ?? 0;
  const nofile = openFilesLimit(pid);
  return {
    url: 'ws://127.0.0.1:15674/ws',
    pid,
    version,
    kind: 'system',
    nofile,
    async stop() {},
  };
}
