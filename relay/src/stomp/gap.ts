import type { BrokerMessage } from '../broker/broker.js';

/**
 * Offsets `from`..`to` (inclusive) of one epoch of a destination that this relay's subscribers
 * will never get live: they were published (and receipted), but the relay's live feed lost them
 * and history could not give them back (trimmed, history started over, or Redis unreachable for
 * longer than the relay holds live messages).
 */
export interface Gap {
  readonly epoch: string;
  readonly from: number;
  readonly to: number;
}

/** Why a gap could not be filled. */
export type GapReason =
  /** History no longer has the offsets (trimmed by retention, or the epoch's history is gone). */
  | 'not-in-history'
  /** History stayed unreadable for longer than the hold time. */
  | 'hold-timeout'
  /** More live messages arrived while the gap was being filled than the relay holds. */
  | 'hold-limit'
  /** The gap was larger than one gap fill reads from history. */
  | 'fill-limit';

/**
 * The header that tells a subscriber about a {@link Gap}: set on the first message delivered
 * after it, value `<from>-<to>` (offsets of that message's epoch, inclusive).
 */
export const GAP_HEADER = 'parley-gap';

/** `<from>-<to>` */
export function formatGap(gap: { from: number; to: number }): string {
  return `${gap.from}-${gap.to}`;
}

/** A copy of `message` that the relay delivers with {@link GAP_HEADER} for `gap`. */
export function markGap(message: BrokerMessage, gap: Gap): BrokerMessage {
  return { ...message, gap: { from: gap.from, to: gap.to } };
}

/** A gap could not be filled; reported to the relay's error hook (logged), not to clients. */
export class UnfilledGapError extends Error {
  override readonly name = 'UnfilledGapError';
  constructor(
    readonly gap: Gap,
    readonly reason: GapReason,
  ) {
    super(
      `offsets ${formatGap(gap)} of epoch ${gap.epoch} could not be delivered (${reason}); ` +
        `subscribers were told with ${GAP_HEADER}`,
    );
  }
}
