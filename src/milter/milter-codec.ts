/**
 * The Sendmail milter protocol, version 6, as bytes: the codec and nothing else.
 *
 * Every packet in both directions is a frame: a 4-byte big-endian length, then that many bytes,
 * the first of which is the command (MTA → milter, `SMFIC_*`) or reply/action (milter → MTA,
 * `SMFIR_*`) code and the rest its payload. Strings in payloads end with a NUL byte; numbers are
 * 32-bit (16-bit for a port) big-endian. The constants are libmilter's (mfdef.h, mfapi.h), the
 * payload layouts are those libmilter and Postfix (milter8.c) read and write.
 *
 * - `MilterFrameReader` cuts a byte stream, split anywhere, into frames and refuses a frame longer
 *   than its limit before reading it (the length field is the only thing an attacker controls up
 *   front). It holds at most one unfinished frame: body chunks are frames of ≤ 64 KiB, so a whole
 *   message is never buffered here.
 * - `decodeCommand` turns one frame into a typed command; `encodeReply` turns a typed reply or
 *   action into one frame. A malformed frame is a `MilterProtocolError` with a stable code; the
 *   session answers it by closing the connection (the MTA then applies its
 *   `milter_default_action`), never by guessing.
 *
 * The rest of src/milter/:
 * - milter-session.ts: one MTA connection — option negotiation (version 6; actions ADDHDRS,
 *   CHGHDRS, DELRCPT required, QUARANTINE and SETSYMLIST when offered; no-reply flags for every
 *   step where the answer is always "continue"; header values with their leading space), macro
 *   collection per stage, the per-message state machine (several messages per connection, ABORT,
 *   QUIT, QUIT_NC), the body streamed to the policy with flow control, the decision sent at end of
 *   message, TEMPFAIL when the policy fails.
 * - milter-policy.ts: the seam to the quarantine (`MilterPolicy.decide`) and a pass-through
 *   policy.
 * - milter-server.ts: the TCP / unix-socket listener.
 * Status (issue 19): this is the protocol layer only; nothing starts it yet. The policy that runs
 * the verdict pipeline, stores held items and answers DELRCPT/DISCARD/REJECT comes with the
 * ingest wiring, and the operator documentation with it.
 */

/** The protocol version spoken: 6 (Sendmail 8.14+, Postfix 2.6+). */
export const MILTER_PROTOCOL_VERSION = 6;

/** Largest body chunk an MTA sends unless larger sizes are negotiated (MILTER_CHUNK_SIZE). */
export const MILTER_CHUNK_SIZE = 65_535;

/**
 * Default limit of one frame's length field (command byte + payload). Body chunks stay under
 * 64 KiB, but Postfix sends one header in one frame and allows headers of up to 100 KiB
 * (header_size_limit); 1 MiB leaves room for that and for long macro lists.
 */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

/** MTA → milter command codes (SMFIC_*). */
export const COMMAND_CODE = {
  abort: 'A',
  body: 'B',
  connect: 'C',
  macro: 'D',
  bodyEob: 'E',
  helo: 'H',
  quitNewConnection: 'K',
  header: 'L',
  mail: 'M',
  eoh: 'N',
  optneg: 'O',
  quit: 'Q',
  rcpt: 'R',
  data: 'T',
  unknown: 'U',
} as const;

/** milter → MTA reply and action codes (SMFIR_*). */
export const REPLY_CODE = {
  addrcpt: '+',
  delrcpt: '-',
  addrcptPar: '2',
  accept: 'a',
  continue: 'c',
  discard: 'd',
  addheader: 'h',
  insheader: 'i',
  setsymlist: 'l',
  chgheader: 'm',
  progress: 'p',
  quarantine: 'q',
  reject: 'r',
  skip: 's',
  tempfail: 't',
  replycode: 'y',
  optneg: 'O',
} as const;

/** Actions a milter may ask for at end of message (SMFIF_*), negotiated in OPTNEG. */
export const ACTION_FLAG = {
  addHeaders: 0x001,
  changeBody: 0x002,
  addRecipient: 0x004,
  deleteRecipient: 0x008,
  changeHeaders: 0x010,
  quarantine: 0x020,
  changeFrom: 0x040,
  addRecipientWithArgs: 0x080,
  setSymbolList: 0x100,
} as const;

