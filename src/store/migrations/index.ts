// The ordered list of schema migrations. Append only: a released migration never changes.

import type { Migration } from 'kysely';
import type { Dialect } from '../store.ts';
import { init } from './0001-init.ts';

export function migrationsFor(dialect: Dialect): Record<string, Migration> {
  return {
    '0001_init': init(dialect),
  };
}
