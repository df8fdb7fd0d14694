import type { Command } from 'commander';
import { isAdministrator } from '../auth/access-policy.js';
import { findUser } from '../auth/user-admin.js';
import { systemActor } from '../core/actor.js';
import { LazaretError } from '../core/errors.js';
import { type DigestAudience, loadAudience, scheduleScopes } from '../digest/digest-audience.js';
import { saveSchedule } from '../digest/digest-settings.js';
import { loadLinkSecrets } from '../digest/link-keys.js';
import { LinkSigner } from '../digest/link-token.js';
import { type EffectiveSchedule, effectiveSchedule } from '../digest/schedule.js';
import { buildDigest, type DigestDeps, sendDigest } from '../digest/send-digest.js';
import { createLogger } from '../log.js';
import { SmtpRelay } from '../relay/smtp-relay.js';
import { DIGEST_FREQUENCIES, type DigestSchedule } from '../store/digest-store.js';
import type { OwnerScope } from '../store/owner-scope.js';
import type { UserRecord } from '../store/user-store.js';
import { addConfigOption, wholeNumberAtLeast, withStores } from './cli-support.js';

/** For a preview: who the digest would cover even when the schedule says never. */
function previewAudience(user: UserRecord, timeZone: string): DigestAudience {
  const schedule = { frequency: 'daily' as const, hour: 8, weekday: 1, timeZone };
  if (!isAdministrator(user))
    return { user, schedule, filter: { recipientIn: user.addresses }, copyOf: null };
  return { user, schedule, filter: { tenantIn: user.domains }, copyOf: user.domains };
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** "daily at 08:00 (Europe/Berlin)", for people reading the CLI's answer. */
export function describeSchedule(schedule: EffectiveSchedule): string {
  const at = `${String(schedule.hour).padStart(2, '0')}:00 (${schedule.timeZone})`;
  switch (schedule.frequency) {
    case 'never':
      return 'never';
    case 'hourly':
      return `hourly (${schedule.timeZone})`;
    case 'daily':
      return `daily at ${at}`;
    case 'weekly':
      return `weekly on ${WEEKDAYS[schedule.weekday]} at ${at}`;
  }
}

const wholeNumber = wholeNumberAtLeast(0);

interface ScheduleOptions {
  config?: string;
  user?: string;
  domain?: string;
  global?: boolean;
  frequency?: string;
  hour?: number;
  weekday?: number;
  timeZone?: string;
  domains?: string[];
  clear?: boolean;
}

export function registerDigestCommand(program: Command): void {
  const digest = program
    .command('digest')
    .description('Quarantine digests: set a schedule, preview or send one now.');

  addConfigOption(
    digest
      .command('schedule')
      .description(
        "Set a digest schedule: a person's own (--user), a domain's default (--domain) or the global default (--global). Given fields change, the others stay as they are; fields nobody set are inherited. Without fields, shows it.",
      )
      .option('--user <email>', "a person's own schedule")
      .option('--domain <domain>', 'the default of everyone whose address is in this domain')
      .option('--global', 'the default of everyone')
      .option('--frequency <frequency>', DIGEST_FREQUENCIES.join(', '))
      .option('--hour <hour>', 'local hour 0-23 of daily and weekly digests', wholeNumber)
      .option('--weekday <day>', 'day of weekly digests: 0 Sunday ... 6 Saturday', wholeNumber)
      .option('--time-zone <zone>', 'IANA time zone, e.g. Europe/Berlin')
      .option(
        '--domains <domains>',
        'with --user, for administrators: comma-separated domains whose held mail their digest copies',
        (value: string) =>
          value
            .split(',')
            .map((each) => each.trim())
            .filter(Boolean),
      )
      .option('--clear', 'remove this schedule: inherit everything again'),
  ).action((options: ScheduleOptions) =>
    withStores(options, async (stores, config) => {
      const targets = [options.user, options.domain, options.global].filter((each) => each !== undefined);
      if (targets.length !== 1) {
        throw new LazaretError(
          'validation_error',
          'Give exactly one of --user EMAIL, --domain DOMAIN, --global.',
        );
      }
      if (
        options.frequency !== undefined &&
        !(DIGEST_FREQUENCIES as readonly string[]).includes(options.frequency)
      ) {
        throw new LazaretError(
          'validation_error',
          `--frequency must be one of ${DIGEST_FREQUENCIES.join(', ')}, not ${JSON.stringify(options.frequency)}.`,
        );
      }
      const owner = options.user ? await findUser(stores, options.user) : null;
      const scope: OwnerScope = owner
        ? { kind: 'user', userId: owner.id }
        : options.domain
          ? { kind: 'domain', domain: options.domain.trim().toLowerCase() }
          : { kind: 'global' };
      const schedule: DigestSchedule = {
        ...(options.frequency ? { frequency: options.frequency as DigestSchedule['frequency'] } : {}),
        ...(options.hour !== undefined ? { hour: options.hour } : {}),
        ...(options.weekday !== undefined ? { weekday: options.weekday } : {}),
        ...(options.timeZone ? { timeZone: options.timeZone } : {}),
        ...(options.domains ? { domains: options.domains } : {}),
      };
      const changes = Object.keys(schedule).length > 0;
      if (changes && options.clear) {
        throw new LazaretError('validation_error', '--clear cannot be combined with schedule fields.');
      }
      if (changes || options.clear) {
        const [existing] = await stores.digests.getDigestSettings([scope]);
        // Given fields change, the others keep what this scope had.
        const merged = options.clear ? null : { ...existing?.schedule, ...schedule };
        await saveSchedule(stores, { actor: systemActor('cli') }, scope, merged, owner);
      }
      const [saved] = await stores.digests.getDigestSettings([scope]);
      const own = saved ? JSON.stringify(saved.schedule) : 'nothing set (inherits)';
      const label = owner ? owner.email : scope.kind === 'domain' ? scope.domain : 'global default';
      process.stdout.write(`${label}: ${own}\n`);
      if (owner) {
        const layers = await stores.digests.getDigestSettings(scheduleScopes(owner));
        const audience = await loadAudience(stores.digests, owner, config);
        const byKind = (kind: OwnerScope['kind']) =>
          layers.find((each) => each.scope.kind === kind)?.schedule;
        const effective = effectiveSchedule(
          [byKind('user'), byKind('domain'), byKind('global')],
          config.digest,
        );
        let why = effective.frequency === 'never' ? 'the schedule says never' : 'no addresses';
        if (isAdministrator(owner)) {
          why = byKind('user')?.frequency
            ? 'no domains to copy: choose them with --domains'
            : 'administrators receive copies only with a frequency of their own';
        }
        process.stdout.write(
          audience
            ? `${owner.email} receives digests ${describeSchedule(audience.schedule)}${audience.copyOf ? `, copies for ${audience.copyOf.join(', ')}` : ''}.\n`
            : `${owner.email} receives no digest (${why}).\n`,
        );
      }
    }),
  );

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
