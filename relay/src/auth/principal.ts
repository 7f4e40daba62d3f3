/** Destination patterns a token grants, from its `parley` claim. */
export interface Grants {
  sub: string[];
  pub: string[];
}

/** The verified identity behind a connection. */
export interface Principal {
  /** `sub` claim. */
  userId: string;
  /** `name` claim, if any. */
  name?: string;
  /** `parley` claim; `null` when the token has none. */
  grants: Grants | null;
  /** Token expiry in ms since the epoch, if the token has `exp`. */
  expiresAt?: number;
}
