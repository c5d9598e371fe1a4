// A periodic background task driven by an AbortSignal: runs `tick` every `intervalMs`
// (never overlapping itself), reports failures through `onError` and keeps going.

export interface LoopOptions {
  name: string;
  intervalMs: number;
  tick: () => Promise<void>;
  onError: (error: unknown) => void;
  signal: AbortSignal;
}

/** Resolves when the signal aborts and the current tick (if any) has finished. */
export async function runLoop(options: LoopOptions): Promise<void> {
  const { signal } = options;
  while (!signal.aborted) {
    try {
      await options.tick();
    } catch (error) {
      options.onError(error);
    }
    await sleep(options.intervalMs, signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
