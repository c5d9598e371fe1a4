// Wakes long-polling claims when jobs may have become claimable, so an idle pilot
// gets a new job within milliseconds of its submission instead of after a poll period.

export class ClaimWaiter {
  private readonly waiting = new Set<() => void>();
  private closed = false;

  /** Resolves on the next notify(), after `ms`, when `signal` aborts, or at once once closed. */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.closed || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      this.waiting.add(done);
    });
  }

  /** Wakes every waiting claim; each retries its claim (only matching ones get the job). */
  notify(): void {
    for (const wake of [...this.waiting]) wake();
  }

  get size(): number {
    return this.waiting.size;
  }

  /** Releases all waiters for good (server shutdown). */
  close(): void {
    this.closed = true;
    this.notify();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