/** Protocol steps the milter may have the MTA leave out or not wait for (SMFIP_*). */
export const PROTOCOL_FLAG = {
  noConnect: 0x0000_0001,
  noHelo: 0x0000_0002,
  noMail: 0x0000_0004,
  noRcpt: 0x0000_0008,
  noBody: 0x0000_0010,
  noHeaders: 0x0000_0020,
  noEoh: 0x0000_0040,
  noReplyHeader: 0x0000_0080,
  noUnknown: 0x0000_0100,
  noData: 0x0000_0200,
  skip: 0x0000_0400,
  rcptRejected: 0x0000_0800,
  noReplyConnect: 0x0000_1000,
  noReplyHelo: 0x0000_2000,
  noReplyMail: 0x0000_4000,
  noReplyRcpt: 0x0000_8000,
  noReplyData: 0x0001_0000,
  noReplyUnknown: 0x0002_0000,
  noReplyEoh: 0x0004_0000,
  noReplyBody: 0x0008_0000,
  headerLeadingSpace: 0x0010_0000,
} as const;

/** The stages a macro list belongs to (SMFIM_*), as sent in the OPTNEG reply's symbol lists. */
export const MACRO_STAGE = {
  connect: 0,
  helo: 1,
  mail: 2,
  rcpt: 3,
  data: 4,
  eom: 5,
  eoh: 6,
} as const;

export type MacroStage = keyof typeof MACRO_STAGE;

export type MilterProtocolErrorCode =
  /** A frame's length field is larger than the reader's limit. */
  | 'frame_too_large'
  /** A frame is too short for its command, or a string lacks its NUL, or a field is out of range. */
  | 'frame_malformed'
  /** A command byte that protocol version 6 does not define. */
  | 'command_unknown'
  /** A command that cannot come in the session's current state (e.g. a header before MAIL). */
  | 'command_out_of_order'
  /** The MTA's OPTNEG offers an older protocol version or lacks an action the milter needs. */
  | 'negotiation_failed'
  /** A reply the milter was asked to encode is not valid on the wire (e.g. a NUL in a header). */
  | 'reply_invalid';

/** A protocol violation; the session closes the connection when it meets one. */
export class MilterProtocolError extends Error {
  readonly code: MilterProtocolErrorCode;

  constructor(code: MilterProtocolErrorCode, message: string) {
    super(message);
    this.name = 'MilterProtocolError';
    this.code = code;
  }
}

/** One frame: the command or reply code (one byte, as a character) and its payload. */
export interface MilterFrame {
  code: string;
  payload: Buffer;
}

/**
 * Cuts a byte stream into frames. `push` takes whatever the socket delivered and returns every
 * frame completed by it; a frame split across any number of chunks comes out once it is whole.
 */
export class MilterFrameReader {
  readonly #maxFrameBytes: number;
  readonly #chunks: Buffer[] = [];
  #buffered = 0;

