import { describe, expect, it, vi } from 'vitest';
import { TypedEmitter } from './emitter.js';

interface Events {
  tick: number;
  name: { first: string };
}

describe('TypedEmitter', () => {
  it('calls listeners in order with the payload', () => {
    const emitter = new TypedEmitter<Events>();
    const seen: string[] = [];
    emitter.on('tick', (n) => seen.push(`a${n}`));
    emitter.on('tick', (n) => seen.push(`b${n}`));
    emitter.on('name', ({ first }) => seen.push(first));
    emitter.emit('tick', 1);
    emitter.emit('name', { first: 'Ada' });
    expect(seen).toEqual(['a1', 'b1', 'Ada']);
  });

  it('returns an unsubscribe function that is safe to call twice', () => {
    const emitter = new TypedEmitter<Events>();
    const listener = vi.fn();
    const off = emitter.on('tick', listener);
    expect(emitter.listenerCount('tick')).toBe(1);
    off();
    off();
    emitter.emit('tick', 1);
    expect(listener).not.toHaveBeenCalled();
    expect(emitter.listenerCount('tick')).toBe(0);
  });

  it('counts the same function added twice as two listeners', () => {
    const emitter = new TypedEmitter<Events>();
    const listener = vi.fn();
    const offA = emitter.on('tick', listener);
    emitter.on('tick', listener);
    offA();
    emitter.emit('tick', 7);
    expect(listener).toHaveBeenCalledTimes(1);
    expect(emitter.listenerCount('tick')).toBe(1);
  });

  it('once() runs a listener a single time', () => {
    const emitter = new TypedEmitter<Events>();
    const listener = vi.fn();
    emitter.once('tick', listener);
    emitter.emit('tick', 1);
    emitter.emit('tick', 2);
    expect(listener).toHaveBeenCalledExactlyOnceWith(1);
  });

  it('lets a listener remove itself or others during emit without skipping anyone', () => {
    const emitter = new TypedEmitter<Events>();
    const seen: string[] = [];
    const offB = emitter.on('tick', () => seen.push('b'));
    const offA = emitter.on('tick', () => {
      seen.push('a');
      offA();
      offB();
    });
    emitter.on('tick', () => seen.push('c'));
    emitter.emit('tick', 1);
    emitter.emit('tick', 2);
    expect(seen).toEqual(['b', 'a', 'c', 'c']);
  });

  it('isolates a throwing listener and reports its error', () => {
    const errors: Array<[unknown, string]> = [];
    const emitter = new TypedEmitter<Events>((error, event) => errors.push([error, event]));
    const after = vi.fn();
    const boom = new Error('boom');
    emitter.on('tick', () => {
      throw boom;
    });
    emitter.on('tick', after);
    emitter.emit('tick', 1);
    expect(after).toHaveBeenCalledWith(1);
    expect(errors).toEqual([[boom, 'tick']]);
  });

  it('rejects wrong payload types at compile time', () => {
    const emitter = new TypedEmitter<Events>();
    // @ts-expect-error a tick carries a number
    emitter.emit('tick', 'one');
    // @ts-expect-error no such event
    emitter.on('tock', () => {});
    emitter.clear();
    expect(emitter.listenerCount('tick')).toBe(0);
  });
});
