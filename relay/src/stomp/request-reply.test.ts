import { describe, expect, it } from 'vitest';
import type { Frame } from '../codec/index.js';
import type { LocalSubscription } from './hub-contract.js';
import { replyHeaders, replySubscription } from './request-reply.js';

const frame = (headers: Array<[string, string]>): Frame => ({
  command: 'SEND',
  headers,
  body: new Uint8Array(),
});
const sub = { id: 's-1', destination: '/user/queue/reads' } as LocalSubscription;
const find = (d: string): LocalSubscription | undefined =>
  d === '/user/queue/reads' ? sub : undefined;

describe('request/reply', () => {
  it('finds the reply-to subscription, or says what is missing', () => {
    expect(replySubscription(frame([['reply-to', '/user/queue/reads']]), find, 'x', 'e')).toBe(sub);
    expect(() =>
      replySubscription(frame([]), find, 'a reads request', '/user/queue/reads'),
    ).toThrow(
      'a reads request needs reply-to naming one of your subscriptions, e.g. /user/queue/reads',
    );
    expect(() =>
      replySubscription(frame([['reply-to', '/user/queue/other']]), find, 'x', 'e'),
    ).toThrow(/needs reply-to/);
  });

  it('puts the kind first and the request id last', () => {
    expect(
      replyHeaders(frame([['parley-request-id', 'q-1']]), 'reads', [['parley-epoch', 'e1']]),
    ).toEqual([
      ['parley-kind', 'reads'],
      ['parley-epoch', 'e1'],
      ['parley-request-id', 'q-1'],
    ]);
    expect(replyHeaders(frame([]), 'history', [])).toEqual([['parley-kind', 'history']]);
  });
});
