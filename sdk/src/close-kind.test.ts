import { describe, expect, it } from 'vitest';
import { classifyClose } from './close-kind.js';
import { ParleyError } from './errors.js';
import type { ParleyReason } from './errors.js';

const ctx = { staticToken: false, refreshing: false, checkingLink: false, shutdownSpreadMs: 5000 };
const err = (reason: ParleyReason, headers: Record<string, string> = {}) =>
  new ParleyError(reason, reason, { headers });

describe('classifyClose', () => {
  it.each([
    ['connection-closed', 'transient'],
    ['heartbeat-timeout', 'transient'],
    ['forbidden', 'transient'],
    ['token-expired', 'auth'],
    ['token-invalid', 'auth'],
    ['unauthorized', 'unauthorized'],
    ['version-unsupported', 'fatal'],
  ] as const)('%s → %s', (reason, kind) => {
    expect(classifyClose(err(reason), ctx).kind).toBe(kind);
  });

  it('gives up on a refused static token, and treats a dead link found on visibility as stale', () => {
    expect(classifyClose(err('token-expired'), { ...ctx, staticToken: true }).kind).toBe('fatal');
    expect(classifyClose(err('connection-closed'), { ...ctx, checkingLink: true }).kind).toBe(
      'stale',
    );
  });

  it('uses the relay hint for the shutdown spread, else the default', () => {
    expect(
      classifyClose(err('server-shutdown', { 'parley-reconnect-after': '1200' }), ctx),
    ).toEqual({
      kind: 'shutdown',
      spreadMs: 1200,
    });
    expect(classifyClose(err('server-shutdown'), ctx).spreadMs).toBe(5000);
  });

  it('recognises a relay without /parley/token only during a refresh', () => {
    expect(classifyClose(err('destination-invalid'), { ...ctx, refreshing: true }).kind).toBe(
      'refresh-unsupported',
    );
    expect(classifyClose(err('destination-invalid'), ctx).kind).toBe('transient');
  });
});
