import type { PostgresMigrationSet } from './postgres-migrations.js';

/**
 * Messages and items. Text that is compared or ordered uses the "C" collation, so that ids, ISO
 * timestamps and sort keys order by code point whatever the database's locale (as on SQLite).
 * `subject_folded` and `from_folded` hold the JavaScript lower-casing of their headers, which search
 * matches against (the database's lower() depends on its locale).
 */
export const POSTGRES_ITEM_MIGRATIONS: PostgresMigrationSet = {
  name: 'items',
  steps: [
    `
  CREATE EXTENSION IF NOT EXISTS pg_trgm;

  CREATE TABLE messages (
    id text COLLATE "C" PRIMARY KEY,
    received_at text COLLATE "C" NOT NULL,
    size bigint NOT NULL,
    sha256 text COLLATE "C" NOT NULL,
    blob_key text COLLATE "C" NOT NULL,
    envelope jsonb NOT NULL,
    headers jsonb NOT NULL,
    attachments jsonb NOT NULL,
    parse_problems jsonb NOT NULL,
    remote_address text,
    helo_name text,
    queue_id text,
    blob_removed_at text COLLATE "C"
  );
  CREATE INDEX messages_by_sha256 ON messages (sha256);
  -- message-id: finds a message by its Message-ID header, compared without angle brackets.
  CREATE INDEX messages_by_header_message_id ON messages ((btrim(headers->>'messageId', ' <>')));
  CREATE INDEX messages_blob_kept ON messages (id) WHERE blob_removed_at IS NULL;

  CREATE TABLE items (
    id text COLLATE "C" PRIMARY KEY,
    message_id text COLLATE "C" NOT NULL REFERENCES messages(id),
    recipient text COLLATE "C" NOT NULL,
    tenant text COLLATE "C" NOT NULL,
    sender text COLLATE "C" NOT NULL,
    sender_domain text COLLATE "C" NOT NULL,
    from_header text COLLATE "C",
    from_folded text COLLATE "C",
    subject text COLLATE "C",
    subject_folded text COLLATE "C",
    size bigint NOT NULL,
    has_attachments boolean NOT NULL,
    reason text COLLATE "C" NOT NULL,
    score double precision,
    details jsonb NOT NULL,
    status text COLLATE "C" NOT NULL,
    received_at text COLLATE "C" NOT NULL,
    updated_at text COLLATE "C" NOT NULL,
    expires_at text COLLATE "C",
    release jsonb,
    last_error jsonb,
    lease_owner text COLLATE "C",
    lease_until text COLLATE "C",
    version integer NOT NULL
  );

  -- One index per list filter, each ending in the list order so a page is an index range scan.
  CREATE INDEX items_by_time ON items (received_at DESC, id DESC);
  CREATE INDEX items_by_recipient ON items (recipient, received_at DESC, id DESC);
  CREATE INDEX items_by_tenant ON items (tenant, received_at DESC, id DESC);
  CREATE INDEX items_by_sender ON items (sender, received_at DESC, id DESC);
  CREATE INDEX items_by_sender_domain ON items (sender_domain, received_at DESC, id DESC);
  CREATE INDEX items_by_reason ON items (reason, received_at DESC, id DESC);
  CREATE INDEX items_by_status ON items (status, received_at DESC, id DESC);
  CREATE INDEX items_by_message ON items (message_id);
  CREATE INDEX items_expiring ON items (expires_at, id)
    WHERE expires_at IS NOT NULL AND status IN ('quarantined', 'released');
  CREATE INDEX items_by_lease ON items (lease_until) WHERE lease_until IS NOT NULL AND status = 'releasing';
  -- Trigram index of subjects: finds a rare substring (LIKE '%text%') without scanning every item.
  CREATE INDEX items_by_subject_trigram ON items USING gin (subject_folded gin_trgm_ops);
  `,
  ],
};
