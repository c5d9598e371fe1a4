// The clock of intervals, for every process of p3s that measures or waits one out.

/**
 * Milliseconds on a monotonic clock: for run times, time limits, lifetimes, claim waits and resend
 * windows, so a step of the wall clock (NTP, an operator's `date`) neither stretches a limit nor
 * skews a reported time. Only differences of readings mean anything; dates come from Date.now().
 */
export const monotonicNow = (): number => performance.now();
