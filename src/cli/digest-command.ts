import type { Command } from 'commander';
import { findUser } from '../auth/user-admin.js';
import { LazaretError } from '../core/errors.js';
import { type DigestAudience, loadAudience } from '../digest/digest-audience.js';
import { loadLinkSecrets } from '../digest/link-keys.js';
import { LinkSigner } from '../digest/link-token.js';
import { effectiveSchedule } from '../digest/schedule.js';
import { buildDigest, type DigestDeps, sendDigest } from '../digest/send-digest.js';
import { createLogger } from '../log.js';
import { SmtpRelay } from '../release/smtp-relay.js';
import type { UserRecord } from '../store/user-store.js';
import { addConfigOption, withStores } from './cli-support.js';

/** For a preview: who the digest would cover even when the schedule says never. */
function previewAudience(user: UserRecord, timeZone: string): DigestAudience {
  const schedule = { frequency: 'daily' as const, hour: 8, weekday: 1, timeZone };
  if (user.role === 'user') return { user, schedule, filter: { recipientIn: user.addresses }, copyOf: null };
  return { user, schedule, filter: { tenantIn: user.domains }, copyOf: user.domains };
}

export function registerDigestCommand(program: Command): void {
  const digest = program.command('digest').description('Quarantine digests: preview or send one now.');

  addConfigOption(
    digest
      .command('send')
      .description(
        "Send a user's digest now (new held mail since their last digest), or with --dry-run print it and send nothing.",
      )
      .requiredOption('--user <email>', 'whose digest')
      .option('--dry-run', 'print the digest instead of sending it; changes nothing')
      .option('--html', 'with --dry-run: print the HTML part instead of the text part')
      .option('--raw', 'with --dry-run: print the whole message as it would be sent (MIME)'),
  ).action((options: { config?: string; user: string; dryRun?: boolean; html?: boolean; raw?: boolean }) =>
    withStores(options, async (stores, config) => {
      const user = await findUser(stores, options.user);
      const logger = createLogger('warn');
      const relay = new SmtpRelay(config.relay);
      const deps: DigestDeps = {
        items: stores.items,
        digests: stores.digests,
        relay,
        links: new LinkSigner(loadLinkSecrets(config)),
        logger,
        now: stores.now,
        nodeName: `${config.nodeName}/cli`,
        config,
        publicUrl: () => config.http.publicUrl ?? `http://${config.http.host}:${config.http.port}`,
      };
      try {
        let audience = await loadAudience(stores.digests, user, config);
        if (!audience) {
          audience = previewAudience(user, effectiveSchedule([], config.digest).timeZone);
          if (audience.filter.recipientIn?.length === 0 || audience.filter.tenantIn?.length === 0) {
            throw new LazaretError(
              'validation_error',
              `${user.email} has no addresses or domains, so no digest can list anything for them.`,
            );
          }
          process.stderr.write(
            `${user.email} receives no digest on their schedule; ${options.dryRun ? 'this shows what one would list' : 'this one is sent on request'}.\n`,
          );
        }
        if (options.dryRun) {
          const state = (await stores.digests.getDigestStates([user.id])).get(user.id);
          const built = await buildDigest(deps, audience, {
            since: state?.watermark ?? null,
            until: stores.now().toISOString(),
          });
          if (options.raw) process.stdout.write(built.raw.toString('utf8'));
          else {
            process.stdout.write(
              `From: ${config.digest.from}\nTo: ${user.email}\nSubject: ${built.rendered.subject}\n\n${options.html ? built.rendered.html : built.rendered.text}`,
            );
          }
          process.stderr.write(
            `Dry run: ${built.content.items.length} of ${built.content.total} held items listed; nothing was sent or recorded.\n`,
          );
          return;
        }
        const state = (await stores.digests.getDigestStates([user.id])).get(user.id);
        const outcome = await sendDigest(deps, audience, state, { now: true });
        switch (outcome.kind) {
          case 'sent':
            process.stderr.write(
              `Sent ${user.email} a digest listing ${outcome.listed} of ${outcome.total} held items: ${outcome.reply}\n`,
            );
            return;
          case 'empty':
            process.stderr.write(`Nothing new is held for ${user.email}; no digest was sent.\n`);
            return;
          case 'busy':
            throw new LazaretError(
              'conflict',
              `Another process is sending ${user.email}'s digest right now.`,
            );
          case 'failed':
            throw new LazaretError(outcome.code, `The mail server did not take the digest: ${outcome.reply}`);
          default:
            throw new LazaretError('conflict', `The digest was not sent (${outcome.kind}).`);
        }
      } finally {
        relay.close();
        logger.flush();
      }
    }),
  );
}
