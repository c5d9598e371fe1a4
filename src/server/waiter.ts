// Wakes requests that wait on the store: long-polling claims when jobs may have become claimable
// (an idle pilot gets a new job within milliseconds of its submission), long-polling reads when
// anything changed (--wait, watch, follow, the monitor). One Waiter per kind of signal.

export class Waiter {
  private readonly waiting = new Set<() => void>();
  private closed = false;
  /** Counts notifications, so a waiter can tell whether one came since it last looked. */
  private told = 0;

  /** Resolves on the next notify(), after `ms`, when `signal` aborts, or at once once closed. */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    return this.waitAfter(this.told, ms, signal);
  }

  /** As wait(), but at once when a notify() came after `seen` (a `generation` read before looking). */
  waitAfter(seen: number, ms: number, signal?: AbortSignal): Promise<void> {
    if (this.closed || signal?.aborted || this.told !== seen) return Promise.resolve();
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

  /** Wakes every waiter; each looks again (a claim retries, a read recomputes). */
  notify(): void {
    this.told++;
    for (const wake of [...this.waiting]) wake();
  }

  get generation(): number {
    return this.told;
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
