import type { MigrationSet } from './sqlite-database.js';

/** Schema of messages and items. */
export const ITEM_MIGRATIONS: MigrationSet = {
  name: 'items',
  steps: [
    `
  CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    received_at TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    blob_key TEXT NOT NULL,
    envelope TEXT NOT NULL,
    headers TEXT NOT NULL,
    attachments TEXT NOT NULL,
    parse_problems TEXT NOT NULL,
    remote_address TEXT,
    helo_name TEXT
  ) STRICT;

  CREATE TABLE items (
    id TEXT PRIMARY KEY,
    message_id TEXT NOT NULL REFERENCES messages(id),
    recipient TEXT NOT NULL,
    tenant TEXT NOT NULL,
    sender TEXT NOT NULL,
    sender_domain TEXT NOT NULL,
    from_header TEXT,
    subject TEXT,
    size INTEGER NOT NULL,
    has_attachments INTEGER NOT NULL,
    reason TEXT NOT NULL,
    score REAL,
    details TEXT NOT NULL,
    status TEXT NOT NULL,
    received_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    expires_at TEXT,
    release TEXT,
    last_error TEXT,
    lease_owner TEXT,
    lease_until TEXT,
    version INTEGER NOT NULL
  ) STRICT;

  -- One index per list filter, each ending in the list order so a page is an index range scan.
  CREATE INDEX items_by_time ON items (received_at DESC, id DESC);
  CREATE INDEX items_by_recipient ON items (recipient, received_at DESC, id DESC);
  CREATE INDEX items_by_tenant ON items (tenant, received_at DESC, id DESC);
  CREATE INDEX items_by_sender ON items (sender, received_at DESC, id DESC);
  CREATE INDEX items_by_sender_domain ON items (sender_domain, received_at DESC, id DESC);
  CREATE INDEX items_by_reason ON items (reason, received_at DESC, id DESC);
  CREATE INDEX items_by_status ON items (status, received_at DESC, id DESC);
  CREATE INDEX items_by_message ON items (message_id);
  CREATE INDEX items_by_expiry ON items (expires_at) WHERE expires_at IS NOT NULL;
  CREATE INDEX items_by_lease ON items (lease_until) WHERE lease_until IS NOT NULL;
  `,
    // Trigram full-text index of subjects: finds rare substrings without scanning every item.
    `
  CREATE VIRTUAL TABLE items_subject USING fts5(subject, content='items', content_rowid='rowid', tokenize='trigram');
  INSERT INTO items_subject (items_subject) VALUES ('rebuild');
  CREATE TRIGGER items_subject_insert AFTER INSERT ON items BEGIN
    INSERT INTO items_subject (rowid, subject) VALUES (new.rowid, new.subject);
  END;
  CREATE TRIGGER items_subject_delete AFTER DELETE ON items BEGIN
    INSERT INTO items_subject (items_subject, rowid, subject) VALUES ('delete', old.rowid, old.subject);
  END;
  CREATE TRIGGER items_subject_update AFTER UPDATE OF subject ON items BEGIN
    INSERT INTO items_subject (items_subject, rowid, subject) VALUES ('delete', old.rowid, old.subject);
    INSERT INTO items_subject (rowid, subject) VALUES (new.rowid, new.subject);
  END;
  `,
  ],
};

/** Indexes for the search syntax (src/core/search-query.ts) beyond the list filters. */
export const SEARCH_MIGRATIONS: MigrationSet = {
  name: 'search',
  steps: [
    `
  -- message-id: finds a message by its Message-ID header, compared without angle brackets.
  CREATE INDEX messages_by_header_message_id ON messages (trim(json_extract(headers, '$.messageId'), ' <>'));
  `,
    `
  -- Free text (q=, from:, to:, subject:) through one trigram index over the four searched columns; it
  -- replaces the subject-only index. Built from the items already held (a minute at a million items).
  DROP TRIGGER items_subject_insert;
  DROP TRIGGER items_subject_delete;
  DROP TRIGGER items_subject_update;
  DROP TABLE items_subject;
  CREATE VIRTUAL TABLE items_text USING fts5(
    subject, from_header, sender, recipient, content='items', content_rowid='rowid', tokenize='trigram'
  );
  INSERT INTO items_text (items_text) VALUES ('rebuild');
  CREATE TRIGGER items_text_insert AFTER INSERT ON items BEGIN
    INSERT INTO items_text (rowid, subject, from_header, sender, recipient)
      VALUES (new.rowid, new.subject, new.from_header, new.sender, new.recipient);
  END;
  CREATE TRIGGER items_text_delete AFTER DELETE ON items BEGIN
    INSERT INTO items_text (items_text, rowid, subject, from_header, sender, recipient)
      VALUES ('delete', old.rowid, old.subject, old.from_header, old.sender, old.recipient);
  END;
  CREATE TRIGGER items_text_update AFTER UPDATE OF subject, from_header, sender, recipient ON items BEGIN
    INSERT INTO items_text (items_text, rowid, subject, from_header, sender, recipient)
      VALUES ('delete', old.rowid, old.subject, old.from_header, old.sender, old.recipient);
    INSERT INTO items_text (rowid, subject, from_header, sender, recipient)
      VALUES (new.rowid, new.subject, new.from_header, new.sender, new.recipient);
  END;
  -- The list's sort orders that no filter index serves (the sort expressions of SqliteItemStore).
  CREATE INDEX items_by_subject_order ON items (ifnull(subject, ''), id);
  CREATE INDEX items_by_score_order ON items (ifnull(score, -1e300), id);
  CREATE INDEX items_by_size_order ON items (size, id);
  CREATE INDEX items_by_reason_order ON items (reason, id);
  `,
  ],
};
