/**
 * Pure STOMP 1.2 codec: frame model, streaming parser and serializer. No timers, no I/O.
 *
 * @packageDocumentation
 */
export { CLIENT_COMMANDS, SERVER_COMMANDS, header, isEscaped } from './frame.js';
export type { ClientCommand, Frame, ServerCommand } from './frame.js';
export { StompParseError } from './errors.js';
export type { StompParseErrorCode } from './errors.js';
export { DEFAULT_LIMITS, StompParser } from './parser.js';
export type { HeaderNameRule, ParserHandlers, ParserLimits, ParserOptions } from './parser.js';
export {
  TOKEN_PUNCTUATION,
  headerNameProblem,
  isTokenHeaderName,
  printableName,
} from './header-name.js';
export { escapeHeader, serialize } from './serializer.js';
export type { SerializeOptions } from './serializer.js';
