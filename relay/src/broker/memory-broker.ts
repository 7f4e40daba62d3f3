import { randomBytes } from 'node:crypto';
import type { Broker, BrokerListener, BrokerMessage, PublishInput } from './broker.js';

/** In-process broker: the embedded default when no Redis is configured. */
export class MemoryBroker implements Broker {
  private readonly listeners = new Map<string, Set<BrokerListener>>();
  private readonly offsets = new Map<string, number>();
  private readonly epoch = randomBytes(6).toString('hex');
  private seq = 0;
  private closed = false;

  publish(input: PublishInput): Promise<BrokerMessage> {
    if (this.closed) return Promise.reject(new Error('broker is closed'));
    const offset = (this.offsets.get(input.destination) ?? 0) + 1;
    this.offsets.set(input.destination, offset);
    const message: BrokerMessage = {
      ...input,
      id: `${this.epoch}-${++this.seq}`,
      offset,
      epoch: this.epoch,
      timestamp: Date.now(),
    };
    const set = this.listeners.get(input.destination);
    if (set) for (const listener of set) listener(message);
    return Promise.resolve(message);
  }

  subscribe(destination: string, listener: BrokerListener): Promise<void> {
    if (this.closed) return Promise.reject(new Error('broker is closed'));
    let set = this.listeners.get(destination);
    if (!set) this.listeners.set(destination, (set = new Set()));
    set.add(listener);
    return Promise.resolve();
  }

  unsubscribe(destination: string, listener: BrokerListener): Promise<void> {
    const set = this.listeners.get(destination);
    if (set?.delete(listener) && set.size === 0) this.listeners.delete(destination);
    return Promise.resolve();
  }

  ready(): boolean {
    return !this.closed;
  }

  close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    return Promise.resolve();
  }
}