  constructor(maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {
    this.#maxFrameBytes = maxFrameBytes;
  }

  /** Bytes of an unfinished frame held back (0 between frames: the stream ended cleanly). */
  get pendingBytes(): number {
    return this.#buffered;
  }

  /** @throws MilterProtocolError `frame_too_large` or `frame_malformed` (a zero length). */
  push(chunk: Buffer): MilterFrame[] {
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
    }
    const frames: MilterFrame[] = [];
    while (this.#buffered >= 4) {
      const length = this.#peek(4).readUInt32BE(0);
      if (length === 0) throw new MilterProtocolError('frame_malformed', 'frame of length 0 has no command');
      if (length > this.#maxFrameBytes) {
        throw new MilterProtocolError(
          'frame_too_large',
          `frame of ${length} bytes exceeds the limit of ${this.#maxFrameBytes}`,
        );
      }
      if (this.#buffered < 4 + length) break;
      const frame = this.#take(4 + length);
      frames.push({ code: String.fromCharCode(frame[4]!), payload: frame.subarray(5) });
    }
    return frames;
  }

  #peek(count: number): Buffer {
    const first = this.#chunks[0]!;
    if (first.length >= count) return first;
    // Merge just enough leading chunks to hold `count` bytes.
    let merged = 0;
    let bytes = 0;
    while (bytes < count) bytes += this.#chunks[merged++]!.length;
    const head = Buffer.concat(this.#chunks.slice(0, merged), bytes);
    this.#chunks.splice(0, merged, head);
    return head;
  }

  #take(count: number): Buffer {
    const first = this.#chunks[0]!;
    let taken: Buffer;
    if (first.length >= count) {
      taken = first.subarray(0, count);
      if (first.length === count) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(count);
    } else {
      const all = Buffer.concat(this.#chunks);
      taken = all.subarray(0, count);
      this.#chunks.length = 0;
      if (all.length > count) this.#chunks.push(all.subarray(count));
    }
    this.#buffered -= count;
    return taken;
  }
}

/** Address family of the SMTP client in CONNECT (SMFIA_*). */
export type ConnectFamily = 'unknown' | 'unix' | 'inet' | 'inet6';

const FAMILY_BY_CODE: Record<string, ConnectFamily> = { U: 'unknown', L: 'unix', '4': 'inet', '6': 'inet6' };

/** A decoded MTA → milter command. Strings are UTF-8; header values and body bytes stay raw. */
export type MilterCommand =
  | { type: 'optneg'; version: number; actions: number; protocol: number }
  | { type: 'macro'; forCommand: string; macros: [name: string, value: string][] }
  | {
      type: 'connect';
      hostname: string;
      family: ConnectFamily;
      /** Absent for family `unknown`; 0 for `unix`. */
      port?: number;
      /** IP address, or the socket path for `unix`; absent for `unknown`. */
      address?: string;
    }
  | { type: 'helo'; name: string }
  /** `args[0]` is the address in angle brackets, the rest ESMTP parameters. */
  | { type: 'mail'; args: string[] }
  | { type: 'rcpt'; args: string[] }
  | { type: 'data' }
  | { type: 'header'; name: string; value: Buffer }
  | { type: 'eoh' }
  | { type: 'body'; chunk: Buffer }
  /** End of message; may carry a last body chunk (usually empty). */
  | { type: 'bodyEob'; chunk: Buffer }
  | { type: 'abort' }
  | { type: 'quit' }
  | { type: 'quitNewConnection' }
  | { type: 'unknown'; command: string };

/** Reads a payload field by field; every shortfall is `frame_malformed`. */
class PayloadReader {
  #offset = 0;
  constructor(
    private readonly payload: Buffer,
    private readonly what: string,
  ) {}

  get done(): boolean {
    return this.#offset >= this.payload.length;
  }

  #need(count: number): void {
    if (this.#offset + count > this.payload.length) {
      throw new MilterProtocolError('frame_malformed', `${this.what}: payload ends early`);
    }
  }

