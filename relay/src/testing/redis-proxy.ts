import { createConnection, createServer } from 'node:net';
import type { Socket } from 'node:net';

/**
 * A loopback TCP proxy in front of one Redis server that can hold down some of a client's
 * connections while letting the others through: each connection is recognised by the name its
 * client gives itself in its handshake (`CLIENT SETNAME`, or `HELLO … SETNAME`), e.g. the
 * relay's `parley-relay` (commands) and `parley-relay-sub` (pub/sub). For tests.
 */
export interface RedisProxy {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Cuts every connection named `name` and refuses new ones (before their handshake ends). */
  block(name: string): void;
  /** Lets connections named `name` through again. */
  unblock(name: string): void;
  /** Names of the connections through the proxy right now ('' while not yet known). */
  names(): string[];
  /** How many connections named `name` were cut or refused so far. */
  refused(name: string): number;
  /** Stops listening and cuts every connection. */
  close(): Promise<void>;
}

const SETNAME = /SETNAME\r\n\$\d+\r\n([^\r]*)\r\n/;
/** Bytes of a connection's start searched for its name; past this it stays unnamed. */
const HANDSHAKE_BYTES = 4096;

interface Pipe {
  client: Socket;
  server: Socket;
  name: string | undefined;
}

/** Starts a proxy on a free loopback port in front of `127.0.0.1:<redisPort>`. */
export async function startRedisProxy(redisPort: number): Promise<RedisProxy> {
  const pipes = new Set<Pipe>();
  const blocked = new Set<string>();
  const refusals = new Map<string, number>();
  const cut = (pipe: Pipe): void => {
    const name = pipe.name ?? '';
    refusals.set(name, (refusals.get(name) ?? 0) + 1);
    pipe.client.destroy();
    pipe.server.destroy();
  };
  const proxy = createServer((client) => {
    const server = createConnection({ host: '127.0.0.1', port: redisPort });
    const pipe: Pipe = { client, server, name: undefined };
    pipes.add(pipe);
    let start = '';
    const end = (): void => {
      pipes.delete(pipe);
      client.destroy();
      server.destroy();
    };
    client.on('error', end).on('close', end);
    server.on('error', end).on('close', end);
    client.on('data', (chunk: Buffer) => {
      if (pipe.name === undefined) {
        start += chunk.toString('latin1');
        const m = SETNAME.exec(start);
        if (m) pipe.name = m[1] ?? '';
        else if (start.length > HANDSHAKE_BYTES) pipe.name = '';
        if (pipe.name !== undefined && blocked.has(pipe.name)) {
          // Never forward the handshake: the client's connection does not become ready.
          cut(pipe);
          return;
        }
      }
      server.write(chunk);
    });
    server.on('data', (chunk: Buffer) => client.write(chunk));
  });
  await new Promise<void>((resolve, reject) => {
    proxy.once('error', reject);
    proxy.listen(0, '127.0.0.1', () => resolve());
  });
  const address = proxy.address();
  if (!address || typeof address !== 'object') throw new Error('proxy has no port');
  const port = address.port;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    block(name) {
      blocked.add(name);
      for (const pipe of pipes) if (pipe.name === name) cut(pipe);
    },
    unblock(name) {
      blocked.delete(name);
    },
    names: () => [...pipes].map((p) => p.name ?? ''),
    refused: (name) => refusals.get(name) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const pipe of pipes) {
          pipe.client.destroy();
          pipe.server.destroy();
        }
        proxy.close(() => resolve());
      }),
  };
}
