/** A listener for an event whose payload is `T`. */
export type Listener<T> = (payload: T) => void;

/** Removes the listener it was returned for. Calling it again does nothing. */
export type Unsubscribe = () => void;

/** Where a listener's exception goes; by default it is re-thrown in a microtask. */
export type ListenerErrorHandler = (error: unknown, event: string) => void;

const rethrowLater: ListenerErrorHandler = (error) => {
  queueMicrotask(() => {
    throw error;
  });
};

/**
 * A small typed event emitter: `Events` maps each event name to its payload type, so `on` and
 * `emit` are checked at compile time. A listener that throws does not stop the other listeners
 * or the emitter's owner; its error is handed to `onListenerError`.
 *
 * @example
 * ```ts
 * const e = new TypedEmitter<{ tick: number }>();
 * const off = e.on('tick', (n) => console.log(n));
 * e.emit('tick', 1);
 * off();
 * ```
 */
export class TypedEmitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>();
  readonly #onListenerError: ListenerErrorHandler;

  /** @param onListenerError - receives exceptions thrown by listeners */
  constructor(onListenerError: ListenerErrorHandler = rethrowLater) {
    this.#onListenerError = onListenerError;
  }

  /** Adds `listener` for `event`; returns a function that removes it. */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): Unsubscribe {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    // A wrapper makes every registration distinct, so adding one function twice needs two offs.
    const entry: Listener<Events[K]> = (payload) => listener(payload);
    set.add(entry);
    return () => {
      set.delete(entry);
      if (set.size === 0 && this.#listeners.get(event) === set) this.#listeners.delete(event);
    };
  }

  /** Like {@link TypedEmitter.on}, but the listener runs at most once. */
  once<K extends keyof Events>(event: K, listener: Listener<Events[K]>): Unsubscribe {
    const off = this.on(event, (payload) => {
      off();
      listener(payload);
    });
    return off;
  }

  /** Calls every listener of `event` with `payload`, in the order they were added. */
  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of [...set] as Listener<Events[K]>[]) {
      try {
        listener(payload);
      } catch (error) {
        this.#onListenerError(error, String(event));
      }
    }
  }

  /** How many listeners `event` has. */
  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  /** Removes every listener of every event. */
  clear(): void {
    this.#listeners.clear();
  }
}
