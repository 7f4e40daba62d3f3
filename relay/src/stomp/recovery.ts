import type { BrokerMessage, HistoryPage, HistoryQuery } from '../broker/broker.js';
import { REASONS, StompError } from '../reasons.js';

/** Where a recovering subscription starts: the last offset (and epoch) the client saw. */
export interface RecoveryPoint {
  since: number;
  epoch?: string;
}

/** How a recovery went, reported on the SUBSCRIBE's RECEIPT. */
export interface RecoveryResult {
  /** Every missed message was replayed: no gap, no duplicate. */
  recovered: boolean;
  /** Messages replayed. */
  replayed: BrokerMessage[];
  epoch: string;
  /** Newest offset of the destination at replay time. */
  last: number;
}

/** Reads `parley-since` / `parley-epoch` from a SUBSCRIBE; undefined when not recovering. */
export function recoveryPoint(
  since: string | undefined,
  epoch: string | undefined,
): RecoveryPoint | undefined {
  if (since === undefined) return undefined;
  if (!/^\d{1,15}$/.test(since)) {
    throw new StompError(
      REASONS.protocolError,
      `parley-since must be a whole number (an offset), got "${since.slice(0, 32)}"`,
    );
  }
  return { since: Number(since), ...(epoch !== undefined && epoch !== '' && { epoch }) };
}

/**
 * Reads every message after `point.since`, page by page, up to `maxReplay`. Recovery fails (and
 * the client must refetch) when the epoch changed, when history no longer reaches back to the
 * point, or when more than `maxReplay` messages were missed.
 */
export async function replay(
  history: (query: HistoryQuery) => Promise<HistoryPage>,
  point: RecoveryPoint,
  maxReplay: number,
): Promise<RecoveryResult> {
  const replayed: BrokerMessage[] = [];
  let after = point.since;
  let page = await history({ after, limit: Math.min(maxReplay, 500) });
  const epoch = page.epoch;
  const epochChanged = point.epoch !== undefined && epoch !== '' && epoch !== point.epoch;
  const trimmed = page.last > point.since && page.first > point.since + 1;
  let complete = !epochChanged && !trimmed && page.last >= point.since;
  if (epochChanged || page.last < point.since) {
    return { recovered: false, replayed, epoch, last: page.last };
  }
  for (;;) {
    for (const m of page.messages) if (m.offset > after) replayed.push(m);
    after = replayed.at(-1)?.offset ?? after;
    if (after >= page.last || page.messages.length === 0) break;
    if (replayed.length >= maxReplay) {
      complete = false;
      break;
    }
    page = await history({ after, limit: Math.min(maxReplay - replayed.length, 500) });
    if (page.epoch !== epoch) {
      complete = false;
      break;
    }
  }
  return { recovered: complete, replayed, epoch, last: Math.max(page.last, after) };
}
