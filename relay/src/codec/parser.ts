import { StompParseError } from './errors.js';
import { isEscaped } from './frame.js';
import type { Frame } from './frame.js';
import { headerNameProblem, isTokenHeaderName } from './header-name.js';

/** Size limits enforced by {@link StompParser}; exceeding one is a fatal {@link StompParseError}. */
export interface ParserLimits {
  /** Largest frame in bytes, counting command line, header lines, blank line, body and NUL. */
  maxFrameSize: number;
  /** Largest number of header lines in one frame (repeated headers each count). */
  maxHeaders: number;
  /** Longest command or header line in bytes, not counting its `\n` / `\r\n`. */
  maxHeaderLineLength: number;
}

/**
 * Which header names {@link StompParser} accepts. `any`: every non-empty name (STOMP itself
 * allows any octets but `:`, CR and LF). `token`: RFC 7230 tokens only (see
 * {@link isTokenHeaderName}); any other name is a fatal `invalid-header-name` error. The relay
 * parses every client frame with `token`; `any` is for reading frames of other servers.
 */
export type HeaderNameRule = 'any' | 'token';

/** Options of the {@link StompParser} constructor: limits and the header-name rule. */
export interface ParserOptions extends Partial<ParserLimits> {
  /** Default `any`. Checked on the raw name, before unescaping (an escape is never a token). */
  headerNames?: HeaderNameRule;
}

/** Limits used for every field not given to the {@link StompParser} constructor. */
export const DEFAULT_LIMITS: ParserLimits = {
  maxFrameSize: 64 * 1024,
  maxHeaders: 64,
  maxHeaderLineLength: 8 * 1024,
};

/** Callbacks of {@link StompParser}; both are called synchronously from `push`. */
export interface ParserHandlers {
  /** A complete frame. The frame and its body are owned by the callee (nothing aliases input). */
  onFrame(frame: Frame): void;
  /** One heart-beat EOL (`\n` or `\r\n`) seen between frames. */
  onHeartbeat(): void;
}

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const COLON = 0x3a;
const UPPER_A = 0x41;
const UPPER_Z = 0x5a;
const BACKSLASH = 0x5c;

/** `content-length` as bytes, to spot the header without decoding the line. */
const CONTENT_LENGTH = new TextEncoder().encode('content-length');

const PHASE_IDLE = 0;
const PHASE_HEAD = 1;
const PHASE_BODY_LEN = 2;
const PHASE_BODY_NUL = 3;

/** A released accumulation buffer larger than this is dropped rather than kept for reuse. */
const KEEP_ACC_BYTES = 4096;

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenientDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** A short printable rendering of untrusted bytes for error messages. */
function quote(bytes: Uint8Array): string {
  const max = 32;
  const s = lenientDecoder.decode(bytes.subarray(0, max));
  return JSON.stringify(s) + (bytes.length > max ? '…' : '');
}

/** Undo STOMP 1.2 header escaping; `s` is known to contain a backslash. */
function unescapeHeader(s: string): string {
  let out = '';
  let last = 0;
  let i = s.indexOf('\\');
  while (i !== -1) {
    out += s.slice(last, i);
    switch (s.charCodeAt(i + 1)) {
      case 0x6e: // n
        out += '\n';
        break;
      case 0x72: // r
        out += '\r';
        break;
      case 0x63: // c
        out += ':';
        break;
      case BACKSLASH:
        out += '\\';
        break;
      default:
        if (i + 1 >= s.length) {
          throw new StompParseError(
            'invalid-escape',
            'header ends with an incomplete escape sequence "\\"',
          );
        }
        throw new StompParseError(
          'invalid-escape',
          `invalid escape sequence ${JSON.stringify(s.slice(i, i + 2))} in header (allowed: \\r \\n \\c \\\\)`,
        );
    }
    last = i + 2;
    i = s.indexOf('\\', last);
  }
  return out + s.slice(last);
}

/**
 * Streaming STOMP 1.2 frame parser (pure: no timers, no I/O).
 *
 * Feed it bytes with {@link StompParser.push} in any chunking; it calls
 * {@link ParserHandlers.onFrame} for each complete frame and {@link ParserHandlers.onHeartbeat}
 * for each EOL between frames. Bad input throws a {@link StompParseError} and poisons the parser.
 */
