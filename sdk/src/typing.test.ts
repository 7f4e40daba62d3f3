import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Typers, TypingSignal } from './typing.js';
import type { Member } from './events.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('TypingSignal', () => {
  it('sends at most one signal per 2.5 s while the user types', () => {
    const send = vi.fn();
    const signal = new TypingSignal(send);
    signal.typing();
    expect(send).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 24; i++) {
      vi.advanceTimersByTime(100);
      signal.typing();
    }
    expect(send).toHaveBeenCalledTimes(1); // 2.4 s
    vi.advanceTimersByTime(100);
    signal.typing(); // 2.5 s
    expect(send).toHaveBeenCalledTimes(2);
    expect(signal.active).toBe(true);
  });

  it('stops on its own after 5 s without typing(), and the next call signals at once', () => {
    const send = vi.fn();
    const stopped = vi.fn();
    const signal = new TypingSignal(send, stopped);
    signal.typing();
    vi.advanceTimersByTime(4999);
    expect(stopped).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(stopped).toHaveBeenCalledTimes(1);
    expect(signal.active).toBe(false);
    signal.typing();
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('a call keeps the user typing: the idle timer starts again', () => {
    const stopped = vi.fn();
    const signal = new TypingSignal(() => undefined, stopped);
    signal.typing();
    vi.advanceTimersByTime(4000);
    signal.typing();
    vi.advanceTimersByTime(4000);
    expect(stopped).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1000);
    expect(stopped).toHaveBeenCalledTimes(1);
  });

  it('stop() (a message sent) ends it at once; the next call signals without waiting', () => {
    const send = vi.fn();
    const stopped = vi.fn();
    const signal = new TypingSignal(send, stopped);
    signal.typing();
    vi.advanceTimersByTime(500);
    signal.stop();
    signal.stop(); // once
    expect(stopped).toHaveBeenCalledTimes(1);
    signal.typing();
    expect(send).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(10_000);
    expect(stopped).toHaveBeenCalledTimes(2); // the idle stop of the second burst
  });
});

describe('Typers', () => {
  const alice: Member = { id: 'alice', name: 'Alice' };
  const bob: Member = { id: 'bob' };

  it('keeps typers as a set and expires each 6 s after their last signal', () => {
    const changes: string[][] = [];
    const typers = new Typers((users) => changes.push(users.map((u) => u.id)));
    typers.typing(alice);
    vi.advanceTimersByTime(2500);
    typers.typing(bob);
    typers.typing(alice); // a repeat: no change, the timer starts again
    expect(changes).toEqual([['alice'], ['alice', 'bob']]);
    vi.advanceTimersByTime(5999);
    expect(typers.users).toEqual([alice, bob]);
    vi.advanceTimersByTime(1);
    expect(changes.at(-1)).toEqual([]);
    expect(typers.users).toEqual([]);
  });

  it('drops a typer who sent a message, and clears everyone', () => {
    const changes: string[][] = [];
    const typers = new Typers((users) => changes.push(users.map((u) => u.id)));
    typers.typing(alice);
    typers.typing(bob);
    typers.stopped('alice');
    typers.stopped('carol'); // not typing: nothing
    expect(changes).toEqual([['alice'], ['alice', 'bob'], ['bob']]);
    typers.clear();
    typers.clear();
    expect(changes.at(-1)).toEqual([]);
    expect(changes).toHaveLength(4);
    vi.advanceTimersByTime(10_000);
    expect(changes).toHaveLength(4); // cleared timers never fire
  });
});
