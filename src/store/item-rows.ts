import type { ItemStatus, MessageRecord, QuarantineItem, Reason } from '../core/types.js';

/**
 * An `items` row as both SQL backends (SQLite, PostgreSQL) store it, once each backend has decoded
 * its column types (SQLite's JSON text and 0/1 integers, PostgreSQL's bigint strings).
 */
export interface ItemRow {
  id: string;
  message_id: string;
  recipient: string;
  tenant: string;
  sender: string;
  from_header: string | null;
  subject: string | null;
  size: number;
  has_attachments: boolean;
  reason: string;
  score: number | null;
  details: Record<string, unknown>;
  status: string;
  received_at: string;
  updated_at: string;
  expires_at: string | null;
  release: QuarantineItem['release'];
  last_error: QuarantineItem['lastError'];
  lease_owner: string | null;
  lease_until: string | null;
  version: number;
}

/** A `messages` row of both SQL backends, its column types decoded. */
export interface MessageRow {
  id: string;
  received_at: string;
  size: number;
  sha256: string;
  blob_key: string;
  envelope: MessageRecord['envelope'];
  headers: MessageRecord['headers'];
  attachments: MessageRecord['attachments'];
  parse_problems: string[];
  remote_address: string | null;
  helo_name: string | null;
  queue_id: string | null;
}

export function itemOfRow(row: ItemRow): QuarantineItem {
  return {
    id: row.id,
    messageId: row.message_id,
    recipient: row.recipient,
    tenant: row.tenant,
    sender: row.sender,
    ...(row.from_header === null ? {} : { fromHeader: row.from_header }),
    ...(row.subject === null ? {} : { subject: row.subject }),
    size: row.size,
    hasAttachments: row.has_attachments,
    reason: row.reason as Reason,
    score: row.score,
    details: row.details,
    status: row.status as ItemStatus,
    receivedAt: row.received_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
    release: row.release,
    lastError: row.last_error,
    lease:
      row.lease_owner === null || row.lease_until === null
        ? null
        : { owner: row.lease_owner, until: row.lease_until },
    version: row.version,
  };
}

export function messageOfRow(row: MessageRow): MessageRecord {
  return {
    id: row.id,
    receivedAt: row.received_at,
    size: row.size,
    sha256: row.sha256,
    blobKey: row.blob_key,
    envelope: row.envelope,
    headers: row.headers,
    attachments: row.attachments,
    parseProblems: row.parse_problems,
    ...(row.remote_address === null ? {} : { remoteAddress: row.remote_address }),
    ...(row.helo_name === null ? {} : { heloName: row.helo_name }),
    ...(row.queue_id === null ? {} : { queueId: row.queue_id }),
  };
}
