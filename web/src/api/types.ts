/** Shapes of the Lazaret HTTP API as the UI uses them (see /api/openapi.json for the full schemas). */

export const REASONS = ['spam', 'malware', 'phish', 'policy', 'bulk', 'manual'] as const;
export type Reason = (typeof REASONS)[number];
export const STATUSES = ['quarantined', 'releasing', 'released', 'deleted', 'expired'] as const;
export type ItemStatus = (typeof STATUSES)[number] | 'release_requested';
export type Role = 'admin' | 'domain_admin' | 'user';

export interface Item {
  id: string;
  messageId: string;
  recipient: string;
  sender: string;
  from?: string;
  subject?: string;
  size: number;
  hasAttachments: boolean;
  reason: Reason;
  score: number | null;
  details: Record<string, unknown>;
  status: ItemStatus;
  receivedAt: string;
  updatedAt: string;
  expiresAt: string | null;
  release: { to: string[]; by: string; at: string; reply: string } | null;
  lastError: { code: string; detail: string; at: string; reply?: string } | null;
  version: number;
  /** What the signed-in person may do with the item now, by the server's access policy. */
  allowedActions: ItemAction[];
}

/** The item actions the API offers (`allowedActions`). */
export type ItemAction =
  | 'release'
  | 'request_release'
  | 'approve_release'
  | 'deny_release'
  | 'delete'
  | 'download_attachment';

export interface Message {
  id: string;
  receivedAt: string;
  size: number;
  sha256: string;
  envelope: { mailFrom: string; rcptTo: string[] };
  headers: { from?: string; to?: string; cc?: string; subject?: string; messageId?: string; date?: string };
  attachments: { filename?: string; contentType: string; size: number }[];
  parseProblems: string[];
  /** The SMTP client that sent it (behind Postfix: the original client), its HELO name, Postfix's queue id. */
  remoteAddress?: string;
  heloName?: string;
  queueId?: string;
}

export interface ItemPage {
  items: Item[];
  nextCursor: string | null;
  /** Number of items matching the search, when the server counts them. */
  total?: number;
}

export interface ItemDetail {
  item: Item;
  message: Message;
}

export interface MessageContentInfo {
  headers: { name: string; value: string }[];
  html: boolean;
  text: boolean;
  remoteResources: number;
  inlineImages: number;
  problems: string[];
}

type ReasonCounts = Record<Reason, number>;

export interface Stats {
  from: string;
  to: string;
  days: { day: string; held: ReasonCounts; released: number; deleted: number; expired: number }[];
  totals: { held: ReasonCounts; released: number; deleted: number; expired: number };
  statuses: Record<'quarantined' | 'releasing' | 'released' | 'deleted' | 'expired', number>;
  topSenders: { address: string; count: number }[];
  topRecipients: { address: string; count: number }[];
  /** The store stopped counting early: the numbers are lower bounds. */
  partial: boolean;
}

/** Who is signed in. `local` is the loopback administrator of a server without sign-in. */
export interface Me {
  id: string;
  email: string;
  role: Role;
  domains: string[];
  addresses: string[];
  /** `request`: this user asks for releases instead of releasing. */
  releaseMode?: 'release' | 'request' | null;
  local?: boolean;
}

export type BulkAction = 'release' | 'delete' | 'request_release';

export type Selection = { ids: string[] } | { query: string };

export interface Job {
  id: string;
  action: 'release' | 'delete';
  state: 'preparing' | 'queued' | 'running' | 'completed' | 'cancelled' | 'failed';
  /** Items in the selection; final once `selectionComplete`. */
  total: number;
  selectionComplete: boolean;
  /** Items with an outcome. */
  processed: number;
  /** Items per outcome code (`ok`, `already_released`, `delivery_rejected`, …). */
  counters: Record<string, number>;
  error?: string | null;
}

export interface JobItem {
  seq: number;
  itemId: string;
  outcome: { code: string; message: string; reply?: string } | null;
}

export interface User {
  id: string;
  email: string;
  displayName?: string;
  role: Role;
  domains: string[];
  addresses: string[];
  disabled: boolean;
  releaseMode?: 'release' | 'request' | null;
  createdAt: string;
}

export interface ApiToken {
  id: string;
  userId: string;
  name: string;
  scope: 'read' | 'release' | 'admin';
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: { kind: string; id: string; label: string };
  action: string;
  target: { itemIds?: string[]; jobId?: string; userId?: string; tokenId?: string };
  outcome: string;
  counts?: Record<string, number>;
  params?: Record<string, unknown>;
  ip?: string;
}
