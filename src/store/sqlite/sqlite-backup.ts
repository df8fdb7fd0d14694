import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { LazaretError, storeError } from '../../core/errors.js';
import { blobFilePath, fsyncPath } from '../fs/fs-blob-store.js';
import { DATABASE_FILE } from './sqlite-database.js';

export const BLOB_DIR = 'blobs';
export const MANIFEST_FILE = 'lazaret-backup.json';
const FORMAT = 1;
/** Snapshots taken before giving up when purges keep removing raw messages the last one still needed. */
const MAX_ROUNDS = 10;
/**
 * A backup, and a restored store, hold every quarantined message and the users' password hashes: only
 * the owner may read them, whatever the umask of the shell that ran `lazaret backup` or `restore`.
 */
const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

export interface BackupManifest {
  format: number;
  createdAt: string;
  messages: number;
  items: number;
  /** Raw messages stored as files (the rest are inside the database). */
  blobFiles: number;
}

export interface RestoreReport {
  messages: number;
  items: number;
  /** Raw messages whose size and SHA-256 were checked against the database. */
  verified: number;
}

/** Blob keys of the messages whose raw message is still kept, and which of those are inline. */
function neededBlobs(db: Database): { key: string; sha256: string; size: number; inline: boolean }[] {
  const hasInline =
    db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'blobs'").get() !== undefined;
  return (
    db
      .prepare(
        `SELECT m.blob_key AS key, m.sha256 AS sha256, m.size AS size,
                ${hasInline ? 'EXISTS (SELECT 1 FROM blobs b WHERE b.key = m.blob_key)' : '0'} AS inline
         FROM messages m WHERE m.blob_removed_at IS NULL`,
      )
      .all() as { key: string; sha256: string; size: number; inline: number }[]
  ).map((row) => ({ ...row, inline: row.inline === 1 }));
}

