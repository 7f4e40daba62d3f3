import { describe, expect, it } from 'vitest';
import { ParleyError } from './errors.js';
import { ReadMarker } from './mark-read.js';
import type { SendResult } from './outbox.js';

/** A send function whose answers the test gives, one by one. */
function wire() {
  const sent: number[] = [];
  const answers: ((r: SendResult) => void)[] = [];
  const send = (offset: number) => {
    sent.push(offset);
    return new Promise<SendResult>((resolve) => answers.push(resolve));
  };
  const answer = async (result: SendResult = { ok: true, headers: {} }) => {
    answers.shift()?.(result);
    await new Promise((r) => setTimeout(r, 0));
  };
  return { sent, send, answer, waiting: () => answers.length };
}

const lost: SendResult = {
  ok: false,
  refused: false,
  error: new ParleyError('not-connected', 'not connected'),
};

describe('ReadMarker', () => {
  it('keeps at most one SEND in flight; marks made meanwhile collapse into the newest', async () => {
    const w = wire();
    const marker = new ReadMarker(w.send);
    marker.mark(1);
    marker.mark(2);
    marker.mark(3);
    expect(w.sent).toEqual([1]);
    await w.answer();
    expect(w.sent).toEqual([1, 3]);
    await w.answer();
    expect(w.waiting()).toBe(0);
  });

  it('is monotonic: an offset at or below one asked for is dropped', async () => {
    const w = wire();
    const marker = new ReadMarker(w.send);
    expect(marker.mark(5)).toBe(true);
    expect(marker.mark(5)).toBe(false);
    expect(marker.mark(4)).toBe(false);
    await w.answer();
    expect(marker.mark(3)).toBe(false);
    expect(w.sent).toEqual([5]);
    marker.reset(); // a new epoch: small offsets mean something again
    expect(marker.mark(3)).toBe(true);
    expect(w.sent).toEqual([5, 3]);
  });

  it('keeps a mark that could not be sent for resume(), unless a newer one replaced it', async () => {
    const w = wire();
    const marker = new ReadMarker(w.send);
    marker.mark(7);
    await w.answer(lost);
    expect(w.sent).toEqual([7]);
    marker.resume();
    expect(w.sent).toEqual([7, 7]);
    marker.mark(9); // while 7 is in flight
    await w.answer(lost); // 7 lost again, but 9 replaces it
    expect(w.sent).toEqual([7, 7, 9]);
    await w.answer();
    marker.resume();
    expect(w.sent).toEqual([7, 7, 9]); // nothing left
  });

  it('drops a mark the relay refused (an ERROR would end every connection)', async () => {
    const w = wire();
    const marker = new ReadMarker(w.send);
    marker.mark(2);
    await w.answer({ ok: false, refused: true, error: new ParleyError('forbidden', 'no') });
    marker.resume();
    expect(w.sent).toEqual([2]);
  });
});
