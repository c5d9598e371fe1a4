// The site-bound pilot token a factory's pilots hold: created through the API (a pilot token named
// `factory-<site>`, restricted to the site, expiring), kept in a 0600 file that the batch jobs
// read, and replaced well before it expires or as soon as it is revoked. Running pilots keep the
// token they started with.

import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { P3sClient } from '../protocol/client.ts';

export interface PilotToken {
  file: string;
  expiresAt: number;
}

const DAY = 86_400;
/** A token lives at least a week, and four pilot lifetimes (a pilot may wait in the queue first). */
export function tokenLifetimeSeconds(pilotLifetime: number): number {
  return Math.max(7 * DAY, 4 * pilotLifetime);
}

/** Renewed when less than half its lifetime is left, so queued pilots still start with a valid one. */
export function needsRenewal(expiresAt: number, lifetimeSeconds: number, now: number): boolean {
  return expiresAt - now < (lifetimeSeconds * 1000) / 2;
}

export async function ensurePilotToken(
  client: P3sClient,
  options: { dir: string; site: string; pilotLifetime: number; now: number },
): Promise<PilotToken> {
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const file = join(options.dir, `${options.site}.token`);
  const metaFile = join(options.dir, `${options.site}.json`);
  const lifetime = tokenLifetimeSeconds(options.pilotLifetime);
  const name = `factory-${options.site}`;
  const known = readMeta(metaFile);
  if (known && existsSync(file) && !needsRenewal(known.expiresAt, lifetime, options.now)) {
    // Revoked (a compromised node, an operator's rotation)? Then a new one, or every pilot would fail.
    const { tokens } = await client.listTokens({ name });
    if (tokens.some((t) => t.id === known.id)) return { file, expiresAt: known.expiresAt };
  }
  const { token, secret } = await client.createToken({
    name,
    role: 'pilot',
    site: options.site,
    expiresIn: lifetime,
  });
  const expiresAt = token.expiresAt ?? options.now + lifetime * 1000;
  // Written aside and renamed: a pilot starting meanwhile reads the old token or the new one, whole.
  writeFileSync(`${file}.new`, `${secret}\n`, { mode: 0o600 });
  renameSync(`${file}.new`, file);
  writeFileSync(metaFile, `${JSON.stringify({ id: token.id, expiresAt })}\n`, { mode: 0o600 });
  return { file, expiresAt };
}

function readMeta(file: string): { id: number; expiresAt: number } | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { id?: unknown; expiresAt?: unknown };
    return typeof parsed.expiresAt === 'number' && typeof parsed.id === 'number'
      ? { id: parsed.id, expiresAt: parsed.expiresAt }
      : undefined;
  } catch {
    return undefined;
  }
}
