import type { Readable } from 'node:stream';
import type { ConnectFamily, MilterModification } from './milter-codec.js';

/** The SMTP client as the MTA reported it in CONNECT and HELO. */
export interface MilterClient {
  /** The client's host name, or `[address]` when the MTA could not resolve it. */
  hostname: string;
  family: ConnectFamily;
  address?: string;
  port?: number;
  /** The HELO/EHLO argument, once sent. */
  helo?: string;
}

export interface MilterRecipient {
  /** The address without its angle brackets. */
  address: string;
  /** ESMTP parameters of RCPT TO. */
  args: readonly string[];
  /** The macros sent with this RCPT (`rcpt_addr`, `rcpt_mailer` …), names without braces. */
  macros: ReadonlyMap<string, string>;
}

export interface MilterHeader {
  name: string;
  /** The value as the MTA sent it, raw bytes (a leading space is kept where the MTA allows it). */
  value: Buffer;
}

/** One message of a milter connection, handed to the policy at end of headers. */
export interface MilterMessage {
  client: MilterClient;
  sender: { address: string; args: readonly string[] };
  recipients: readonly MilterRecipient[];
  headers: readonly MilterHeader[];
  /**
   * Every macro of the connection and this message, names without braces (`i`, `j`, `_`,
   * `client_addr`, `daemon_name`, `mail_addr` …); a later stage's value wins. The end-of-message
   * macros arrive after the body, so read this map when `body` has ended, not before.
   */
  macros: ReadonlyMap<string, string>;
  /**
   * The body bytes as the MTA sends them (chunks of ≤ 64 KiB), ending at end of message. The
   * session waits for the stream to take each chunk before asking the MTA for the next, so a
   * policy that stops reading holds the MTA back instead of filling memory.
   */
  body: Readable;
  /** Aborted when the MTA aborts the message or the connection goes away. */
  signal: AbortSignal;
}

/** The final word on a message; `continue` at end of message means the same as `accept`. */
export type MilterFinalReply =
  | 'accept'
  | 'continue'
  | 'discard'
  | 'reject'
  | 'tempfail'
  /** A full SMTP reply instead of the MTA's default for reject/tempfail, e.g. `550 5.7.1 …`. */
  | { smtpReply: string };

export interface MilterDecision {
  /** Header edits and recipient changes, sent in this order before `reply`. */
  modifications: readonly MilterModification[];
  reply: MilterFinalReply;
}

/**
 * What the milter does with a message: the one seam between the protocol (milter-session.ts) and
 * the quarantine. A session calls `decide` once per message, at end of headers, and sends what it
 * resolves with at end of message. A rejection (or a modification the MTA did not allow) is
 * answered with TEMPFAIL: the MTA keeps the message, nothing is accepted and forgotten.
 */
export interface MilterPolicy {
  decide(message: MilterMessage): Promise<MilterDecision>;
}

/** Reads the body to its end and lets every message through unchanged (the default; for tests). */
export const passThroughPolicy: MilterPolicy = {
  async decide(message) {
    for await (const _chunk of message.body) {
      // the body is read only so the MTA can send all of it
    }
    return { modifications: [], reply: 'continue' };
  },
};
