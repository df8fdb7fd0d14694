/**
 * A doorbell from whoever creates work to the workers that do it, built in any order: producers
 * ring, a running worker listens (and stops listening when it stops). Ringing with no one listening
 * does nothing; polling finds the work later.
 */
export class Wakeup {
  private readonly listeners = new Set<() => void>();

  ring(): void {
    for (const listener of this.listeners) listener();
  }

  /** Answers the function that stops listening. */
  listen(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
