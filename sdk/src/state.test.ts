import { describe, expect, it } from 'vitest';
import { initialMachine, transition } from './state.js';
import type { Effect, Machine, MachineEvent } from './state.js';
import type { ClientState } from './types.js';

const at = (state: ClientState, extra: Partial<Machine> = {}): Machine => ({
  ...initialMachine(),
  state,
  ...extra,
});
const types = (effects: readonly Effect[]) => effects.map((e) => e.type);

describe('transition (pure state machine)', () => {
  // [from, machine extras, event, expected state, expected effect types]
  const table: Array<[ClientState, Partial<Machine>, MachineEvent, ClientState, string[]]> = [
    ['idle', {}, { type: 'connect' }, 'connecting', ['open']],
    ['disconnected', {}, { type: 'connect' }, 'connecting', ['open']],
    ['failed', { _authRetried: true }, { type: 'connect' }, 'connecting', ['open']],
    ['connecting', { opening: true }, { type: 'connect' }, 'connecting', []],
    ['connected', {}, { type: 'connect' }, 'connected', []],
    ['reconnecting', {}, { type: 'connect' }, 'reconnecting', []],
    [
      'connecting',
      { opening: true },
      { type: 'opened' },
      'connected',
      ['arm-connection-timers', 'emit', 'resubscribe', 'flush-outbox', 'settle'],
    ],
    ['reconnecting', { opening: false }, { type: 'opened' }, 'reconnecting', []],
    ['disconnected', {}, { type: 'opened' }, 'disconnected', []],
    [
      'connected',
      {},
      { type: 'closed', kind: 'transient' },
      'reconnecting',
      ['disarm-connection-timers', 'emit', 'emit', 'schedule-retry'],
    ],
    [
      'connecting',
      { opening: true },
      { type: 'closed', kind: 'transient' },
      'reconnecting',
      ['disarm-connection-timers', 'emit', 'schedule-retry'],
    ],
    [
      'connected',
      { online: false },
      { type: 'closed', kind: 'transient' },
      'reconnecting',
      ['disarm-connection-timers', 'emit', 'emit'],
    ],
    [
      'connected',
      {},
      { type: 'closed', kind: 'shutdown', spreadMs: 2000 },
      'reconnecting',
      ['disarm-connection-timers', 'emit', 'emit', 'schedule-spread-retry'],
    ],
    [
      'connected',
      {},
      { type: 'closed', kind: 'auth' },
      'reconnecting',
      ['disarm-connection-timers', 'emit', 'emit', 'open'],
    ],
    [
      'reconnecting',
      { opening: true, _authRetried: true },
      { type: 'closed', kind: 'auth' },
      'failed',
      ['disarm-connection-timers', 'close', 'settle', 'fail-outbox', 'emit'],
    ],
    [
      'connecting',
      { opening: true },
      { type: 'closed', kind: 'unauthorized' },
      'failed',
      ['disarm-connection-timers', 'close', 'settle', 'fail-outbox', 'emit'],
    ],
    [
      'connected',
      {},
      { type: 'closed', kind: 'fatal' },
      'failed',
      ['disarm-connection-timers', 'close', 'settle', 'fail-outbox', 'emit', 'emit'],
    ],
    [
      'connected',
      {},
      { type: 'closed', kind: 'stale' },
      'reconnecting',
      ['disarm-connection-timers', 'emit', 'emit', 'open'],
    ],
    [
      'connected',
      {},
      { type: 'closed', kind: 'refresh-unsupported' },
      'reconnecting',
      ['disarm-connection-timers', 'emit', 'emit', 'open'],
    ],
    [
      'connected',
      { _autoReconnect: false },
      { type: 'closed', kind: 'transient' },
      'disconnected',
      ['disarm-connection-timers', 'settle', 'emit'],
    ],
    ['reconnecting', { opening: false }, { type: 'closed', kind: 'transient' }, 'reconnecting', []],
    ['disconnected', {}, { type: 'closed', kind: 'transient' }, 'disconnected', []],
    [
      'reconnecting',
      { opening: false },
      { type: 'retry' },
      'reconnecting',
      ['cancel-retry', 'open'],
    ],
    ['reconnecting', { opening: true }, { type: 'retry' }, 'reconnecting', []],
    ['connected', {}, { type: 'retry' }, 'connected', []],
    ['reconnecting', { opening: false }, { type: 'offline' }, 'reconnecting', ['cancel-retry']],
    ['connected', {}, { type: 'offline' }, 'connected', []],
    [
      'reconnecting',
      { opening: false, online: false },
      { type: 'online' },
      'reconnecting',
      ['cancel-retry', 'open'],
    ],
    ['connected', {}, { type: 'visible' }, 'connected', ['check-link']],
    [
      'reconnecting',
      { opening: false },
      { type: 'visible' },
      'reconnecting',
      ['cancel-retry', 'open'],
    ],
    ['idle', {}, { type: 'visible' }, 'idle', []],
    ['connected', {}, { type: 'token-due' }, 'connected', ['refresh-token']],
    [
      'connected',
      { inPlace: false },
      { type: 'token-due' },
      'reconnecting',
      ['disarm-connection-timers', 'close', 'emit', 'open'],
    ],
    ['reconnecting', {}, { type: 'token-due' }, 'reconnecting', []],
    [
      'connected',
      {},
      { type: 'disconnect' },
      'disconnected',
      ['cancel-retry', 'disarm-connection-timers', 'close', 'settle', 'emit'],
    ],
    ['idle', {}, { type: 'disconnect' }, 'idle', []],
    [
      'reconnecting',
      {},
      { type: 'dispose' },
      'disconnected',
      ['cancel-retry', 'disarm-connection-timers', 'close', 'settle', 'release'],
    ],
  ];

  it.each(table)('%s %j + %j -> %s', (from, extra, event, to, effects) => {
    const step = transition(at(from, extra), event);
    expect(step.machine.state).toBe(to);
    expect(types(step.effects)).toEqual(effects);
  });

  it('counts failed attempts for the backoff and resets them once stable', () => {
    let m = at('connected');
    for (let i = 1; i <= 3; i++) {
      const lost = transition(m, { type: 'closed', kind: 'transient' });
      expect(lost.effects).toContainEqual({ type: 'schedule-retry', attempt: i });
      m = transition(lost.machine, { type: 'retry' }).machine;
    }
    m = transition(m, { type: 'opened' }).machine;
    expect(m.attempt).toBe(3);
    expect(transition(m, { type: 'stable' }).machine.attempt).toBe(0);
  });

  it('gives a refused token exactly one retry, and forgets it after a good connection', () => {
    let m = transition(at('connecting', { opening: true }), {
      type: 'closed',
      kind: 'auth',
    }).machine;
    expect(m).toMatchObject({ state: 'reconnecting', _authRetried: true, opening: true });
    expect(transition(m, { type: 'closed', kind: 'auth' }).machine.state).toBe('failed');
    m = transition(m, { type: 'opened' }).machine;
    expect(m._authRetried).toBe(false);
    expect(transition(m, { type: 'closed', kind: 'auth' }).machine.state).toBe('reconnecting');
  });

  it('stops refreshing in place once the relay showed it cannot', () => {
    const m = transition(at('connected'), { type: 'closed', kind: 'refresh-unsupported' }).machine;
    expect(m.inPlace).toBe(false);
  });

  it('passes the shutdown spread and rejects connect() as aborted on disconnect', () => {
    const step = transition(at('connected'), { type: 'closed', kind: 'shutdown', spreadMs: 1234 });
    expect(step.effects).toContainEqual({ type: 'schedule-spread-retry', upperMs: 1234 });
    const off = transition(at('connecting', { opening: true }), { type: 'disconnect' });
    expect(off.effects).toContainEqual({ type: 'settle', ok: false, aborted: true });
    expect(off.effects).toContainEqual({ type: 'close', graceful: false });
  });
});
