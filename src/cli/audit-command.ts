import type { Command } from 'commander';
import { auditActorIdsOf } from '../auth/user-admin.js';
import type { AuditEntry } from '../store/audit-store.js';
import { addConfigOption, wholeNumberAtLeast, withStores } from './cli-support.js';

/**
 * One line per entry. The item ids of an entry (a bulk job lists up to 1,000) are counted, and listed
 * only with `--items`.
 */
function summary(entry: AuditEntry, withItems: boolean): string {
  const items = entry.target.itemIds ?? [];
  const omitted = typeof entry.params.itemIdsOmitted === 'number' ? entry.params.itemIdsOmitted : 0;
  const target = [
    ...(entry.target.jobId ? [`job:${entry.target.jobId}`] : []),
    ...(withItems
      ? items.map((id) => `item:${id}`)
      : items.length === 1
        ? [`item:${items[0]}`]
        : items.length > 1
          ? [`${items.length + omitted} items`]
          : []),
    ...(entry.target.userId ? [`user:${entry.target.userId}`] : []),
    ...(entry.target.tokenId ? [`token:${entry.target.tokenId}`] : []),
  ];
  const counts = entry.counts
    ? Object.entries(entry.counts)
        .map(([outcome, count]) => `${outcome}=${count}`)
        .join(',')
    : '';
  return [
    entry.at,
    entry.outcome.padEnd(6),
    entry.action,
    entry.actor.label,
    entry.ip ?? '-',
    [target.join(' '), counts].filter(Boolean).join('  '),
  ].join('  ');
}

export function registerAuditCommand(program: Command): void {
  addConfigOption(
    program
      .command('audit')
      .description('Show the audit log, newest first.')
      .option('--action <action>', 'only this action, e.g. item.release or auth.login')
      .option('--actor <id>', 'only this actor (user id or token id)')
      .option('--person <email>', 'only what this person did: signed in or with any of their API tokens')
      .option('--item <id>', 'only entries about this item')
      .option('--job <id>', 'only entries about this job')
      .option('--after <time>', 'from this ISO time on (inclusive)')
      .option('--before <time>', 'before this ISO time')
      .option('--items', "list every item id of an entry (a bulk job's items); otherwise they are counted")
      .option('--limit <n>', 'most entries shown (at most 100000)', wholeNumberAtLeast(1), 50)
      .option('--json', 'one JSON entry per line'),
  ).action(
    (options: {
      config?: string;
      action?: string;
      actor?: string;
      person?: string;
      item?: string;
      job?: string;
      after?: string;
      before?: string;
      items?: boolean;
      limit: number;
      json?: boolean;
    }) =>
      withStores(options, async (stores) => {
        const limit = Math.min(options.limit, 100_000);
        const person = options.person ? await auditActorIdsOf(stores, options.person) : undefined;
        if (person?.length === 0) process.stderr.write(`lazaret: no user ${options.person}.\n`);
        let left = limit;
        let cursor: string | undefined;
        do {
          const page = await stores.audit.listAudit(
            {
              ...(options.action ? { action: options.action } : {}),
              ...(options.actor ? { actorId: options.actor } : {}),
              ...(person ? { actorIdIn: person } : {}),
              ...(options.item ? { itemId: options.item } : {}),
              ...(options.job ? { jobId: options.job } : {}),
              ...(options.after ? { after: new Date(options.after).toISOString() } : {}),
              ...(options.before ? { before: new Date(options.before).toISOString() } : {}),
            },
            { limit: Math.min(left, 500), cursor },
          );
          for (const entry of page.items) {
            process.stdout.write(
              `${options.json ? JSON.stringify(entry) : summary(entry, options.items === true)}\n`,
            );
          }
          left -= page.items.length;
          cursor = page.nextCursor ?? undefined;
        } while (cursor && left > 0);
      }),
  );
}
