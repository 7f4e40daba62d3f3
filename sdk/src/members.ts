import type { Member, PresenceEvent } from './events.js';

function member(v: unknown): Member | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const { id, name } = v as { id?: unknown; name?: unknown };
  if (typeof id !== 'string' || id === '') return undefined;
  return typeof name === 'string' ? { id, name } : { id };
}

/**
 * Reads a presence MESSAGE body (`{"type":"members",…}`, `join`, `leave`); undefined when it is
 * not one.
 *
 * @internal
 */
export function parsePresence(body: string): PresenceEvent | undefined {
  let wire: { type?: unknown; members?: unknown; user?: unknown };
  try {
    wire = JSON.parse(body) as typeof wire;
  } catch {
    return undefined;
  }
  if (!wire || typeof wire !== 'object') return undefined;
  if (wire.type === 'members' && Array.isArray(wire.members)) {
    const members = wire.members.map(member).filter((m): m is Member => m !== undefined);
    return { type: 'members', members };
  }
  const user = member(wire.user);
  if ((wire.type === 'join' || wire.type === 'leave') && user) return { type: wire.type, user };
  return undefined;
}

/**
 * Applies one presence event to a member set, as set operations: the member list replaces the
 * set, `join` adds (or renames), `leave` removes; repeats change nothing. Returns the same map
 * when nothing changed, else a new one (in join order).
 *
 * @internal
 */
export function applyPresence(
  members: ReadonlyMap<string, Member>,
  event: PresenceEvent,
): ReadonlyMap<string, Member> {
  switch (event.type) {
    case 'members': {
      const next = new Map(event.members.map((m) => [m.id, m] as const));
      const same =
        next.size === members.size &&
        [...next].every(([id, m]) => members.get(id)?.name === m.name && members.has(id));
      return same ? members : next;
    }
    case 'join': {
      const known = members.get(event.user.id);
      if (known && known.name === event.user.name) return members;
      return new Map(members).set(event.user.id, event.user);
    }
    case 'leave': {
      if (!members.has(event.user.id)) return members;
      const next = new Map(members);
      next.delete(event.user.id);
      return next;
    }
  }
}
