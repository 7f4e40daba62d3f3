/**
 * Small node:http servers the attack suite runs beside the relay: a JWKS endpoint the test can
 * rotate, and "attacker" servers that record whether the relay ever called them.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** `METHOD path` of every request received, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** Starts a loopback HTTP server; without a handler it answers 404 to everything (and records it). */
export async function localServer(
  handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(404).end();
  },
): Promise<LocalServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method ?? '?'} ${req.url ?? ''}`);
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A JWKS endpoint at `/jwks.json` whose key set the test replaces at will. */
export interface JwksServer extends LocalServer {
  /** The JWKS URL to give the relay. */
  jwksUrl: string;
  setKeys(keys: Array<Record<string, unknown>>): void;
  /** From now on answer 500 with `body` (`undefined`: serve the keys again). */
  fail(body: string | undefined): void;
}

export async function jwksServer(keys: Array<Record<string, unknown>>): Promise<JwksServer> {
  let current = keys;
  let failure: string | undefined;
  const server = await localServer((req, res) => {
    if (req.url !== '/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    if (failure !== undefined) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(failure);
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ keys: current }));
  });
  return {
    ...server,
    jwksUrl: `${server.url}/jwks.json`,
    setKeys: (next) => {
      current = next;
    },
    fail: (body) => {
      failure = body;
    },
  };
}