export class StompParser {
  /**
   * `false` for STOMP 1.0: header values are taken literally (no unescaping). Default `true`.
   * Settable at any time; it applies from the next frame whose headers complete, so setting it
   * inside `onFrame` (after version negotiation) affects the frames that follow in the same chunk.
   */
  escapes = true;

  private readonly handlers: ParserHandlers;
  private readonly maxFrame: number;
  private readonly maxHeaders: number;
  private readonly maxLine: number;
  private readonly tokenNames: boolean;

  private poison: { error: unknown } | undefined;
  private phase = PHASE_IDLE;
  /** A `\r` ended the previous chunk between frames; a `\n` must follow. */
  private pendingCR = false;

  // --- head (command + header lines) ---
  /** The head so far lives in `acc` (the frame spans pushes) rather than in the current chunk. */
  private inAcc = false;
  /** Index in the current chunk where the head starts (when `!inAcc`). */
  private headStart = 0;
  /** Start of the current line, relative to the head start. */
  private lineRel = 0;
  /** Complete lines of the head so far, command line included. */
  private lines = 0;
  /** First `content-length` value, -1 when absent. */
  private contentLength = -1;
  /** Byte length of the complete head, blank line included. */
  private headLen = 0;

  // --- frame under construction ---
  private command = '';
  private headers: Array<[string, string]> = [];
  /** Body of a content-length frame that spans pushes. */
  private body: Uint8Array = EMPTY;
  private bodyFilled = 0;

  /** Bytes kept across pushes: the head so far, or the body so far of a NUL-terminated frame. */
  private acc: Uint8Array = EMPTY;
  private accLen = 0;

  /** @param options overrides of {@link DEFAULT_LIMITS}, and the header-name rule */
  constructor(handlers: ParserHandlers, options?: ParserOptions) {
    this.handlers = handlers;
    this.maxFrame = options?.maxFrameSize ?? DEFAULT_LIMITS.maxFrameSize;
    this.maxHeaders = options?.maxHeaders ?? DEFAULT_LIMITS.maxHeaders;
    this.maxLine = options?.maxHeaderLineLength ?? DEFAULT_LIMITS.maxHeaderLineLength;
    this.tokenNames = options?.headerNames === 'token';
  }

  /**
   * Bytes received so far of the current incomplete frame (0 between frames). Never more than
   * `maxFrameSize`.
   */
  get buffered(): number {
    switch (this.phase) {
      case PHASE_HEAD:
        return this.inAcc ? this.accLen : 0;
      case PHASE_BODY_LEN:
        return this.headLen + this.bodyFilled;
      case PHASE_BODY_NUL:
        return this.headLen + this.accLen;
      default:
        return 0;
    }
  }

  /**
   * Feed bytes (or a string, UTF-8 encoded). Emits every complete frame and heart-beat found.
   * The chunk is not retained: bytes still needed are copied, so the caller may reuse it.
   * Handlers must not call `push` re-entrantly.
   *
   * @throws StompParseError on bad input. Any throw (including one from a handler) poisons the
   * parser: every later call throws the same error.
   */
  push(chunk: Uint8Array | string): void {
    if (this.poison) throw this.poison.error;
    let data: Uint8Array;
    if (typeof chunk === 'string') data = encoder.encode(chunk);
    else if (chunk.constructor === Uint8Array) data = chunk;
    // A Buffer (or other subclass): view it as a plain Uint8Array so `slice` copies.
    else data = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    try {
      this.feed(data);
    } catch (error) {
      this.poison = { error };
      throw error;
    }
  }

  private feed(c: Uint8Array): void {
    const n = c.length;
    let i = 0;
    if (this.pendingCR && n > 0) {
      this.pendingCR = false;
      if (c[0] !== LF) throw this.invalidCommand(c.subarray(0, 1), true);
      i = 1;
      this.handlers.onHeartbeat();
    }
    while (i < n) {
      switch (this.phase) {
        case PHASE_IDLE:
          i = this.idle(c, i);
          break;
        case PHASE_HEAD:
          i = this.inAcc ? this.headAcc(c, i) : this.headDirect(c, i);
          break;
        case PHASE_BODY_LEN:
          i = this.bodyLen(c, i);
          break;
        default:
          i = this.bodyNul(c, i);
      }
    }
  }

