import { REASONS, StompError } from '../reasons.js';

/** A deferred effect of a SEND, ACK or NACK inside a transaction. */
export type TxAction = () => unknown;

/**
 * A session's open transactions: BEGIN opens one, frames that name it are held, COMMIT hands
 * them back in order to be applied, ABORT (or the end of the session) drops them.
 * @internal
 */
export class Transactions {
  private readonly open = new Map<string, TxAction[]>();

  constructor(
    private readonly maxOpen: number,
    private readonly maxActions: number,
  ) {}

  begin(id: string | undefined): void {
    const tx = required(id, 'BEGIN');
    if (this.open.has(tx))
      throw new StompError(REASONS.protocolError, `transaction "${clip(tx)}" is already open`);
    if (this.open.size >= this.maxOpen) {
      throw new StompError(
        REASONS.limitExceeded,
        `at most ${this.maxOpen} open transactions per connection`,
      );
    }
    this.open.set(tx, []);
  }

  add(id: string, action: TxAction): void {
    const actions = this.get(id, 'a frame');
    if (actions.length >= this.maxActions) {
      throw new StompError(
        REASONS.limitExceeded,
        `at most ${this.maxActions} frames per transaction`,
      );
    }
    actions.push(action);
  }

  /** Closes the transaction and returns its actions, in the order they were sent. */
  commit(id: string | undefined): TxAction[] {
    const tx = required(id, 'COMMIT');
    const actions = this.get(tx, 'COMMIT');
    this.open.delete(tx);
    return actions;
  }

  abort(id: string | undefined): void {
    const tx = required(id, 'ABORT');
    this.get(tx, 'ABORT');
    this.open.delete(tx);
  }

  abortAll(): void {
    this.open.clear();
  }

  get size(): number {
    return this.open.size;
  }

  private get(id: string, what: string): TxAction[] {
    const actions = this.open.get(id);
    if (!actions)
      throw new StompError(
        REASONS.protocolError,
        `${what} names transaction "${clip(id)}", which is not open`,
      );
    return actions;
  }
}

function required(id: string | undefined, command: string): string {
  if (id === undefined || id === '')
    throw new StompError(REASONS.protocolError, `${command} needs a transaction header`);
  return id;
}

function clip(s: string): string {
  return s.length > 64 ? `${s.slice(0, 64)}…` : s;
}
