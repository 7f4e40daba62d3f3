/** Small node-redis helpers shared by the Redis broker and the Redis presence store. @internal */

/** Settings of the first URL that node-redis does not carry over to discovered cluster nodes. */
export function clusterDefaults(url: string): {
  username?: string;
  password?: string;
  socket?: { tls: true };
} {
  const parsed = new URL(url);
  return {
    ...(parsed.username && { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password && { password: decodeURIComponent(parsed.password) }),
    ...(parsed.protocol === 'rediss:' && { socket: { tls: true as const } }),
  };
}

/** Closes a client politely, and destroys it when that takes more than two seconds or fails. */
export async function closeClient(client: {
  close(): Promise<void>;
  destroy(): void;
}): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), 2000);
  });
  try {
    if ((await Promise.race([client.close(), late])) === 'late') client.destroy();
  } catch {
    client.destroy();
  } finally {
    clearTimeout(timer);
  }
}
