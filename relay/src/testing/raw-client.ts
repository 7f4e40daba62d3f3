import WebSocket from 'ws';
import type { Frame } from '../codec/index.js';
import { StompParser } from '../codec/index.js';

/** A bare WebSocket client that writes raw bytes and parses what comes back. For tests. */
export interface RawStompClient {
  readonly frames: Frame[];
  /** Number of heart-beat EOLs received. */
  readonly heartbeats: number;
  send(data: string | Uint8Array): void;
  /** Resolves with the next frame of that command (already received ones count). */
  next(command: string, timeoutMs?: number): Promise<Frame>;
  /** Resolves with the close code once the server closed the socket. */
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

/** Opens `url` with the STOMP 1.2 sub-protocol (unless `protocols` says otherwise). */
export async function rawStomp(
  url: string,
  options: { protocols?: string[]; headers?: Record<string, string> } = {},
): Promise<RawStompClient> {
  const ws = new WebSocket(url, options.protocols ?? ['v12.stomp'], { headers: options.headers });
  const frames: Frame[] = [];
  let heartbeats = 0;
  const waiters: Array<() => void> = [];
  const parser = new StompParser(
    {
      onFrame: (f) => {
        frames.push(f);
        for (const w of waiters.splice(0)) w();
      },
      onHeartbeat: () => void heartbeats++,
    },
    { maxFrameSize: 64 * 1024 * 1024 },
  );
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const w of waiters.splice(0)) w();
    });
  });
  ws.on('message', (data: Buffer) => parser.push(new Uint8Array(data)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  const consumed = new Set<Frame>();
  return {
    frames,
    get heartbeats() {
      return heartbeats;
    },
    send: (data) => ws.send(data),
    next: (command, timeoutMs = 5000) =>
      new Promise<Frame>((resolve, reject) => {
        const t = setTimeout(
          () =>
            reject(
              new Error(
                `no ${command} frame within ${timeoutMs} ms; got ${frames.map((f) => f.command).join(',')}`,
              ),
            ),
          timeoutMs,
        );
        const check = (): void => {
          const f = frames.find((x) => x.command === command && !consumed.has(x));
          if (f) {
            consumed.add(f);
            clearTimeout(t);
            resolve(f);
            return;
          }
          if (ws.readyState === WebSocket.CLOSED) {
            clearTimeout(t);
            reject(new Error(`socket closed before a ${command} frame`));
            return;
          }
          waiters.push(check);
        };
        check();
      }),
    closed,
    close: () => ws.close(),
  };
}

/** A CONNECT frame with a bearer token. */
export function connectFrame(
  token: string | undefined,
  extra: Record<string, string> = {},
): string {
  const headers: Record<string, string> = { 'accept-version': '1.2', host: 'localhost', ...extra };
  if (token !== undefined) headers.Authorization = `Bearer ${token}`;
  return `CONNECT\n${Object.entries(headers)
    .map(([k, v]) => `${k}:${v}`)
    .join('\n')}\n\n\0`;
}
