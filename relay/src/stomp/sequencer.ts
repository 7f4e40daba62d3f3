import type { BrokerMessage } from '../broker/broker.js';

/** Reads the messages of one destination with `after < offset < before` from history. */
export type GapReader = (after: number, before?: number) => Promise<BrokerMessage[]>;

/**
 * Keeps one destination's stream gapless and duplicate-free on this relay. Messages arrive from
 * the broker's live feed; when an offset is skipped (a pub/sub message lost during a broker
 * outage) the missing ones are read from history and emitted first. Ephemeral messages
 * (offset 0) pass straight through. A new epoch restarts the count.
 * @internal
 */
export class Sequencer {
  private last = 0;
  private epoch = '';
  private filling = false;
  private held: BrokerMessage[] = [];

  constructor(
    private readonly read: GapReader,
    private readonly emit: (message: BrokerMessage) => void,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  push(message: BrokerMessage): void {
    if (message.offset === 0) return this.emit(message);
    if (this.filling) {
      this.held.push(message);
      return;
    }
    if (message.epoch !== this.epoch || this.last === 0) {
      this.epoch = message.epoch;
      this.last = message.offset;
      return this.emit(message);
    }
    if (message.offset <= this.last) return; // already emitted
    if (message.offset === this.last + 1) {
      this.last = message.offset;
      return this.emit(message);
    }
    this.held.push(message);
    this.fill(message.offset);
  }

  /** After a broker reconnect: emit whatever was published while the live feed was down. */
  resync(): void {
    if (this.filling || this.last === 0) return;
    this.fill(undefined);
  }

  private fill(before: number | undefined): void {
    this.filling = true;
    const epoch = this.epoch;
    this.read(this.last, before).then(
      (missing) => {
        for (const m of missing) {
          if (m.epoch === epoch && m.offset > this.last) {
            this.last = m.offset;
            this.emit(m);
          }
        }
        this.release();
      },
      (err: unknown) => {
        this.onError(err);
        this.release();
      },
    );
  }

  private release(): void {
    this.filling = false;
    const held = this.held.sort((a, b) => a.offset - b.offset);
    this.held = [];
    for (const m of held) {
      if (this.filling) this.held.push(m);
      else if (m.epoch === this.epoch && m.offset > this.last + 1) {
        // Still ahead after the fill: history no longer has the gap. Emit anyway; the jump in
        // parley-offset tells clients, who can page history or refetch.
        this.last = m.offset;
        this.emit(m);
      } else this.push(m);
    }
  }
}
