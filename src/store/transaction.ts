// Write transactions: the types every query takes. Each dialect makes its own Transact
// (sqlite/transact.ts, postgres/dialect.ts).

import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

/** A Kysely bound to one open transaction. */
export type Tx = Kysely<Database>;

/** Runs `fn` in one write transaction: committed when it resolves, rolled back when it throws. */
export type Transact = <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>;
