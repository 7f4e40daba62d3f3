/** Why the parser rejected its input. Each code maps to one rule of the STOMP codec. */
export type StompParseErrorCode =
  | 'frame-too-large'
  | 'too-many-headers'
  | 'header-line-too-long'
  | 'invalid-escape'
  | 'malformed-header'
  | 'invalid-header-name'
  | 'invalid-command'
  | 'invalid-content-length'
  | 'missing-null'
  | 'invalid-utf8';

/** A typed parse failure. After one, the parser is poisoned: the connection must be closed. */
export class StompParseError extends Error {
  override readonly name = 'StompParseError';
  constructor(
    readonly code: StompParseErrorCode,
    message: string,
  ) {
    super(message);
  }
}
