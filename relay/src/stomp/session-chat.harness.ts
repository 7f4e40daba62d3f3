/** Test support for the chat features of Session (read marks, /parley/reads, DMs). */
import type { Principal } from '../auth/principal.js';
import type { Frame } from '../codec/index.js';
import { header } from '../codec/index.js';
import { MemoryReadStore } from '../reads/memory-read-store.js';
import { ReadService } from '../reads/read-service.js';
import { StompError } from '../reasons.js';
import { harness } from './session.harness.js';
import type { FakeTransport, Harness } from './session.harness.js';

export const ROOMS = {
  sub: ['/topic/room.*', '/queue/jobs'],
  pub: ['/topic/room.*', '/user/*/queue/dm.*'],
};
export const PRINCIPALS: Record<string, Principal> = {
  alice: { userId: 'alice', name: 'Alice', grants: ROOMS },
  bob: { userId: 'bob', grants: ROOMS },
  reader: { userId: 'reader', grants: { sub: ['/topic/room.*'], pub: [] } },
  outsider: { userId: 'outsider', grants: { sub: [], pub: [] } },
  carol: { userId: 'carol', grants: ROOMS },
  'bad/id': { userId: 'bad/id', grants: { sub: [], pub: ['/user/**'] } },
};

/** A harness whose verifier knows {@link PRINCIPALS} by user id, with read positions. */
export function chatHarness(): Harness {
  const h = harness({
    verify: (token) => {
      const p = PRINCIPALS[token];
      return p ? Promise.resolve(p) : Promise.reject(new StompError('token-invalid', 'no'));
    },
  });
  const store = new MemoryReadStore({ ttlMs: 60_000 });
  h.ctx.reads = new ReadService({ store, broker: h.broker, listLimit: 10 });
  return h;
}

export const receiptOf = (t: FakeTransport, id: string): Frame | undefined =>
  t.frames.find((f) => f.command === 'RECEIPT' && header(f, 'receipt-id') === id);
