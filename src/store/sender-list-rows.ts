import { parseScopeKey } from './owner-scope.js';
import type { ListAction, SenderListEntry } from './sender-list-store.js';

/** A `sender_lists` row as both SQL backends (SQLite, PostgreSQL) store it. */
export interface SenderListRow {
  id: string;
  scope: string;
  scope_kind: string;
  sender: string;
  action: string;
  updated_at: string;
  updated_by: string;
}

export function senderListEntryOf(row: SenderListRow): SenderListEntry {
  return {
    id: row.id,
    scope: parseScopeKey(row.scope),
    action: row.action as ListAction,
    sender: row.sender,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
}
