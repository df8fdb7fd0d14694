/** Why an item is held. */
export const REASONS = ['spam', 'malware', 'phish', 'policy', 'bulk', 'manual'] as const;
export type Reason = (typeof REASONS)[number];

/** Lifecycle of a quarantine item; see item-status.ts for the allowed moves. */
export const ITEM_STATUSES = [
  'quarantined',
  'release_requested',
  'releasing',
  'released',
  'deleted',
  'expired',
] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];

/** Timestamps are ISO-8601 UTC strings from `Date.prototype.toISOString`, so they sort as text. */
export type Timestamp = string;

export interface Envelope {
  /** Envelope sender as given in MAIL FROM; empty string for the null sender `<>`. */
  mailFrom: string;
  rcptTo: string[];
}

/** What could be read from the top-level header; every field is optional because mail can be malformed. */
export interface HeaderSummary {
  from?: string;
  /** Lower-cased address part of From, when one could be parsed. */
  fromAddress?: string;
  to?: string;
  cc?: string;
  subject?: string;
  messageId?: string;
  date?: string;
  /**
   * SPF, DKIM, DMARC and ARC results from the topmost Authentication-Results header, kept only when
   * the SMTP client that handed the message over is trusted (`scanners.headers.trustedHosts`).
   */
  authResults?: AuthenticationResult[];
}

export interface AuthenticationResult {
  method: 'spf' | 'dkim' | 'dmarc' | 'arc';
  /** As the header says it: pass, fail, softfail, neutral, none, temperror, permerror, policy, … */
  result: string;
  /** The result's comment and properties, e.g. "smtp.mailfrom=a@b.test". */
  detail?: string;
}

export interface AttachmentInfo {
  filename?: string;
  contentType: string;
  /** Size of the encoded part in bytes. */
  size: number;
}

/** One received mail, stored once however many recipients it has. */
export interface MessageRecord {
  id: string;
  receivedAt: Timestamp;
  size: number;
  sha256: string;
  envelope: Envelope;
  headers: HeaderSummary;
  attachments: AttachmentInfo[];
  blobKey: string;
  /** Problems met while summarising the MIME structure; the raw bytes are kept regardless. */
  parseProblems: string[];
  /** The SMTP client that sent the message (the original client when Postfix forwarded it with XFORWARD). */
  remoteAddress?: string;
  /** The HELO/EHLO name that client gave. */
  heloName?: string;
  /** The upstream MTA's queue id (Postfix's XFORWARD IDENT), to find the message in its log. */
  queueId?: string;
}

export interface ItemError {
  code: string;
  detail: string;
  at: Timestamp;
  /** SMTP reply from the downstream server, when the error came from one. */
  reply?: string;
  /** SMTP attempts made before giving up, for delivery errors. */
  attempts?: number;
}

export interface ReleaseInfo {
  to: string[];
  by: string;
  at: Timestamp;
  reply: string;
  /** SMTP attempts it took (4xx answers are retried with back-off). */
  attempts?: number;
  /** The bulk job that released it, if one did. */
  jobId?: string;
}

export interface Lease {
  owner: string;
  until: Timestamp;
}

/** One recipient's copy of a held message: the unit that is listed, released, deleted and access-checked. */
export interface QuarantineItem {
  id: string;
  messageId: string;
  /** Lower-cased envelope recipient. */
  recipient: string;
  /** Recipient domain. */
  tenant: string;
  /** Lower-cased envelope sender ('' for the null sender). */
  sender: string;
  fromHeader?: string;
  subject?: string;
  size: number;
  hasAttachments: boolean;
  reason: Reason;
  score: number | null;
  details: Record<string, unknown>;
  status: ItemStatus;
  receivedAt: Timestamp;
  updatedAt: Timestamp;
  expiresAt: Timestamp | null;
  release: ReleaseInfo | null;
  lastError: ItemError | null;
  lease: Lease | null;
  /** Incremented by every write; transitions are conditional on it. */
  version: number;
}

/** Statuses whose items still need the raw message. */
export const LIVE_STATUSES: readonly ItemStatus[] = [
  'quarantined',
  'release_requested',
  'releasing',
  'released',
];

export function isLive(status: ItemStatus): boolean {
  return LIVE_STATUSES.includes(status);
}
