import type { BrokerMessage } from '../broker/broker.js';

/** Reads the messages of one destination with `after < offset < before` from history, and its epoch. */
export type GapReader = (
  after: number,
  before?: number,
) => Promise<{ messages: BrokerMessage[]; epoch: string }>;

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
    if (this.last === 0 && this.epoch === '') {
      // The first message this relay sees: the stream starts here for it.
      this.epoch = message.epoch;
      this.last = message.offset;
      return this.emit(message);
    }
    if (message.epoch !== this.epoch) {
      // History started over: the new epoch counts from 1, and what came before this message
      // in it (published while the feed was down) is read from history first.
      this.epoch = message.epoch;
      this.last = 0;
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
    if (this.filling || this.epoch === '') return;
    this.fill(undefined);
  }

  private fill(before: number | undefined): void {
    this.filling = true;
    const emitAfter = (messages: BrokerMessage[]): void => {
      for (const m of messages) {
        if (m.epoch === this.epoch && m.offset > this.last) {
          this.last = m.offset;
          this.emit(m);
        }
      }
    };
    this.read(this.last, before)
      .then(async (page) => {
        if (page.epoch !== '' && page.epoch !== this.epoch) {
          // History started over while the feed was down: replay the new epoch from its start.
          this.epoch = page.epoch;
          this.last = 0;
          page = await this.read(0, undefined);
        }
        emitAfter(page.messages);
      })
      .then(
        () => this.release(),
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
