// The one rule for which environment variables carry a credential of p3s or of its database.
// A process p3s starts for someone else (a payload, a batch job, a local pilot) gets its parent's
// env without them; a site or a job may still set any of them in its own env (its owner's choice).

/**
 * The variables: the token p3s acts with or the file it came from, P3S_HOME (the data directory
 * holding the local tokens), the server's database URL and TLS key, and what PostgreSQL's client
 * reads a password or key from (libpq's PGPASSWORD, PGPASSFILE, PGSERVICEFILE, PGSSLKEY, and the
 * common DATABASE_URL).
 */
export const CREDENTIAL_VARIABLES: readonly string[] = [
  'P3S_TOKEN',
  'P3S_TOKEN_FILE',
  'P3S_HOME',
  'P3S_DATABASE_URL',
  'P3S_TLS_KEY',
  'DATABASE_URL',
  'PGPASSWORD',
  'PGPASSFILE',
  'PGSERVICEFILE',
  'PGSSLKEY',
];

const CREDENTIALS = new Set(CREDENTIAL_VARIABLES);

/** Whether this environment variable carries a credential (names are exact: the env is case-sensitive). */
export function isCredentialVariable(name: string): boolean {
  return CREDENTIALS.has(name);
}

/** The env without its credential variables (and without unset entries). */
export function withoutCredentials(env: Record<string, string | undefined>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(env))
    if (value !== undefined && !isCredentialVariable(name)) kept[name] = value;
  return kept;
}
