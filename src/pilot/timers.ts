// setTimeout for delays past Node's limit (2^31-1 ms, ~24.8 days): a longer delay would fire at
// once, and job time limits may be years long.

const MAX_DELAY_MS = 2 ** 31 - 1;

/** Calls `fn` after `ms` (any length); returns a function that cancels it. */
export function setLongTimeout(fn: () => void, ms: number): () => void {
  const due = Date.now() + Math.max(0, ms);
  let timer: NodeJS.Timeout;
  const arm = () => {
    const left = due - Date.now();
    timer = left > MAX_DELAY_MS ? setTimeout(arm, MAX_DELAY_MS) : setTimeout(fn, Math.max(0, left));
  };
  arm();
  return () => clearTimeout(timer);
}
