import { DEV_JWT_SECRET } from './config.js';
import { isLoopbackHost } from './net/ip.js';

/**
 * Who `/dev/token` mints for: anyone (the secret is the public dev secret), loopback peers only
 * (a real secret, but the relay only listens on loopback), or nobody (a real secret on a
 * reachable address: the tokens would be valid on every relay that shares the secret).
 */
export type DevTokenAccess = 'any-peer' | 'loopback-peers' | 'off';

/** What development mode allows, and what to say about it at start. */
export interface DevModePlan {
  devToken: DevTokenAccess;
  /** Why `/dev/token` is off (its 404 body), when it is. */
  offReason?: string;
  /** Start-up warnings, loudest first. */
  warnings: string[];
}

/**
 * The development-mode rules for `/dev/token`.
 * @param settings `secret` is the relay's HS256 secret (absent with only public keys)
 */
export function devModePlan(settings: { host: string; secret?: string }): DevModePlan {
  const { host, secret } = settings;
  if (secret === undefined) {
    const offReason =
      '/dev/token is off: this relay has no HS256 secret to sign with (it verifies with public keys)';
    return { devToken: 'off', offReason, warnings: [`DEVELOPMENT MODE: ${offReason}`] };
  }
  if (secret === DEV_JWT_SECRET) return { devToken: 'any-peer', warnings: [] };
  if (isLoopbackHost(host)) {
    return {
      devToken: 'loopback-peers',
      warnings: [
        'DEVELOPMENT MODE WITH A REAL SECRET: /dev/token answers loopback peers only, and every ' +
          'token it mints is valid on EVERY relay that shares this PARLEY_JWT_SECRET. Use the dev ' +
          'secret (unset PARLEY_JWT_SECRET) for demos.',
      ],
    };
  }
  const offReason =
    `/dev/token is off: development mode with a real PARLEY_JWT_SECRET on a non-loopback ` +
    `address (${host}) would mint tokens valid on every relay sharing that secret for anyone who ` +
    `can reach this port. Unset PARLEY_JWT_SECRET (dev secret) or set PARLEY_HOST=127.0.0.1.`;
  return {
    devToken: 'off',
    offReason,
    warnings: [`DEVELOPMENT MODE WITH A REAL SECRET ON ${host}: ${offReason}`],
  };
}
