import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Principal } from '../auth/principal.js';
import { header } from '../codec/index.js';
import { StompError } from '../reasons.js';
import type { SessionContext } from './session.js';
import {
  ALICE,
  BOB,
  FAKE_TIMERS,
  LIMITS,
  ROOM,
  closeAll,
  connected,
  errorOf,
  frame,
  harness,
  messages,
  settle,
} from './session.harness.js';
import { TOKEN_DESTINATION } from './token-refresh.js';

const LOBBY = '/topic/lobby.1';

/** Tokens of this file's verifier: each names the principal it stands for. */
function verifier(now: () => number): SessionContext['verify'] {
  const tokens: Record<string, () => Principal> = {
    good: () => ALICE,
    'alice-5s': () => ({ ...ALICE, expiresAt: now() + 5000 }),
    'alice-60s': () => ({ ...ALICE, expiresAt: now() + 60_000 }),
    'alice-forever': () => ALICE,
    'alice-lobby-only': () => ({
      ...ALICE,
      expiresAt: now() + 60_000,
      grants: { sub: ['/topic/lobby.*'], pub: [] },
    }),
    'good-bob': () => BOB,
  };
  return (token) => {
    if (token === 'expired') {
      return Promise.reject(new StompError('token-expired', 'token expired'));
    }
    const p = tokens[token];
    return p
      ? Promise.resolve(p())
      : Promise.reject(new StompError('token-invalid', 'invalid token: invalid signature'));
  };
}

const refresh = (token: string, extra: Record<string, string> = {}): Uint8Array =>
  frame('SEND', { destination: TOKEN_DESTINATION, receipt: 'tok-1', ...extra }, token);

afterEach(() => {
  closeAll();
  vi.useRealTimers();
});