  /** Between frames: consume heart-beat EOLs, then start a frame. */
  private idle(c: Uint8Array, i: number): number {
    const n = c.length;
    while (i < n) {
      const b = c[i]!;
      if (b === LF) {
        i++;
        this.handlers.onHeartbeat();
      } else if (b === CR) {
        if (i + 1 === n) {
          this.pendingCR = true;
          return n;
        }
        if (c[i + 1] !== LF) throw this.invalidCommand(c.subarray(i, i + 2), true);
        i += 2;
        this.handlers.onHeartbeat();
      } else {
        // A command is upper-case letters: reject anything else before buffering it.
        if (b < UPPER_A || b > UPPER_Z) throw this.invalidCommand(c.subarray(i, i + 32), true);
        this.phase = PHASE_HEAD;
        this.inAcc = false;
        this.headStart = i;
        this.lineRel = 0;
        this.lines = 0;
        this.contentLength = -1;
        return i;
      }
    }
    return i;
  }

  /** Head that started in the current chunk: scan its lines in place. */
  private headDirect(c: Uint8Array, i: number): number {
    const n = c.length;
    const base = this.headStart;
    let lf = c.indexOf(LF, i);
    while (lf !== -1) {
      if (this.line(c, base, lf)) return lf + 1;
      lf = c.indexOf(LF, lf + 1);
    }
    // Incomplete: keep the head so far.
    this.checkPartial(n - base - this.lineRel, c[n - 1] === CR, n - base);
    this.append(c, base, n);
    this.inAcc = true;
    return n;
  }

  /** Head continued from an earlier push: move one line at a time into `acc`. */
  private headAcc(c: Uint8Array, i: number): number {
    const n = c.length;
    const lf = c.indexOf(LF, i);
    if (lf === -1) {
      this.checkPartial(this.accLen - this.lineRel + n - i, c[n - 1] === CR, this.accLen + n - i);
      this.append(c, i, n);
      return n;
    }
    // Check the limits before copying, so `acc` never holds more than a frame may.
    let lineLen = this.accLen - this.lineRel + lf - i;
    if (lineLen > 0 && (lf > i ? c[lf - 1] : this.acc[this.accLen - 1]) === CR) lineLen--;
    if (lineLen > this.maxLine) throw this.lineTooLong(lineLen, true);
    if (this.accLen + lf + 1 - i + 1 > this.maxFrame) throw this.frameTooLarge();
    this.append(c, i, lf + 1);
    this.line(this.acc, 0, this.accLen - 1);
    return lf + 1;
  }

  /**
   * One complete head line in `src`: it starts at `base + lineRel` and ends with the `\n` at `lf`.
   * Returns true when it was the blank line ending the head (the phase then moved to the body).
   */
  private line(src: Uint8Array, base: number, lf: number): boolean {
    const ls = base + this.lineRel;
    let le = lf;
    if (le > ls && src[le - 1] === CR) le--;
    const len = le - ls;
    if (len > this.maxLine) throw this.lineTooLong(len, true);
    const headSoFar = lf + 1 - base;
    this.lineRel = headSoFar;
    if (headSoFar + 1 > this.maxFrame) throw this.frameTooLarge();

    if (this.lines === 0) {
      for (let k = ls; k < le; k++) {
        const b = src[k]!;
        if (b < UPPER_A || b > UPPER_Z) throw this.invalidCommand(src.subarray(ls, le), false);
      }
      if (len === 0) throw this.invalidCommand(src.subarray(ls, le), false);
      this.lines = 1;
      return false;
    }
    if (len === 0) {
      this.finishHead(src, base, ls - base, headSoFar);
      return true;
    }
    if (this.lines > this.maxHeaders) {
      throw new StompParseError(
        'too-many-headers',
        `frame has more than the maximum of ${this.maxHeaders} headers`,
      );
    }
    // `content-length:` (name bytes then a colon at offset 14); the `:` check rules out a
    // shorter line, since the name bytes cannot include the line's LF.
    if (
      this.contentLength < 0 &&
      src[ls + CONTENT_LENGTH.length] === COLON &&
      this.isContentLength(src, ls)
    ) {
      this.readContentLength(src, ls + CONTENT_LENGTH.length + 1, le, headSoFar);
    }
    this.lines++;
    return false;
  }

