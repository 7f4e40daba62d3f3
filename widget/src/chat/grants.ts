/**
 * Whether a token grants a destination, read from its `parley` claim the way the relay reads
 * it (`*`: any run of characters but `/`; `**`: anything). Used only to avoid sending what the
 * relay would refuse (a refused SEND ends the connection); the relay stays the authority.
 */
export function mayPublish(token: string | undefined, destination: string): boolean {
  if (!token) return false;
  let claims: { parley?: { pub?: unknown } };
  try {
    const part = (token.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/');
    claims = JSON.parse(
      new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0))),
    );
  } catch {
    return false;
  }
  // No `parley` claim: the relay allows everything only in development mode; try it.
  if (!claims.parley) return true;
  const pub = Array.isArray(claims.parley.pub) ? claims.parley.pub : [];
  return pub.some((p) => typeof p === 'string' && matches(p, destination));
}

function matches(pattern: string, destination: string): boolean {
  const source = pattern
    .split('**')
    .map((part) =>
      part
        .split('*')
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]*'),
    )
    .join('.*');
  return new RegExp(`^${source}$`).test(destination);
}
