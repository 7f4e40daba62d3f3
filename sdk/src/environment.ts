import type { EnvironmentLike } from './types.js';

interface EventTargetLike {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

interface BrowserGlobals {
  window?: unknown;
  document?: unknown;
  navigator?: unknown;
}

function isTarget(value: unknown): value is EventTargetLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as EventTargetLike).addEventListener === 'function' &&
    typeof (value as EventTargetLike).removeEventListener === 'function'
  );
}

/**
 * The browser's signals: `online`/`offline` on `window`, and `visibilitychange` on `document`
 * reported as `visible` when the page shows again. `undefined` where there is no `window`
 * (Node, workers).
 *
 * @internal
 */
export function browserEnvironment(
  globals: BrowserGlobals = globalThis as BrowserGlobals,
): EnvironmentLike | undefined {
  const { window: win, document: doc, navigator: nav } = globals;
  if (!isTarget(win)) return undefined;
  return {
    isOnline: () => (nav as { onLine?: boolean } | undefined)?.onLine !== false,
    subscribe(listener) {
      const online = (): void => listener('online');
      const offline = (): void => listener('offline');
      const visibility = (): void => {
        if ((doc as { visibilityState?: string }).visibilityState === 'visible')
          listener('visible');
      };
      win.addEventListener('online', online);
      win.addEventListener('offline', offline);
      const docTarget = isTarget(doc) ? doc : undefined;
      docTarget?.addEventListener('visibilitychange', visibility);
      return () => {
        win.removeEventListener('online', online);
        win.removeEventListener('offline', offline);
        docTarget?.removeEventListener('visibilitychange', visibility);
      };
    },
  };
}

/**
 * The environment for a client: the one given, none for `null`, else the browser's.
 *
 * @internal
 */
export function resolveEnvironment(
  option: EnvironmentLike | null | undefined,
): EnvironmentLike | undefined {
  if (option === null) return undefined;
  return option ?? browserEnvironment();
}