  private isContentLength(src: Uint8Array, ls: number): boolean {
    for (let k = 0; k < CONTENT_LENGTH.length; k++)
      if (src[ls + k] !== CONTENT_LENGTH[k]) return false;
    return true;
  }

  /**
   * Parse the first content-length value from its raw bytes. An escape sequence can never yield
   * a digit, so checking the raw bytes is exact in every escaping mode.
   */
  private readContentLength(src: Uint8Array, from: number, to: number, headSoFar: number): void {
    let v = 0;
    for (let k = from; k < to; k++) {
      const d = src[k]! - 0x30;
      if (d < 0 || d > 9) break;
      if (v <= Number.MAX_SAFE_INTEGER) v = v * 10 + d;
      if (k === to - 1) {
        // All digits. Minimum frame: head so far + blank line + body + NUL.
        if (headSoFar + 1 + v + 1 > this.maxFrame) {
          throw new StompParseError(
            'frame-too-large',
            `content-length ${lenientDecoder.decode(src.subarray(from, Math.min(to, from + 32)))} exceeds the maximum frame size of ${this.maxFrame} bytes`,
          );
        }
        this.contentLength = v;
        return;
      }
    }
    throw new StompParseError(
      'invalid-content-length',
      `invalid content-length ${quote(src.subarray(from, to))}: must be a non-negative decimal integer`,
    );
  }

  /** Decode the head `src[base, base + headEnd)` (blank line excluded) into command and headers. */
  private finishHead(src: Uint8Array, base: number, headEnd: number, headLen: number): void {
    let text: string;
    try {
      text = decoder.decode(src.subarray(base, base + headEnd));
    } catch {
      throw new StompParseError('invalid-utf8', 'frame headers are not valid UTF-8');
    }
    let nl = text.indexOf('\n');
    const command = text.slice(0, text.charCodeAt(nl - 1) === CR ? nl - 1 : nl);
    let p = nl + 1;
    // One search for the whole head spares a search per header in the common case.
    const unescape = this.escapes && isEscaped(command) && text.includes('\\', p);
    const headers: Array<[string, string]> = [];
    const end = text.length;
    while (p < end) {
      nl = text.indexOf('\n', p);
      const e = text.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
      const colon = text.indexOf(':', p);
      if (colon === -1 || colon >= e) {
        throw new StompParseError(
          'malformed-header',
          `header line ${headers.length + 1} has no ':' between name and value`,
        );
      }
      if (colon === p) {
        throw new StompParseError(
          'malformed-header',
          `header line ${headers.length + 1} has an empty name`,
        );
      }
      let name = text.slice(p, colon);
      let value = text.slice(colon + 1, e);
      if (this.tokenNames && !isTokenHeaderName(name)) {
        throw new StompParseError(
          'invalid-header-name',
          `header line ${headers.length + 1}: ${headerNameProblem(name) ?? 'invalid name'}`,
        );
      }
      if (unescape) {
        if (name.includes('\\')) name = unescapeHeader(name);
        if (value.includes('\\')) value = unescapeHeader(value);
      }
      headers.push([name, value]);
      p = nl + 1;
    }
    this.command = command;
    this.headers = headers;
    this.headLen = headLen;
    this.accLen = 0;
    this.inAcc = false;
    if (this.contentLength >= 0) {
      if (headLen + this.contentLength + 1 > this.maxFrame) {
        throw new StompParseError(
          'frame-too-large',
          `content-length ${this.contentLength} exceeds the maximum frame size of ${this.maxFrame} bytes`,
        );
      }
      this.bodyFilled = 0;
      this.phase = PHASE_BODY_LEN;
    } else {
      if (headLen + 1 > this.maxFrame) throw this.frameTooLarge();
      this.phase = PHASE_BODY_NUL;
    }
  }

