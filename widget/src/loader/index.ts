/**
 * The loader: the one `<script>` a site adds. It replaces the snippet's stub with the real
 * command function under the same global name (`Parley`, or the script tag's
 * `data-parley-name`), replays the queued commands, and does nothing if it runs twice.
 */
import { DEFAULT_GLOBAL } from '../shared/constants.js';
import { Widget } from './widget.js';

interface Stub {
  (...args: unknown[]): unknown;
  q?: ArrayLike<unknown>[];
  /** Set once the loader has run. */
  loaded?: boolean;
}

const script = document.currentScript as HTMLScriptElement | null;
const name = script?.dataset.parleyName || DEFAULT_GLOBAL;
const scope = window as unknown as Record<string, Stub | undefined>;
const stub = scope[name];

if (!stub?.loaded) {
  const widget = new Widget(script?.src || location.href);
  const api: Stub = (command: unknown, ...args: unknown[]) => widget.run(command, args);
  api.loaded = true;
  scope[name] = api;
  for (const call of stub?.q ?? []) {
    try {
      widget.run(call[0], Array.prototype.slice.call(call, 1));
    } catch (err) {
      console.error(err);
    }
  }
}
