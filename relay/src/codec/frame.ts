/**
 * A STOMP frame as the codec sees it: a command, ordered headers and a body.
 *
 * Headers are kept as an ordered list of `[name, value]` pairs because STOMP allows
 * repeated headers (the first occurrence wins, see {@link header}).
 */
export interface Frame {
  command: string;
  headers: Array<[string, string]>;
  /** Raw body bytes; empty for frames without a body. */
  body: Uint8Array;
}

/** Client commands of STOMP 1.2. */
export const CLIENT_COMMANDS = [
  'CONNECT',
  'STOMP',
  'SEND',
  'SUBSCRIBE',
  'UNSUBSCRIBE',
  'ACK',
  'NACK',
  'BEGIN',
  'COMMIT',
  'ABORT',
  'DISCONNECT',
] as const;

/** Server commands of STOMP 1.2. */
export const SERVER_COMMANDS = ['CONNECTED', 'MESSAGE', 'RECEIPT', 'ERROR'] as const;

/** A STOMP 1.2 client command. */
export type ClientCommand = (typeof CLIENT_COMMANDS)[number];
/** A STOMP 1.2 server command. */
export type ServerCommand = (typeof SERVER_COMMANDS)[number];

/** Value of the first header called `name`, as STOMP 1.2 says repeated headers resolve. */
export function header(frame: Frame, name: string): string | undefined {
  for (const [k, v] of frame.headers) if (k === name) return v;
  return undefined;
}

/** Whether headers of frames with this command are escaped (CONNECT and CONNECTED are not). */
export function isEscaped(command: string): boolean {
  return command !== 'CONNECT' && command !== 'CONNECTED';
}