  /** Body of known length, then NUL. */
  private bodyLen(c: Uint8Array, i: number): number {
    const n = c.length;
    const cl = this.contentLength;
    if (this.bodyFilled === 0 && n - i > cl) {
      // Whole body and its NUL are in this chunk.
      if (c[i + cl] !== NUL) throw this.missingNull();
      this.emit(c.slice(i, i + cl));
      return i + cl + 1;
    }
    if (this.bodyFilled < cl) {
      if (this.bodyFilled === 0) this.body = new Uint8Array(cl);
      const take = Math.min(cl - this.bodyFilled, n - i);
      this.body.set(c.subarray(i, i + take), this.bodyFilled);
      this.bodyFilled += take;
      i += take;
      if (i === n) return n;
    }
    if (c[i] !== NUL) throw this.missingNull();
    this.emit(this.body);
    return i + 1;
  }

  /** Body running to the first NUL. */
  private bodyNul(c: Uint8Array, i: number): number {
    const n = c.length;
    /** How many more body bytes fit in the frame. */
    const budget = this.maxFrame - this.headLen - 1 - this.accLen;
    let nul: number;
    if (n - i > budget) {
      nul = c.subarray(i, i + budget + 1).indexOf(NUL);
      if (nul === -1) throw this.frameTooLarge();
      nul += i;
    } else {
      nul = c.indexOf(NUL, i);
      if (nul === -1) {
        this.append(c, i, n);
        return n;
      }
    }
    let body: Uint8Array;
    if (this.accLen === 0) {
      body = c.slice(i, nul);
    } else {
      body = new Uint8Array(this.accLen + nul - i);
      body.set(this.acc.subarray(0, this.accLen));
      body.set(c.subarray(i, nul), this.accLen);
    }
    this.emit(body);
    return nul + 1;
  }

  private emit(body: Uint8Array): void {
    const frame: Frame = { command: this.command, headers: this.headers, body };
    this.phase = PHASE_IDLE;
    this.headers = [];
    this.body = EMPTY;
    this.bodyFilled = 0;
    this.accLen = 0;
    if (this.acc.length > KEEP_ACC_BYTES) this.acc = EMPTY;
    this.handlers.onFrame(frame);
  }

  /** Limits for an incomplete line of `lineLen` bytes and an incomplete frame of `frameBytes`. */
  private checkPartial(lineLen: number, endsWithCR: boolean, frameBytes: number): void {
    // A trailing CR may turn out to be half of the line's CRLF.
    const len = endsWithCR ? lineLen - 1 : lineLen;
    if (len > this.maxLine) throw this.lineTooLong(len, false);
    if (frameBytes + 1 > this.maxFrame) throw this.frameTooLarge();
  }

  /** Copy `src[from, to)` to the end of `acc`. */
  private append(src: Uint8Array, from: number, to: number): void {
    const need = this.accLen + to - from;
    if (need > this.acc.length) {
      const grown = new Uint8Array(Math.max(need, this.acc.length * 2, 256));
      grown.set(this.acc.subarray(0, this.accLen));
      this.acc = grown;
    }
    this.acc.set(src.subarray(from, to), this.accLen);
    this.accLen = need;
  }

  private invalidCommand(bytes: Uint8Array, partial: boolean): StompParseError {
    return new StompParseError(
      'invalid-command',
      `invalid command ${quote(bytes)}${partial ? ' (start of line)' : ''}: a command is upper-case letters A-Z`,
    );
  }

  private lineTooLong(len: number, complete: boolean): StompParseError {
    return new StompParseError(
      'header-line-too-long',
      `line of ${complete ? '' : 'at least '}${len} bytes exceeds the maximum line length of ${this.maxLine} bytes`,
    );
  }

  private frameTooLarge(): StompParseError {
    return new StompParseError(
      'frame-too-large',
      `frame exceeds the maximum frame size of ${this.maxFrame} bytes`,
    );
  }

  private missingNull(): StompParseError {
    return new StompParseError(
      'missing-null',
      `frame body is not followed by NUL after content-length ${this.contentLength} bytes`,
    );
  }
}
