// Durations as operators write them for retention settings: `30d`, `12h`, `90m`, `45s`, `2w`,
// or several parts such as `1d12h`. A bare number is refused: its unit would be a guess.

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 } as const;
/** Ten years: a longer retention is a typo. */
export const MAX_DURATION_SECONDS = 315_360_000;

export type DurationResult = { ok: true; seconds: number } | { ok: false; message: string };

/** Parses `30d`, `12h`, `90m`, `45s`, `2w`, `1h30m` into whole seconds. */
export function parseDuration(text: string): DurationResult {
  const trimmed = text.trim().toLowerCase();
  const expected = 'a duration such as 30d, 12h, 90m or 45s (units s, m, h, d, w)';
  if (trimmed === '') return { ok: false, message: `expected ${expected}, got an empty string` };
  if (/^\d+$/.test(trimmed))
    return {
      ok: false,
      message: `"${text}" has no unit: write e.g. ${trimmed}s, ${trimmed}m or ${trimmed}d`,
    };
  if (!/^(\d+[smhdw])+$/.test(trimmed)) return { ok: false, message: `expected ${expected}, got "${text}"` };
  let seconds = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)([smhdw])/g)) {
    seconds += Number(amount) * UNIT_SECONDS[unit as keyof typeof UNIT_SECONDS];
  }
  if (!Number.isSafeInteger(seconds) || seconds > MAX_DURATION_SECONDS)
    return { ok: false, message: `"${text}" is longer than ten years` };
  return { ok: true, seconds };
}

/** Seconds as the shortest exact duration text: 2592000 → `30d`, 5400 → `90m`, 0 → `0s`. */
export function formatDurationText(seconds: number): string {
  for (const unit of ['d', 'h', 'm'] as const) {
    const size = UNIT_SECONDS[unit];
    if (seconds > 0 && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}
