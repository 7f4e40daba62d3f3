import { EVENT_PREFIX } from '../shared/constants.js';

type Handler = (detail: unknown) => void;

/** Page callbacks (`Parley('on', …)`) and the matching window CustomEvents. */
export class Events {
  readonly #handlers = new Map<string, Set<Handler>>();

  on(event: string, fn: Handler): void {
    if (typeof fn !== 'function') return;
    let set = this.#handlers.get(event);
    if (!set) this.#handlers.set(event, (set = new Set()));
    set.add(fn);
  }

  off(event: string, fn: Handler): void {
    this.#handlers.get(event)?.delete(fn);
  }

  emit(event: string, detail: unknown): void {
    for (const fn of [...(this.#handlers.get(event) ?? [])]) {
      try {
        fn(detail);
      } catch (err) {
        // A page callback that throws must not stop the widget or the other callbacks.
        setTimeout(() => {
          throw err;
        });
      }
    }
    window.dispatchEvent(new CustomEvent(EVENT_PREFIX + event, { detail }));
  }
}