function count(db: Database, table: string): number {
  return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

async function isEmptyOrAbsent(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}

/** Copies `from` to `to` readable by the owner only; false when `from` does not exist. */
async function copyIfPresent(from: string, to: string): Promise<boolean> {
  try {
    await mkdir(dirname(to), { recursive: true, mode: PRIVATE_DIR });
    await copyFile(from, to);
    await chmod(to, PRIVATE_FILE);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Copies the embedded store of `dataDir` into the empty folder `target` while a server may be using
 * it. The database comes from `VACUUM INTO`, one read transaction, so it is a consistent snapshot that
 * concurrent commits neither block nor disturb. Every message file that snapshot still needs is
 * copied after it: ingest writes the file before committing its items, so it exists; if a purge
 * removed it in between, a new snapshot is taken (it then no longer needs that file), until one
 * snapshot's files are all copied. So no item in the backup lacks its raw message.
 */
export async function backupEmbeddedStore(
  dataDir: string,
  target: string,
  options: BackupOptions = {},
): Promise<BackupManifest> {
  try {
    return await backup(dataDir, target, options);
  } catch (error) {
    throw storeError('backup', error);
  }
}

interface BackupOptions {
  /** Further files of dataDir that belong with the store (the digest link-signing key): copied when present. */
  dataFiles?: readonly string[];
  /** Called after each snapshot, before its files are copied (tests put a purge there). */
  afterSnapshot?: (round: number) => Promise<void>;
}

async function backup(dataDir: string, target: string, options: BackupOptions): Promise<BackupManifest> {
  const source = join(dataDir, DATABASE_FILE);
  try {
    await stat(source);
  } catch {
    throw new LazaretError(
      'validation_error',
      `No embedded store at ${dataDir} (${DATABASE_FILE} is missing)`,
    );
  }
  if (!(await isEmptyOrAbsent(target)))
    throw new LazaretError('validation_error', `Backup folder ${target} is not empty`);
  await mkdir(target, { recursive: true, mode: PRIVATE_DIR });
  await chmod(target, PRIVATE_DIR);
  const snapshot = join(target, `${DATABASE_FILE}.snapshot`);
  const copied = new Set<string>();
  try {
    const live = new BetterSqlite3(source, { fileMustExist: true });
    live.pragma('busy_timeout = 5000');
    try {
      for (let round = 1; ; round += 1) {
        await rm(snapshot, { force: true });
        live.prepare('VACUUM INTO ?').run(snapshot);
        await chmod(snapshot, PRIVATE_FILE);
        const db = new BetterSqlite3(snapshot, { readonly: true });
        let needed: ReturnType<typeof neededBlobs>;
        let manifest: BackupManifest;
        try {
          needed = neededBlobs(db);
          manifest = {
            format: FORMAT,
            createdAt: new Date().toISOString(),
            messages: count(db, 'messages'),
            items: count(db, 'items'),
            blobFiles: needed.filter((blob) => !blob.inline).length,
          };
        } finally {
          db.close();
        }
        await options.afterSnapshot?.(round);
        let missing = 0;
        for (const blob of needed) {
          if (blob.inline || copied.has(blob.key)) continue;
          const from = blobFilePath(join(dataDir, BLOB_DIR), blob.key).file;
          const to = blobFilePath(join(target, BLOB_DIR), blob.key).file;
          if (await copyIfPresent(from, to)) copied.add(blob.key);
          else missing += 1;
        }
        if (missing === 0) {
          for (const file of options.dataFiles ?? [])
            await copyIfPresent(join(dataDir, file), join(target, file));
          await fsyncPath(snapshot);
          await rename(snapshot, join(target, DATABASE_FILE));
          await writeFile(join(target, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, {
            mode: PRIVATE_FILE,
          });
          await fsyncPath(target);
          return manifest;
        }
        if (round === MAX_ROUNDS)
          throw new LazaretError(
            'store_error',
            `Backup gave up after ${MAX_ROUNDS} snapshots: raw messages kept disappearing (${missing} in the last one)`,
          );
      }
    } finally {
      live.close();
    }
  } catch (error) {
    // The folder was empty: what is in it now is this failed backup's, and a half backup must not be
    // mistaken for one (a full target disk, a vanished data dir).
    await emptyFolder(target).catch(() => undefined);
    throw storeError('backup', error);
  }
}

async function emptyFolder(folder: string): Promise<void> {
  for (const entry of await readdir(folder)) await rm(join(folder, entry), { recursive: true, force: true });
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Restores a backup made by backupEmbeddedStore into `dataDir`, which must hold no store yet. Before
 * anything is copied, the backup's database must pass SQLite's integrity check and every raw message
 * it needs must be there with the size and SHA-256 the database recorded at ingest. The database is
 * copied last, so an interrupted restore leaves no store that `serve` would open. `dataFiles` are
 * the further files the backup was made with (BackupOptions.dataFiles), restored when present.
 */
export async function restoreEmbeddedStore(
  backup: string,
  dataDir: string,
  dataFiles: readonly string[] = [],
): Promise<RestoreReport> {
  try {
    return await restore(backup, dataDir, dataFiles);
  } catch (error) {
    throw storeError('restore', error);
  }
}

async function restore(
  backup: string,
  dataDir: string,
  dataFiles: readonly string[],
): Promise<RestoreReport> {
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(await readFile(join(backup, MANIFEST_FILE), 'utf8')) as BackupManifest;
  } catch {
    throw new LazaretError(
      'validation_error',
      `${backup} is not a Lazaret backup (${MANIFEST_FILE} is missing or unreadable)`,
    );
  }
  if (manifest.format !== FORMAT)
    throw new LazaretError(
      'validation_error',
      `Backup format ${manifest.format} is not supported (expected ${FORMAT})`,
    );
  try {
    await stat(join(dataDir, DATABASE_FILE));
    throw new LazaretError(
      'validation_error',
      `${dataDir} already holds a store; restore into an empty data dir`,
    );
  } catch (error) {
    if (error instanceof LazaretError) throw error;
  }
  const db = new BetterSqlite3(join(backup, DATABASE_FILE), { readonly: true, fileMustExist: true });
  let needed: ReturnType<typeof neededBlobs>;
  let report: RestoreReport;
  try {
    const check = db.pragma('integrity_check', { simple: true });
    if (check !== 'ok')
      throw new LazaretError('validation_error', `Backup database is damaged: ${String(check)}`);
    needed = neededBlobs(db);
    const inline = db.prepare('SELECT bytes FROM blobs WHERE key = ?');
    for (const blob of needed.filter((each) => each.inline)) {
      const bytes = (inline.get(blob.key) as { bytes: Buffer }).bytes;
      if (bytes.length !== blob.size || createHash('sha256').update(bytes).digest('hex') !== blob.sha256)
        throw new LazaretError('validation_error', `Backup message ${blob.key} does not match its checksum`);
    }
    report = { messages: count(db, 'messages'), items: count(db, 'items'), verified: needed.length };
  } finally {
    db.close();
  }
  for (const blob of needed.filter((each) => !each.inline)) {
    const file = blobFilePath(join(backup, BLOB_DIR), blob.key).file;
    const size = await stat(file).then(
      (info) => info.size,
      () => -1,
    );
    if (size !== blob.size || (await sha256Of(file)) !== blob.sha256)
      throw new LazaretError(
        'validation_error',
        `Backup message file ${relative(backup, file)} is missing or does not match its checksum`,
      );
  }
  await mkdir(dataDir, { recursive: true, mode: PRIVATE_DIR });
  for (const blob of needed.filter((each) => !each.inline)) {
    await copyIfPresent(
      blobFilePath(join(backup, BLOB_DIR), blob.key).file,
      blobFilePath(join(dataDir, BLOB_DIR), blob.key).file,
    );
  }
  for (const file of dataFiles) await copyIfPresent(join(backup, file), join(dataDir, file));
  const temporary = join(dataDir, `${DATABASE_FILE}.restoring`);
  await copyFile(join(backup, DATABASE_FILE), temporary);
  await chmod(temporary, PRIVATE_FILE);
  await fsyncPath(temporary);
  await rename(temporary, join(dataDir, DATABASE_FILE));
  await fsyncPath(dataDir);
  return report;
}
