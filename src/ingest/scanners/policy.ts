import type { ScannersConfig } from '../../config/load-config.js';
import { domainOf } from '../../core/address.js';
import { decide, listMatches, type SenderListDeps, type SenderMatch } from '../../lists/sender-decision.js';
import type { Verdict } from '../verdict.js';
import { pass, passVerdict, type ScanInput, type Scanner, type ScanOutcome } from './scanner.js';
import { listZipNames } from './zip-names.js';

/** One allow/block list entry: `sender` for every tenant, or `tenant:sender` for one recipient domain. */
interface SenderRule {
  entry: string;
  tenant: string | null;
  /** A full address, or a domain (without the @). */
  address: string | null;
  domain: string | null;
}

export function parseSenderRule(entry: string): SenderRule {
  const text = entry.trim().toLowerCase();
  const colon = text.indexOf(':');
  const tenant = colon === -1 ? null : text.slice(0, colon).replace(/^@/, '');
  const sender = colon === -1 ? text : text.slice(colon + 1);
  if (sender.includes('@') && !sender.startsWith('@'))
    return { entry, tenant, address: sender, domain: null };
  return { entry, tenant, address: null, domain: sender.replace(/^@/, '') };
}

function matches(rule: SenderRule, recipient: string, senders: readonly string[]): boolean {
  if (rule.tenant !== null && rule.tenant !== '*' && rule.tenant !== domainOf(recipient)) return false;
  return senders.some((sender) => {
    if (!sender) return false;
    if (rule.address !== null) return sender === rule.address;
    const domain = domainOf(sender);
    return domain === rule.domain || domain.endsWith(`.${rule.domain}`);
  });
}

/** The extension Windows would act on: trailing dots and spaces are ignored, as Explorer does. */
export function extensionOf(filename: string): string {
  const name = filename.replace(/[. ]+$/, '').toLowerCase();
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  const dot = base.lastIndexOf('.');
  return dot === -1 ? '' : base.slice(dot + 1);
}

function hold(rule: string, details: Record<string, unknown>): Verdict {
  return { action: 'quarantine', reason: 'policy', score: null, details: { rule, ...details } };
}

/** A configured rule's place in the precedence: `tenant:sender` is a domain rule, the rest global. */
function configMatch(rule: SenderRule, action: SenderMatch['action']): SenderMatch {
  return {
    action,
    level: rule.tenant === null || rule.tenant === '*' ? 'global' : 'domain',
    source: 'config',
    rule: rule.entry,
  };
}

/**
 * Local policy: blocked attachment types and extensions (also inside zip archives), a size limit,
 * and sender block and allow lists — the configured rules (`scanners.policy.senderBlock/Allow`) and
 * the lists people keep (src/lists/, `/api/lists`, digest links), decided together per recipient:
 * user lists beat domain lists beat global ones, and block beats allow within one level.
 */
export class PolicyScanner implements Scanner {
  readonly name = 'policy' as const;
  private readonly extensions: Set<string>;
  private readonly mimeTypes: Set<string>;
  private readonly block: SenderRule[];
  private readonly allow: SenderRule[];

  constructor(
    private readonly config: ScannersConfig['policy'],
    readonly timeoutMs: number,
    /** The stored allow/block lists; without them only the configured rules apply. */
    private readonly lists?: SenderListDeps,
  ) {
    this.extensions = new Set(config.blockedExtensions.map((ext) => ext.replace(/^\./, '').toLowerCase()));
    this.mimeTypes = new Set(config.blockedMimeTypes.map((type) => type.toLowerCase()));
    this.block = config.senderBlock.map(parseSenderRule);
    this.allow = config.senderAllow.map(parseSenderRule);
  }

  async scan(input: ScanInput): Promise<ScanOutcome> {
    const verdict = (await this.messageVerdict(input)) ?? pass().verdict;
    const perRecipient = new Map<string, Verdict>();
    const allowedFor = new Set<string>();
    const fromHeader = input.summary.headers.fromAddress ?? '';
    for (const recipient of input.recipients) {
      if (input.signal.aborted) throw new Error('policy scan aborted');
      const candidates: SenderMatch[] = [
        ...this.block
          .filter((rule) => matches(rule, recipient, [input.sender, fromHeader]))
          .map((rule) => configMatch(rule, 'block')),
        ...this.allow
          .filter((rule) => matches(rule, recipient, [input.sender]))
          .map((rule) => configMatch(rule, 'allow')),
        ...(this.lists
          ? await listMatches(this.lists, recipient, input.sender, fromHeader || undefined)
          : []),
      ];
      const decision = decide(candidates);
      if (decision?.action === 'block' && verdict.action === 'pass') {
        perRecipient.set(
          recipient,
          hold('sender-block', {
            entry: decision.rule,
            level: decision.level,
            list: decision.source,
            ...(decision.entryId ? { entryId: decision.entryId } : {}),
          }),
        );
      }
      if (decision?.action === 'allow') allowedFor.add(recipient);
    }
    return {
      verdict,
      ...(perRecipient.size > 0 ? { perRecipient } : {}),
      ...(allowedFor.size > 0 ? { allowedFor } : {}),
    };
  }

  private async messageVerdict(input: ScanInput): Promise<Verdict | null> {
    if (this.config.maxSize > 0 && input.size > this.config.maxSize) {
      return hold('max-size', { size: input.size, limit: this.config.maxSize });
    }
    for (const attachment of input.summary.attachments) {
      const type = attachment.contentType.toLowerCase();
      if (this.mimeTypes.has(type)) {
        return hold('blocked-mime-type', { contentType: type, filename: attachment.filename ?? null });
      }
      const extension = attachment.filename ? extensionOf(attachment.filename) : '';
      if (extension && this.extensions.has(extension)) {
        return hold('blocked-extension', { filename: attachment.filename, extension });
      }
    }
    if (!this.config.inspectArchives) return null;
    const notes: string[] = [];
    for (const archive of input.summary.archives) {
      if (input.signal.aborted) throw new Error('policy scan aborted');
      if (archive.data === null) {
        notes.push(
          `${archive.filename ?? 'zip'}: larger than ${this.config.maxArchiveSize} bytes, not opened`,
        );
        continue;
      }
      const listing = await listZipNames(archive.data);
      if (listing.problem) notes.push(`${archive.filename ?? 'zip'}: ${listing.problem}`);
      for (const name of listing.names) {
        const extension = extensionOf(name);
        if (extension && this.extensions.has(extension)) {
          return hold('blocked-extension-in-archive', {
            archive: archive.filename ?? null,
            filename: name,
            extension,
          });
        }
      }
    }
    return notes.length > 0 ? passVerdict({ archives: notes }) : null;
  }
}
