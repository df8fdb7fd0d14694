// A process that deletes items (and stores a new message) in one group commit on the embedded store,
// and is killed (SIGKILL, by itself) inside that transaction, before COMMIT: either before the
// dashboard counters are updated (CRASH_POINT=before-fold) or after (after-fold). Built code (dist/),
// as `lazaret serve` would run it.
import { GroupCommit } from '../../dist/store/sqlite/group-commit.js';
import { openSqliteDatabase } from '../../dist/store/sqlite/sqlite-database.js';
import { SqliteItemStore } from '../../dist/store/sqlite/sqlite-item-store.js';

const env = process.env;
const db = openSqliteDatabase(env.DB_PATH);
// A tiny page cache, so that the uncommitted changes spill into the WAL file before the crash.
db.pragma('cache_size = 2');
const commits = new GroupCommit(db);
const die = () => {
  process.stdout.write('DYING\n');
  process.kill(process.pid, 'SIGKILL');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10_000);
};
if (env.CRASH_POINT === 'before-fold') commits.beforeCommit(die);
const items = new SqliteItemStore({ db, commits });
if (env.CRASH_POINT === 'after-fold') commits.beforeCommit(die);

const ids = JSON.parse(env.ITEM_IDS);
const at = '2026-11-20T10:00:00.000Z';
const message = {
  id: 'MCRASH',
  receivedAt: at,
  size: 1,
  sha256: '',
  blobKey: 'MCRASH',
  envelope: { mailFrom: 'new@bad.test', rcptTo: ['x@one.test'] },
  headers: {},
  attachments: [],
  parseProblems: [],
};
const item = {
  id: 'ICRASH',
  messageId: 'MCRASH',
  recipient: 'x@one.test',
  tenant: 'one.test',
  sender: 'new@bad.test',
  size: 1,
  hasAttachments: false,
  reason: 'spam',
  score: 9,
  details: {},
  status: 'quarantined',
  receivedAt: at,
  updatedAt: at,
  expiresAt: null,
  release: null,
  lastError: null,
  lease: null,
  version: 1,
};
await Promise.all([
  items.transitionMany(
    ids.map((id) => ({ id, expected: { status: ['quarantined'] }, change: { status: 'deleted', at } })),
  ),
  items.putMessage(message, [item]),
]);
process.stdout.write('COMMITTED\n');
