import { describe, expect, it } from 'vitest';
import { browserEnvironment, resolveEnvironment } from './environment.js';

describe('browserEnvironment', () => {
  it('reports online/offline and visible, and removes its listeners', () => {
    const win = new EventTarget();
    const doc = Object.assign(new EventTarget(), { visibilityState: 'hidden' });
    const env = browserEnvironment({ window: win, document: doc, navigator: { onLine: false } });
    if (!env) throw new Error('no environment');
    expect(env.isOnline()).toBe(false);
    const seen: string[] = [];
    const off = env.subscribe((e) => seen.push(e));
    win.dispatchEvent(new Event('offline'));
    win.dispatchEvent(new Event('online'));
    doc.dispatchEvent(new Event('visibilitychange'));
    doc.visibilityState = 'visible';
    doc.dispatchEvent(new Event('visibilitychange'));
    off();
    win.dispatchEvent(new Event('online'));
    expect(seen).toEqual(['offline', 'online', 'visible']);
  });

  it('is absent in Node and can be turned off', () => {
    expect(browserEnvironment({})).toBeUndefined();
    expect(resolveEnvironment(null)).toBeUndefined();
  });
});
