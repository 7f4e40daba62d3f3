import { describe, expect, it } from 'vitest';
import { LruSet, ResumeState } from './resume.js';
import type { Stamps } from './resume.js';

const m = (offset: number, extra: Partial<Stamps> = {}): Stamps => ({
  offset,
  epoch: 'e1',
  id: `e1-${offset}`,
  sender: 'alice',
  clientId: undefined,
  ...extra,
});

describe('ResumeState', () => {
  it('moves the cursor with stored messages and asks to resume after it', () => {
    const r = new ResumeState();
    expect(r.resumeHeaders()).toEqual({});
    expect(r.accept(m(1))).toBe('deliver');
    expect(r.accept(m(2))).toBe('deliver');
    expect(r.cursor).toEqual({ epoch: 'e1', offset: 2 });
    expect(r.resumeHeaders()).toEqual({ 'parley-since': '2', 'parley-epoch': 'e1' });
  });

  it('drops anything at or below the cursor, and repeats by id or client id', () => {
    const r = new ResumeState();
    r.accept(m(5));
    expect(r.accept(m(5))).toBe('duplicate');
    expect(r.accept(m(3))).toBe('duplicate');
    r.accept(m(6, { clientId: 'c1' }));
    expect(r.accept(m(7, { clientId: 'c1' }))).toBe('duplicate');
    expect(r.accept(m(8, { clientId: 'c1', sender: 'bob' }))).toBe('deliver');
    expect(r.cursor?.offset).toBe(8);
  });

  it('passes ephemeral messages (offset 0) without moving the cursor', () => {
    const r = new ResumeState();
    r.accept(m(4));
    expect(r.accept(m(0, { id: 'typing-1' }))).toBe('deliver');
    expect(r.accept(m(0, { id: 'typing-1' }))).toBe('deliver');
    expect(r.cursor?.offset).toBe(4);
  });

  it('follows a new epoch', () => {
    const r = new ResumeState();
    r.accept(m(40));
    expect(r.accept(m(1, { epoch: 'e2', id: 'e2-1' }))).toBe('deliver');
    expect(r.cursor).toEqual({ epoch: 'e2', offset: 1 });
  });
});

describe('LruSet', () => {
  it('forgets the oldest keys past its size', () => {
    const s = new LruSet(2);
    expect(s.add('a')).toBe(true);
    s.add('b');
    s.add('c');
    expect(s.add('a')).toBe(true);
    expect(s.add('c')).toBe(false);
  });
});
