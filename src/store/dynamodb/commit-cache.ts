/**
 * Message ids known to be committed, with their Message-ID header. A commit is final, so an entry
 * never goes stale; the oldest entries are dropped beyond `capacity` and simply read again.
 */
export class CommitCache {
  private readonly entries = new Map<string, string | null>();

  constructor(private readonly capacity: number) {}

  has(messageId: string): boolean {
    return this.entries.has(messageId);
  }

  headerMessageId(messageId: string): string | null | undefined {
    return this.entries.get(messageId);
  }

  add(messageId: string, headerMessageId: string | null): void {
    this.entries.delete(messageId);
    this.entries.set(messageId, headerMessageId);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }
}
