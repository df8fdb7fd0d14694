import type { OwnerScope, OwnerScopeKind } from '../store/owner-scope.js';
import type { ListAction, SenderListEntry, SenderListStore } from '../store/sender-list-store.js';
import type { UserStore } from '../store/user-store.js';
import { senderPatterns } from './sender-patterns.js';

/** What the lists say about one sender for one recipient, and which entry decided it. */
export interface SenderDecision {
  action: ListAction;
  level: OwnerScopeKind;
  entry: SenderListEntry;
}

/** Most specific first: a user's own lists beat their domain's, which beat the global ones. */
export const LEVELS: readonly OwnerScopeKind[] = ['user', 'domain', 'global'];

/**
 * Decides among matching entries: the most specific level that has any wins (user > domain >
 * global); within it, block beats allow. Null when nothing matches.
 */
export function decide(entries: readonly SenderListEntry[]): SenderDecision | null {
  for (const level of LEVELS) {
    const here = entries.filter((entry) => entry.scope.kind === level);
    if (here.length === 0) continue;
    const entry = here.find((each) => each.action === 'block') ?? here[0]!;
    return { action: entry.action, level, entry };
  }
  return null;
}

export interface SenderListDeps {
  lists: SenderListStore;
  users: UserStore;
}

/**
 * The lists' decision for mail from `senders` (the envelope sender and the From header address; an
 * entry matching either counts) to `recipient`: the lists of every user who receives that address,
 * of the recipient's domain, and the global ones. Two store reads per recipient.
 */
export async function decideSender(
  deps: SenderListDeps,
  recipient: string,
  senders: readonly (string | undefined)[],
): Promise<SenderDecision | null> {
  const patterns = [...new Set(senders.flatMap((sender) => (sender ? senderPatterns(sender) : [])))];
  if (patterns.length === 0) return null;
  const address = recipient.trim().toLowerCase();
  const domain = address.slice(address.lastIndexOf('@') + 1);
  const owners = await deps.users.findUsersByAddress(address);
  const scopes: OwnerScope[] = [
    ...owners.map((owner) => ({ kind: 'user' as const, userId: owner.id })),
    ...(domain ? [{ kind: 'domain' as const, domain }] : []),
    { kind: 'global' },
  ];
  return decide(await deps.lists.findListEntries(scopes, patterns));
}