describe('token refresh (SEND /parley/token)', () => {
  it('moves the expiry: the old one passes, the connection stays, the new one ends it', async () => {
    vi.useFakeTimers(FAKE_TIMERS);
    const h = harness({ verify: verifier(Date.now) });
    const { session, transport } = await connected(h, 'alice-5s');
    vi.advanceTimersByTime(2000);
    session.onData(refresh('alice-60s'));
    await settle();
    const receipt = transport.only('RECEIPT');
    expect(header(receipt, 'receipt-id')).toBe('tok-1');
    const exp = Math.floor((Date.now() + 60_000) / 1000);
    expect(header(receipt, 'parley-token-exp')).toBe(String(exp));
    expect(header(receipt, 'parley-revoked')).toBeUndefined();
    expect(session.principal?.expiresAt).toBe(Date.now() + 60_000);
    vi.advanceTimersByTime(10_000);
    expect(session.state).toBe('connected');
    expect(transport.closes).toEqual([]);
    vi.advanceTimersByTime(50_000);
    expect(errorOf(transport).reason).toBe('token-expired');
    expect(transport.closes).toEqual([[4000, 'token-expired']]);
  });

  it('keeps one deadline timer however often the token is refreshed', async () => {
    vi.useFakeTimers(FAKE_TIMERS);
    const h = harness({ verify: verifier(Date.now) });
    const { session } = await connected(h, 'alice-5s');
    const base = vi.getTimerCount();
    for (let i = 0; i < 20; i++) session.onData(refresh('alice-60s'));
    await settle();
    // The CONNECT deadline is still armed (it no longer ends the session) plus one re-armed one.
    expect(vi.getTimerCount()).toBe(base + 1);
    session.onData(refresh('alice-forever'));
    await settle();
    expect(vi.getTimerCount()).toBe(base);
    vi.advanceTimersByTime(3_600_000);
    expect(session.state).toBe('connected');
  });

  it('without exp, answers without parley-token-exp', async () => {
    const h = harness({ verify: verifier(Date.now) });
    const { session, transport } = await connected(h, 'good');
    session.onData(refresh('alice-forever'));
    await settle();
    expect(header(transport.only('RECEIPT'), 'parley-token-exp')).toBeUndefined();
  });

  it('refuses a token for another user: token-invalid, then close', async () => {
    const h = harness({ verify: verifier(Date.now) });
    const { session, transport } = await connected(h, 'good');
    session.onData(refresh('good-bob'));
    await settle();
    const e = errorOf(transport);
    expect(e.reason).toBe('token-invalid');
    expect(e.message).toBe('token is for another user');
    expect(header(e.frame, 'receipt-id')).toBe('tok-1');
    expect(transport.closes).toEqual([[4000, 'token-invalid']]);
    expect(session.principal?.userId).toBe('alice');
  });

  it('refuses a bad or expired token with the reason CONNECT would give', async () => {
    for (const [token, reason] of [
      ['forged', 'token-invalid'],
      ['expired', 'token-expired'],
    ] as const) {
      const h = harness({ verify: verifier(Date.now) });
      const { session, transport } = await connected(h, 'good');
      session.onData(refresh(token));
      await settle();
      expect(errorOf(transport).reason).toBe(reason);
      expect(transport.closes).toEqual([[4000, reason]]);
    }
  });

  it('verifies with the CONNECT verifier, on the trimmed body', async () => {
    const seen: string[] = [];
    const verify = verifier(Date.now);
    const h = harness({ verify: (t) => (seen.push(t), verify(t)) });
    const { session } = await connected(h, 'good');
    session.onData(refresh('  alice-60s\n'));
    await settle();
    expect(seen).toEqual(['good', 'alice-60s']);
  });

  it('ends subscriptions the new grants do not cover and lists them in the RECEIPT', async () => {
    const h = harness({ verify: verifier(Date.now) });
    const { session, transport } = await connected(h, 'good');
    session.onData(frame('SUBSCRIBE', { id: 'room,1', destination: ROOM }));
    session.onData(frame('SUBSCRIBE', { id: 'lobby', destination: LOBBY }));
    await settle();
    expect(h.hub.size).toBe(2);
    session.onData(refresh('alice-lobby-only'));
    await settle();
    expect(header(transport.only('RECEIPT'), 'parley-revoked')).toBe('room%2C1');
    expect(h.hub.size).toBe(1);
    await h.broker.publish({ destination: ROOM, body: new Uint8Array(), headers: [], sender: 'x' });
    await h.broker.publish({
      destination: LOBBY,
      body: new Uint8Array(),
      headers: [],
      sender: 'x',
    });
    await settle();
    expect(messages(transport).map((m) => header(m, 'subscription'))).toEqual(['lobby']);
    // The new grants apply to what comes next: ROOM may no longer be sent to.
    session.onData(frame('SEND', { destination: ROOM }, 'hi'));
    await settle();
    expect(errorOf(transport).reason).toBe('forbidden');
  });

  it('is never published and never subscribable', async () => {
    const h = harness({ verify: verifier(Date.now) });
    const { session, transport } = await connected(h, 'good');
    const published = vi.spyOn(h.broker, 'publish');
    session.onData(refresh('alice-60s'));
    await settle();
    expect(published).not.toHaveBeenCalled();
    session.onData(frame('SUBSCRIBE', { id: 't', destination: TOKEN_DESTINATION }));
    await settle();
    expect(errorOf(transport).reason).toBe('destination-invalid');
  });

  it('refuses a refresh inside a transaction, an empty body and an oversized token', async () => {
    const cases: Array<[Uint8Array, string]> = [
      [refresh('alice-60s', { transaction: 'tx' }), 'protocol-error'],
      [refresh(''), 'auth-required'],
      [refresh('x'.repeat(LIMITS.maxHeaderLineLength + 1)), 'frame-too-large'],
    ];
    for (const [bytes, reason] of cases) {
      const h = harness({ verify: verifier(Date.now) });
      const { session, transport } = await connected(h, 'good');
      session.onData(frame('BEGIN', { transaction: 'tx' }));
      session.onData(bytes);
      await settle();
      expect(errorOf(transport).reason).toBe(reason);
    }
  });

  it('counts against the SEND rate limit', async () => {
    const h = harness({
      verify: verifier(Date.now),
      limits: { ...LIMITS, maxSendRate: 1, sendBurst: 1 },
    });
    const { session, transport } = await connected(h, 'good');
    session.onData(refresh('alice-60s'));
    session.onData(refresh('alice-60s'));
    await settle();
    expect(errorOf(transport).reason).toBe('rate-limited');
  });
});
