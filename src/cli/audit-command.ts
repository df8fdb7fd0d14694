import type { Command } from 'commander';
import type { AuditEntry } from '../store/audit-store.js';
import { addConfigOption, wholeNumberAtLeast, withStores } from './cli-support.js';

function summary(entry: AuditEntry): string {
  const target = [
    ...(entry.target.itemIds ?? []).map((id) => `item:${id}`),
    ...(entry.target.jobId ? [`job:${entry.target.jobId}`] : []),
    ...(entry.target.userId ? [`user:${entry.target.userId}`] : []),
    ...(entry.target.tokenId ? [`token:${entry.target.tokenId}`] : []),
  ];
  return [
    entry.at,
    entry.outcome.padEnd(6),
    entry.action,
    entry.actor.label,
    entry.ip ?? '-',
    target.join(' '),
  ].join('  ');
}

export function registerAuditCommand(program: Command): void {
  addConfigOption(
    program
      .command('audit')
      .description('Show the audit log, newest first.')
      .option('--action <action>', 'only this action, e.g. item.release or auth.login')
      .option('--actor <id>', 'only this actor (user id or token id)')
      .option('--item <id>', 'only entries about this item')
      .option('--job <id>', 'only entries about this job')
      .option('--after <time>', 'from this ISO time on (inclusive)')
      .option('--before <time>', 'before this ISO time')
      .option('--limit <n>', 'most entries shown (at most 100000)', wholeNumberAtLeast(1), 50)
      .option('--json', 'one JSON entry per line'),
  ).action(
    (options: {
      config?: string;
      action?: string;
      actor?: string;
      item?: string;
      job?: string;
      after?: string;
      before?: string;
      limit: number;
      json?: boolean;
    }) =>
      withStores(options, async (stores) => {
        const limit = Math.min(options.limit, 100_000);
        let left = limit;
        let cursor: string | undefined;
        do {
          const page = await stores.audit.listAudit(
            {
              ...(options.action ? { action: options.action } : {}),
              ...(options.actor ? { actorId: options.actor } : {}),
              ...(options.item ? { itemId: options.item } : {}),
              ...(options.job ? { jobId: options.job } : {}),
              ...(options.after ? { after: new Date(options.after).toISOString() } : {}),
              ...(options.before ? { before: new Date(options.before).toISOString() } : {}),
            },
            { limit: Math.min(left, 500), cursor },
          );
          for (const entry of page.items) {
            process.stdout.write(`${options.json ? JSON.stringify(entry) : summary(entry)}\n`);
          }
          left -= page.items.length;
          cursor = page.nextCursor ?? undefined;
        } while (cursor && left > 0);
      }),
  );
}
