/**
 * @parley/sdk as a subscriber in the attack suite. The relay package cannot depend on the SDK
 * (the SDK's tests depend on the relay), so the SDK's built `dist/` is loaded by path, typed
 * here by the little the suite uses. `pnpm test` builds it first; alone, run `pnpm build`.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import WebSocket from 'ws';

export interface SdkMessage {
  readonly body: string;
  readonly sender: { readonly id: string; readonly name?: string };
  readonly offset: number;
  readonly epoch: string;
  readonly timestamp: Date;
  readonly headers: Readonly<Record<string, string>>;
}

export interface SdkClient {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  room(id: string): { on(event: 'message', listener: (m: SdkMessage) => void): () => void };
}

interface SdkModule {
  createClient(options: {
    url: string;
    token: string;
    heartbeatMs?: number;
    webSocketFactory: (url: string, protocols: string[]) => unknown;
  }): SdkClient;
}

const sdkEntry = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../sdk/dist/index.js');

/** A connected SDK client for `token`. */
export async function sdkClient(url: string, token: string): Promise<SdkClient> {
  if (!existsSync(sdkEntry)) {
    throw new Error(`@parley/sdk is not built (${sdkEntry} is missing): run pnpm build first`);
  }
  const sdk = (await import(pathToFileURL(sdkEntry).href)) as SdkModule;
  const client = sdk.createClient({
    url,
    token,
    heartbeatMs: 0,
    webSocketFactory: (u, protocols) => new WebSocket(u, protocols),
  });
  await client.connect();
  return client;
}