  uint32(): number {
    this.#need(4);
    const value = this.payload.readUInt32BE(this.#offset);
    this.#offset += 4;
    return value;
  }

  uint16(): number {
    this.#need(2);
    const value = this.payload.readUInt16BE(this.#offset);
    this.#offset += 2;
    return value;
  }

  char(): string {
    this.#need(1);
    return String.fromCharCode(this.payload[this.#offset++]!);
  }

  bytesToNul(): Buffer {
    const end = this.payload.indexOf(0, this.#offset);
    if (end < 0) throw new MilterProtocolError('frame_malformed', `${this.what}: string without its NUL`);
    const bytes = this.payload.subarray(this.#offset, end);
    this.#offset = end + 1;
    return bytes;
  }

  string(): string {
    return this.bytesToNul().toString('utf8');
  }

  strings(): string[] {
    const list: string[] = [];
    while (!this.done) list.push(this.string());
    return list;
  }

  end(): void {
    if (!this.done) {
      throw new MilterProtocolError(
        'frame_malformed',
        `${this.what}: ${this.payload.length - this.#offset} unexpected trailing bytes`,
      );
    }
  }
}

const COMMAND_TYPE_BY_CODE = new Map<string, keyof typeof COMMAND_CODE>(
  Object.entries(COMMAND_CODE).map(([type, code]) => [code, type as keyof typeof COMMAND_CODE]),
);

function decodeConnect(reader: PayloadReader): MilterCommand {
  const hostname = reader.string();
  const familyCode = reader.char();
  const family = FAMILY_BY_CODE[familyCode];
  if (!family)
    throw new MilterProtocolError('frame_malformed', `connect: unknown address family "${familyCode}"`);
  if (family === 'unknown') {
    reader.end();
    return { type: 'connect', hostname, family };
  }
  const port = reader.uint16();
  const address = reader.string();
  reader.end();
  return { type: 'connect', hostname, family, port, address };
}

/** @throws MilterProtocolError `command_unknown` or `frame_malformed`. */
export function decodeCommand(frame: MilterFrame): MilterCommand {
  const type = COMMAND_TYPE_BY_CODE.get(frame.code);
  if (!type) {
    throw new MilterProtocolError(
      'command_unknown',
      `unknown command 0x${frame.code.charCodeAt(0).toString(16).padStart(2, '0')}`,
    );
  }
  const reader = new PayloadReader(frame.payload, type);
  switch (type) {
    case 'optneg':
      // Like libmilter, bytes after the three numbers are allowed and ignored.
      return { type, version: reader.uint32(), actions: reader.uint32(), protocol: reader.uint32() };
    case 'macro': {
      const forCommand = reader.char();
      const values = reader.strings();
      if (values.length % 2 !== 0) {
        throw new MilterProtocolError('frame_malformed', 'macro: a name without its value');
      }
      const macros: [string, string][] = [];
      for (let index = 0; index < values.length; index += 2)
        macros.push([values[index]!, values[index + 1]!]);
      return { type, forCommand, macros };
    }
    case 'connect':
      return decodeConnect(reader);
    case 'helo': {
      const name = reader.string();
      reader.end();
      return { type, name };
    }
    case 'mail':
    case 'rcpt': {
      const args = reader.strings();
      if (args.length === 0) throw new MilterProtocolError('frame_malformed', `${type}: no address`);
      return { type, args };
    }
    case 'header': {
      const name = reader.string();
      const value = Buffer.from(reader.bytesToNul());
      reader.end();
      if (name === '') throw new MilterProtocolError('frame_malformed', 'header: empty name');
      return { type, name, value };
    }
    case 'body':
    case 'bodyEob':
      return { type, chunk: Buffer.from(frame.payload) };
    case 'unknown': {
      const command = reader.string();
      reader.end();
      return { type, command };
    }
    case 'data':
    case 'eoh':
    case 'abort':
    case 'quit':
    case 'quitNewConnection':
      reader.end();
      return { type };
  }
}

/**
 * A header edit or envelope change sent before the final reply at end of message. Header values
 * are written without the space after the colon; the session adds it when the MTA expects it.
 */
export type MilterModification =
  | { type: 'addheader'; name: string; value: string }
  /** `index` is the 1-based occurrence of `name` to change; an empty value deletes it. */
  | { type: 'chgheader'; index: number; name: string; value: string }
  /** `index` is the position among all headers, 0 = at the top. */
  | { type: 'insheader'; index: number; name: string; value: string }
  | { type: 'delrcpt'; recipient: string }
  /** Adds a recipient; with `args` (ESMTP parameters) it is sent as ADDRCPT_PAR. */
  | { type: 'addrcpt'; recipient: string; args?: string }
  | { type: 'quarantine'; reason: string };

/** A reply to a command: the final word on it, or a progress note that buys time. */
export type MilterResponse =
  | { type: 'accept' | 'continue' | 'discard' | 'reject' | 'tempfail' | 'progress' | 'skip' }
  /** A full SMTP reply, e.g. `550 5.7.1 Message refused`; its class must be 4 or 5. */
  | { type: 'replycode'; reply: string };

export interface OptnegReply {
  type: 'optneg';
  version: number;
  actions: number;
  protocol: number;
  /**
   * The macros wanted at each stage (SETSYMLIST): sent after the three numbers of the OPTNEG reply
   * as a 32-bit stage and a NUL-ended, space-separated list of names, which is where libmilter puts
   * them and where Postfix and Sendmail read them. Needs the `setSymbolList` action.
   */
  symbolLists?: Partial<Record<MacroStage, readonly string[]>>;
}

export type MilterReply = MilterResponse | MilterModification | OptnegReply;

function cstring(value: string, what: string): Buffer {
  if (value.includes('\0')) throw new MilterProtocolError('reply_invalid', `${what} contains a NUL byte`);
  return Buffer.from(`${value}\0`, 'utf8');
}

function uint32(value: number, what: string): Buffer {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new MilterProtocolError('reply_invalid', `${what} ${value} is not a 32-bit unsigned integer`);
  }
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value, 0);
  return bytes;
}

function headerName(name: string): Buffer {
  // RFC 5322 field names: printable ASCII without the colon.
  if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) {
    throw new MilterProtocolError('reply_invalid', `header name "${name}" is not a valid field name`);
  }
  return cstring(name, 'header name');
}

function headerValue(value: string): Buffer {
  // A bare CR or LF would end the header inside the MTA; folding must be CRLF or LF + whitespace.
  if (/\r(?!\n)|(?<!\r)\n(?![ \t])|\r\n(?![ \t])/.test(value)) {
    throw new MilterProtocolError('reply_invalid', 'header value has a line break that is not folding');
  }
  return cstring(value, 'header value');
}

function smtpReply(reply: string): Buffer {
  const parsed = /^([45])\d\d(?: ([245])\.\d{1,3}\.\d{1,3})?(?: [^\r\n\0]*)?$/.exec(reply);
  // Postfix refuses an enhanced status code whose class differs from the reply code's.
  if (!parsed || (parsed[2] !== undefined && parsed[2] !== parsed[1])) {
    throw new MilterProtocolError('reply_invalid', `"${reply}" is not a one-line 4xx/5xx SMTP reply`);
  }
  // libmilter treats % as a printf escape in the reply text; a literal one is written %%.
  return cstring(reply.replaceAll('%', '%%'), 'reply');
}

function frame(code: string, ...parts: Buffer[]): Buffer {
  const payloadLength = parts.reduce((sum, part) => sum + part.length, 0);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payloadLength + 1, 0);
  head.write(code, 4, 'latin1');
  return Buffer.concat([head, ...parts], 5 + payloadLength);
}

/** One frame for `reply`. @throws MilterProtocolError `reply_invalid` for a value the wire cannot carry. */
export function encodeReply(reply: MilterReply): Buffer {
  switch (reply.type) {
    case 'accept':
    case 'continue':
    case 'discard':
    case 'reject':
    case 'tempfail':
    case 'progress':
    case 'skip':
      return frame(REPLY_CODE[reply.type]);
    case 'replycode':
      return frame(REPLY_CODE.replycode, smtpReply(reply.reply));
    case 'addheader':
      return frame(REPLY_CODE.addheader, headerName(reply.name), headerValue(reply.value));
    case 'chgheader':
      return frame(
        REPLY_CODE.chgheader,
        uint32(reply.index, 'header index'),
        headerName(reply.name),
        headerValue(reply.value),
      );
    case 'insheader':
      return frame(
        REPLY_CODE.insheader,
        uint32(reply.index, 'header index'),
        headerName(reply.name),
        headerValue(reply.value),
      );
    case 'delrcpt':
      return frame(REPLY_CODE.delrcpt, cstring(reply.recipient, 'recipient'));
    case 'addrcpt':
      return reply.args === undefined
        ? frame(REPLY_CODE.addrcpt, cstring(reply.recipient, 'recipient'))
        : frame(REPLY_CODE.addrcptPar, cstring(reply.recipient, 'recipient'), cstring(reply.args, 'args'));
    case 'quarantine':
      return frame(REPLY_CODE.quarantine, cstring(reply.reason, 'quarantine reason'));
    case 'optneg': {
      const lists = Object.entries(reply.symbolLists ?? {}).flatMap(([stage, names]) => [
        uint32(MACRO_STAGE[stage as MacroStage], 'macro stage'),
        cstring((names as readonly string[]).join(' '), 'macro list'),
      ]);
      return frame(
        REPLY_CODE.optneg,
        uint32(reply.version, 'version'),
        uint32(reply.actions, 'actions'),
        uint32(reply.protocol, 'protocol'),
        ...lists,
      );
    }
  }
}
