/**
 * Runs `work` for every entry, in order of start, with at most `concurrency` running at once.
 * Rejects with the first error, once it happens; the other workers still go through the rest.
 */
export async function eachLimited<T>(
  entries: readonly T[],
  concurrency: number,
  work: (entry: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < entries.length) {
      const index = next;
      next += 1;
      await work(entries[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, entries.length) }, worker));
}
