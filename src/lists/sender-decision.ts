import { canonicalOrAsGiven } from '../core/address.js';
import type { OwnerScope, OwnerScopeKind } from '../store/owner-scope.js';
import type { ListAction, SenderListStore } from '../store/sender-list-store.js';
import type { UserStore } from '../store/user-store.js';
import { senderPatterns } from './sender-patterns.js';

/** One allow or block rule that matched a message for a recipient. */
export interface SenderMatch {
  action: ListAction;
  level: OwnerScopeKind;
  /** `list`: an entry of the stored lists (entryId); `config`: a scanners.policy.sender* rule. */
  source: 'list' | 'config';
  /** The entry's pattern, or the configured rule as written. */
  rule: string;
  entryId?: string;
}

/** Most specific first: a user's own lists beat their domain's, which beat the global ones. */
export const LEVELS: readonly OwnerScopeKind[] = ['user', 'domain', 'global'];

/**
 * Decides among the matches: the most specific level that has any wins (user > domain > global);
 * within it, block beats allow. Null when nothing matched.
 */
export function decide(matches: readonly SenderMatch[]): SenderMatch | null {
  for (const level of LEVELS) {
    const here = matches.filter((match) => match.level === level);
    if (here.length > 0) return here.find((match) => match.action === 'block') ?? here[0]!;
  }
  return null;
}

function domainPart(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/**
 * Whether the envelope sender's domain and the From address's domain belong together (equal, or one
 * a subdomain of the other), as they do for a newsletter sent from bounces.mail.shop.example with
 * From news@shop.example. A From address counts for an allow entry only then, so a forged From on
 * mail sent from elsewhere does not ride on someone's allow list.
 */
export function aligned(envelopeSender: string, fromAddress: string | undefined): boolean {
  if (!envelopeSender.includes('@') || !fromAddress?.includes('@')) return false;
  const envelope = domainPart(envelopeSender);
  const from = domainPart(fromAddress);
  return envelope === from || envelope.endsWith(`.${from}`) || from.endsWith(`.${envelope}`);
}

export interface SenderListDeps {
  lists: SenderListStore;
  users: UserStore;
}

/**
 * The stored list entries that match mail from `envelopeSender` (with From address `fromAddress`)
 * to `recipient`: the lists of every user who receives that address, of the recipient's domain, and
 * the global ones. A block entry matches the envelope sender or the From address; an allow entry
 * the envelope sender, or the From address when it is aligned with it. Two store reads.
 */
export async function listMatches(
  deps: SenderListDeps,
  recipient: string,
  envelopeSender: string,
  fromAddress: string | undefined,
): Promise<SenderMatch[]> {
  const envelopePatterns = senderPatterns(envelopeSender);
  const fromPatterns = fromAddress ? senderPatterns(fromAddress) : [];
  const patterns = [...new Set([...envelopePatterns, ...fromPatterns])];
  if (patterns.length === 0) return [];
  const allowPatterns = new Set(aligned(envelopeSender, fromAddress) ? patterns : envelopePatterns);
  const address = canonicalOrAsGiven(recipient);
  const domain = domainPart(address);
  const owners = await deps.users.findUsersByAddress(address);
  const scopes: OwnerScope[] = [
    ...owners.map((owner) => ({ kind: 'user' as const, userId: owner.id })),
    ...(domain ? [{ kind: 'domain' as const, domain }] : []),
    { kind: 'global' },
  ];
  const entries = await deps.lists.findListEntries(scopes, patterns);
  return entries
    .filter((entry) => entry.action === 'block' || allowPatterns.has(entry.sender))
    .map((entry) => ({
      action: entry.action,
      level: entry.scope.kind,
      source: 'list' as const,
      rule: entry.sender,
      entryId: entry.id,
    }));
}
