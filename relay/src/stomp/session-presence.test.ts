import { afterEach, describe, expect, it } from 'vitest';
import type { Frame } from '../codec/index.js';
import { header } from '../codec/index.js';
import { MemoryPresenceStore } from '../presence/memory-presence-store.js';
import {
  PRESENCE_KIND,
  PresenceService,
  encodePresenceEvent,
} from '../presence/presence-service.js';
import { ROOM, closeAll, connected, errorOf, frame, harness, settle } from './session.harness.js';
import type { FakeTransport, Harness } from './session.harness.js';

const services: PresenceService[] = [];
afterEach(async () => {
  closeAll();
  for (const s of services.splice(0)) s.abandon();
});

const json = (f: Frame): unknown => JSON.parse(new TextDecoder().decode(f.body));
const presenceFrames = (t: FakeTransport): unknown[] =>
  t.frames
    .filter((f) => f.command === 'MESSAGE' && header(f, 'parley-kind') === PRESENCE_KIND)
    .map(json);

function withPresence(): Harness {
  const ref: { h?: Harness } = {};
  const presence = new PresenceService({
    store: new MemoryPresenceStore(),
    publish: (room, event) =>
      ref
        .h!.broker.publish({
          destination: room,
          body: new TextEncoder().encode(encodePresenceEvent(event)),
          headers: [['parley-kind', PRESENCE_KIND]],
          sender: event.user.id,
          ephemeral: true,
        })
        .then(() => undefined),
  });
  services.push(presence);
  ref.h = harness({ presence });
  return ref.h;
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await settle();
};

describe('Session: presence', () => {
  it('sends the member list, then joins and leaves, to presence subscribers only', async () => {
    const h = withPresence();
    const alice = await connected(h, 'good');
    const watcher = await connected(h, 'good-worker');
    watcher.session.onData(frame('SUBSCRIBE', { id: 'w', destination: ROOM }));
    alice.session.onData(
      frame('SUBSCRIBE', { id: 'p', destination: ROOM, 'parley-presence': 'true', receipt: 'r' }),
    );
    await flush();
    expect(presenceFrames(alice.transport)[0]).toEqual({
      type: 'members',
      members: [{ id: 'alice', name: 'Alice' }],
    });
    const bob = await connected(h, 'good-bob');
    bob.session.onData(
      frame('SUBSCRIBE', { id: 'p', destination: ROOM, 'parley-presence': 'true' }),
    );
    await flush();
    expect(presenceFrames(bob.transport)[0]).toEqual({
      type: 'members',
      members: expect.arrayContaining([{ id: 'alice', name: 'Alice' }, { id: 'bob' }]),
    });
    expect(presenceFrames(alice.transport).slice(1)).toContainEqual({
      type: 'join',
      user: { id: 'bob' },
    });
    bob.session.onData(frame('UNSUBSCRIBE', { id: 'p' }));
    await flush();
    expect(presenceFrames(alice.transport).at(-1)).toEqual({ type: 'leave', user: { id: 'bob' } });
    // The plain subscriber never saw presence events.
    expect(presenceFrames(watcher.transport)).toEqual([]);
  });

  it('a closed connection leaves every room it was present in', async () => {
    const h = withPresence();
    const alice = await connected(h, 'good');
    alice.session.onData(
      frame('SUBSCRIBE', { id: 'p', destination: ROOM, 'parley-presence': 'true' }),
    );
    const bob = await connected(h, 'good-bob');
    bob.session.onData(
      frame('SUBSCRIBE', { id: 'p', destination: ROOM, 'parley-presence': 'true' }),
    );
    await flush();
    bob.session.onTransportClosed();
    await flush();
    expect(presenceFrames(alice.transport).at(-1)).toEqual({ type: 'leave', user: { id: 'bob' } });
  });

  it.each([
    [{ 'parley-presence': 'yes' }, ROOM, 'parley-presence must be true or false'],
    [
      { 'parley-presence': 'true' },
      '/user/queue/x',
      'parley-presence is for rooms (broadcast destinations)',
    ],
  ])('refuses %j on %s', async (extra, destination, message) => {
    const h = withPresence();
    const { session, transport } = await connected(h, 'good');
    session.onData(frame('SUBSCRIBE', { id: 'p', destination, ...extra }));
    await flush();
    expect(errorOf(transport).message).toBe(message);
  });
});
