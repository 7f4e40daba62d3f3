import { createServer } from 'node:net';
import type * as UWS from 'uWebSockets.js';

type ListenSocket = UWS.us_listen_socket;

/** The relay could not listen; `inUse` when another process holds the port. */
export class ListenError extends Error {
  override readonly name = 'ListenError';
  constructor(
    readonly host: string,
    readonly port: number,
    readonly inUse: boolean,
  ) {
    super(
      inUse
        ? `port ${port} is already in use (on ${host}): is another relay running? Stop it or set PARLEY_PORT`
        : `cannot listen on ${host}:${port} (address not available on this machine?)`,
    );
  }
}

/** Whether binding `host:port` with plain Node fails with EADDRINUSE (to explain a refusal). */
function portInUse(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'EADDRINUSE'));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(false)));
  });
}

/**
 * Listens on `host:port` without port reuse: uWS listens with SO_REUSEPORT by default, so a
 * second relay on a busy port would start silently and take half the connections. Rejects with a
 * {@link ListenError} when the port is taken or the address cannot be bound.
 */
export async function listenExclusive(
  uws: typeof UWS,
  app: UWS.TemplatedApp,
  host: string,
  port: number,
): Promise<ListenSocket> {
  // The typings lack the (host, port, options, cb) overload that the binary (and the ws
  // fallback) accept; the fallback has no constant, its value is 1.
  const exclusive =
    (uws as { LIBUS_LISTEN_EXCLUSIVE_PORT?: number }).LIBUS_LISTEN_EXCLUSIVE_PORT ?? 1;
  const listen = app.listen as unknown as (
    host: string,
    port: number,
    options: number,
    cb: (socket: ListenSocket | false) => void,
  ) => UWS.TemplatedApp;
  const socket = await new Promise<ListenSocket | false>((resolve) => {
    listen.call(app, host, port, exclusive, resolve);
  });
  if (socket) return socket;
  throw new ListenError(host, port, port !== 0 && (await portInUse(host, port)));
}
