// The auto-numbered primary key of every migration's tables: a PostgreSQL identity, or SQLite's
// AUTOINCREMENT, which like an identity never reuses the id of a deleted row.

import type { ColumnDefinitionBuilder } from 'kysely';
import type { Dialect } from '../store.ts';

export function identityColumn(dialect: Dialect): (col: ColumnDefinitionBuilder) => ColumnDefinitionBuilder {
  return (col) =>
    dialect === 'postgres'
      ? col.primaryKey().generatedByDefaultAsIdentity()
      : col.primaryKey().autoIncrement();
}
