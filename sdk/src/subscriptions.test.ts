import { describe, expect, it } from 'vitest';
import { SubscriptionRegistry } from './subscriptions.js';
import type { SubscriptionTarget } from './subscriptions.js';

function target(log: string[], fail = false): SubscriptionTarget {
  let n = 0;
  return {
    subscribe(destination) {
      if (fail) throw new Error('closing');
      const id = `sub-${n++}`;
      log.push(`+${destination}=${id}`);
      return id;
    },
    unsubscribe(id) {
      log.push(`-${id}`);
    },
  };
}

describe('SubscriptionRegistry', () => {
  it('subscribes on attach what was added while detached', () => {
    const log: string[] = [];
    const registry = new SubscriptionRegistry();
    registry.add('/topic/room.a', () => {});
    expect(log).toEqual([]);
    registry.attach(target(log));
    expect(log).toEqual(['+/topic/room.a=sub-0']);
  });

  it('subscribes at once while attached and unsubscribes on remove', () => {
    const log: string[] = [];
    const registry = new SubscriptionRegistry();
    registry.attach(target(log));
    const remove = registry.add('/topic/room.a', () => {});
    remove();
    remove();
    expect(log).toEqual(['+/topic/room.a=sub-0', '-sub-0']);
    expect(registry.destinations()).toEqual([]);
  });

  it('resubscribes everything after detach and a new attach', () => {
    const first: string[] = [];
    const second: string[] = [];
    const registry = new SubscriptionRegistry();
    registry.add('/topic/room.a', () => {});
    registry.add('/topic/room.b', () => {});
    registry.attach(target(first));
    registry.detach();
    registry.attach(target(second));
    expect(second).toEqual(['+/topic/room.a=sub-0', '+/topic/room.b=sub-1']);
  });

  it('does not send UNSUBSCRIBE for a subscription of an old connection', () => {
    const log: string[] = [];
    const registry = new SubscriptionRegistry();
    registry.attach(target(log));
    const remove = registry.add('/topic/room.a', () => {});
    registry.detach();
    remove();
    expect(log).toEqual(['+/topic/room.a=sub-0']);
  });

  it('keeps the entry when subscribing fails, for the next connect', () => {
    const log: string[] = [];
    const registry = new SubscriptionRegistry();
    registry.attach(target(log, true));
    registry.add('/topic/room.a', () => {});
    registry.detach();
    registry.attach(target(log));
    expect(log).toEqual(['+/topic/room.a=sub-0']);
  });

  it('refuses the same destination twice', () => {
    const registry = new SubscriptionRegistry();
    registry.add('/topic/room.a', () => {});
    expect(() => registry.add('/topic/room.a', () => {})).toThrow(/already/);
  });
});
