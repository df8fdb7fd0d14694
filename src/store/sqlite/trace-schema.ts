import type { MigrationSet } from './sqlite-database.js';

/** Where a message came from (issue 15): the upstream MTA's queue id beside the client address and HELO. */
export const TRACE_MIGRATIONS: MigrationSet = {
  name: 'message-trace',
  steps: ['ALTER TABLE messages ADD COLUMN queue_id TEXT;'],
};
