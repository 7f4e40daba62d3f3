import type { DmNotice } from './events.js';

/**
 * Reads a new-conversation notice body (`/user/queue/parley-dm`, `parley-kind:dm`):
 * `{from, name?, destination, offset, timestamp}`; undefined when it is not one.
 *
 * @internal
 */
export function parseDmNotice(body: string): DmNotice | undefined {
  let wire: Partial<Record<keyof DmNotice, unknown>>;
  try {
    wire = JSON.parse(body) as typeof wire;
  } catch {
    return undefined;
  }
  if (!wire || typeof wire !== 'object') return undefined;
  const { from, name, destination, offset, timestamp } = wire;
  if (typeof from !== 'string' || from === '' || typeof destination !== 'string') return undefined;
  return {
    from,
    ...(typeof name === 'string' && { name }),
    destination,
    offset: typeof offset === 'number' ? offset : -1,
    timestamp: typeof timestamp === 'number' ? timestamp : 0,
  };
}
