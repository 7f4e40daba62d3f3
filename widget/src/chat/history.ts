import type { HistoryResult, Room } from '@parley/sdk';
import { HISTORY_PAGE } from '../shared/constants.js';

/**
 * A page of `room`'s history before `before` (the newest without it); undefined on failure.
 * Here rather than in controller.ts so the agent chunk can use it without importing the
 * controller that loads it (no import cycle).
 */
export function page(room: Room, before?: number): Promise<HistoryResult | undefined> {
  return room
    .history({ limit: HISTORY_PAGE, ...(before !== undefined && { before }) })
    .catch(() => undefined);
}
