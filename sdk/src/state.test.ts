import { describe, expect, it } from 'vitest';
import { TRANSITIONS, canTransition } from './state.js';
import { ClientState } from './types.js';

const all = Object.values(ClientState);

describe('client state machine', () => {
  it.each([
    ['disconnected', 'connecting'],
    ['connecting', 'connected'],
    ['connecting', 'disconnected'],
    ['connecting', 'disconnecting'],
    ['connected', 'disconnecting'],
    ['connected', 'disconnected'],
    ['disconnecting', 'disconnected'],
  ] as const)('allows %s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });

  it.each([
    ['disconnected', 'connected'],
    ['disconnected', 'disconnecting'],
    ['connected', 'connecting'],
    ['disconnecting', 'connecting'],
    ['disconnecting', 'connected'],
  ] as const)('refuses %s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });

  it('has an entry for every state and only known targets', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...all].sort());
    for (const targets of Object.values(TRANSITIONS)) {
      for (const target of targets) expect(all).toContain(target);
    }
  });
});
