// Read-only job and pilot listings: filters, allowlisted sort keys, paging, totals, summary counts.

import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import {
  JOB_STATES,
  type JobSortKey,
  type JobTimeField,
  PILOT_STATES,
  type Summary,
  totalOfPage,
} from '../core/index.ts';
import type { DialectSql } from './dialect.ts';
import type { Database, JobRow, PilotRow } from './schema.ts';
import type { JobFilter, JobListQuery, PilotFilter } from './store.ts';

/** Sort keys → columns. Only these names ever reach ORDER BY. */
const SORT_COLUMNS = {
  id: 'id',
  priority: 'priority',
  name: 'name',
  state: 'state',
  created: 'created_at',
  started: 'started_at',
  ended: 'ended_at',
  jobtype: 'jobtype',
  user: 'user_name',
} as const satisfies Record<JobSortKey, keyof Database['jobs']>;

/**
 * Sort columns that may be NULL (jobs not yet started or ended); their NULLs sort last. Only these
 * get NULLS LAST: on the never-null id it kept PostgreSQL from walking jobs_pkey backwards for the
 * default newest-first page (docs/performance.md, fourth round).
 */
type NullableSortColumn = 'started_at' | 'ended_at';
const isNullable = (column: string): column is NullableSortColumn =>
  column === 'started_at' || column === 'ended_at';

/** Time fields of the window filter → columns (each indexed with id). */
const TIME_COLUMNS = {
  created: 'created_at',
  updated: 'updated_at',
  ended: 'ended_at',
} as const satisfies Record<JobTimeField, keyof Database['jobs']>;

/** Turns a `*`/`?` glob into a LIKE pattern with `\` escaping the pattern's own `%`, `_` and `\`. */
export function globToLike(glob: string): string {
  return glob.replace(/[\\%_*?]/g, (c) => (c === '*' ? '%' : c === '?' ? '_' : `\\${c}`));
}

function jobFilter(filter: JobFilter) {
  return (eb: ExpressionBuilder<Database, 'jobs'>) => {
    const conditions = [];
    if (filter.ids !== undefined) conditions.push(eb('id', 'in', filter.ids));
    if (filter.states !== undefined) conditions.push(eb('state', 'in', filter.states));
    if (filter.user !== undefined) conditions.push(eb('user_name', '=', filter.user));
    if (filter.jobtype !== undefined) conditions.push(eb('jobtype', '=', filter.jobtype));
    if (filter.site !== undefined) {
      conditions.push(eb.or([eb('site', '=', filter.site), eb('ran_at_site', '=', filter.site)]));
    }
    if (filter.namePattern !== undefined) {
      const pattern = globToLike(filter.namePattern);
      conditions.push(eb(sql`lower(name)`, 'like', sql`lower(${pattern}) escape '\\'`));
    }
    if (filter.workflowId !== undefined) conditions.push(eb('workflow_id', '=', filter.workflowId));
    if (filter.pilotId !== undefined) conditions.push(eb('pilot_id', '=', filter.pilotId));
    if (filter.errorName !== undefined) conditions.push(eb('error_name', '=', filter.errorName));
    if (filter.window !== undefined) {
      const column = TIME_COLUMNS[filter.window.field];
      if (filter.window.since !== undefined) conditions.push(eb(column, '>=', filter.window.since));
      if (filter.window.until !== undefined) conditions.push(eb(column, '<', filter.window.until));
    }
    return eb.and(conditions);
  };
}

export async function listJobRows(
  db: Kysely<Database>,
  dialect: DialectSql,
  query: JobListQuery,
): Promise<{ rows: JobRow[]; total: number; totalExact: boolean }> {
  const { filter, countUpTo } = query;
  // An empty id or state list matches nothing (and `IN ()` is not valid SQL everywhere).
  if (filter.ids?.length === 0 || filter.states?.length === 0)
    return { rows: [], total: 0, totalExact: true };
  const rows = await jobPageQuery(db, dialect, query).execute();
  const count =
    totalOfPage(query.offset, query.limit, rows.length) ??
    Number((await jobCountQuery(db, query).executeTakeFirstOrThrow()).total);
  if (countUpTo === undefined) return { rows, total: count, totalExact: true };
  return { rows, total: Math.min(count, countUpTo), totalExact: count <= countUpTo };
}

/** The page of a job listing, in its order. */
export function jobPageQuery(db: Kysely<Database>, dialect: DialectSql, query: JobListQuery) {
  const column = SORT_COLUMNS[query.sort];
  const oneOrder = () =>
    db
      .selectFrom('jobs')
      .selectAll()
      .where(jobFilter(query.filter))
      // Same NULL placement on both dialects: jobs not yet started/ended come last.
      .orderBy(column, (ob) => {
        const ordered = query.order === 'asc' ? ob.asc() : ob.desc();
        return isNullable(column) ? ordered.nullsLast() : ordered;
      })
      .$if(column !== 'id', (qb) => qb.orderBy('id', query.order))
      .limit(query.limit)
      .offset(query.offset);
  if (!isNullable(column)) return oneOrder();
  return dialect.nullsLastPage(oneOrder, () => nullsLastPageQuery(db, query, column));
}

/**
 * A page sorted by a nullable column with its NULLs last in either order: the ids of
 * the jobs with a value, then of those without, each walked along the (column, id) index and cut
 * at the page's end, sorted together and joined back to their rows. A single ORDER BY ... NULLS
 * LAST can walk that index ascending only, and sorted every job for the newest ended at 10^6
 * (docs/performance.md). SQLite walks it in both orders, so it keeps the one ORDER BY.
 */
function nullsLastPageQuery(db: Kysely<Database>, query: JobListQuery, column: NullableSortColumn) {
  const { order, limit, offset } = query;
  const part = (withValue: boolean) =>
    db
      .selectFrom('jobs')
      .select(['id', `${column} as sort_value`, sql<number>`${sql.lit(withValue ? 0 : 1)}`.as('nulls_part')])
      .where(jobFilter(query.filter))
      .where(column, withValue ? 'is not' : 'is', null)
      // The same order in the NULL part (column constant there) keeps it on the column's index.
      .orderBy(column, order)
      .orderBy('id', order)
      .limit(offset + limit);
  const page = db
    .selectFrom((eb) =>
      eb
        .selectFrom(part(true).as('valued'))
        .selectAll()
        .unionAll(eb.selectFrom(part(false).as('unvalued')).selectAll())
        .as('parts'),
    )
    .selectAll()
    .orderBy('nulls_part')
    .orderBy('sort_value', order)
    .orderBy('id', order)
    .limit(limit)
    .offset(offset);
  return db
    .selectFrom('jobs')
    .innerJoin(page.as('page'), 'page.id', 'jobs.id')
    .selectAll('jobs')
    .orderBy('page.nulls_part')
    .orderBy('page.sort_value', order)
    .orderBy('page.id', order);
}

/** The count of a job listing's matches; with `countUpTo`, one more at most, which tells "more than". */
export function jobCountQuery(db: Kysely<Database>, { filter, countUpTo }: JobListQuery) {
  const matching = db.selectFrom('jobs').where(jobFilter(filter));
  if (countUpTo === undefined) return matching.select((eb) => eb.fn.countAll<number>().as('total'));
  return db
    .selectFrom(
      matching
        .select(sql<number>`1`.as('one'))
        .limit(countUpTo + 1)
        .as('matching'),
    )
    .select((eb) => eb.fn.countAll<number>().as('total'));
}

export async function listPilotRows(
  db: Kysely<Database>,
  filter: PilotFilter,
  limit: number,
  offset: number,
): Promise<{ rows: PilotRow[]; total: number }> {
  if (filter.states?.length === 0) return { rows: [], total: 0 };
  const where = (eb: ExpressionBuilder<Database, 'pilots'>) => {
    const conditions = [];
    if (filter.states !== undefined) conditions.push(eb('state', 'in', filter.states));
    if (filter.site !== undefined) conditions.push(eb('site', '=', filter.site));
    if (filter.host !== undefined) conditions.push(eb('host', '=', filter.host));
    return eb.and(conditions);
  };
  const rows = await db
    .selectFrom('pilots')
    .selectAll()
    .where(where)
    .orderBy('id')
    .limit(limit)
    .offset(offset)
    .execute();
  const known = totalOfPage(offset, limit, rows.length);
  if (known !== undefined) return { rows, total: known };
  const count = await db
    .selectFrom('pilots')
    .select((eb) => eb.fn.countAll<number>().as('total'))
    .where(where)
    .executeTakeFirstOrThrow();
  return { rows, total: Number(count.total) };
}

/** Counts of jobs and pilots in every state, zeros included. */
export async function summaryCounts(db: Kysely<Database>): Promise<Summary> {
  const jobCounts = await db
    .selectFrom('jobs')
    .select((eb) => ['state', eb.fn.countAll<number>().as('n')])
    .groupBy('state')
    .execute();
  const pilotCounts = await db
    .selectFrom('pilots')
    .select((eb) => ['state', eb.fn.countAll<number>().as('n')])
    .groupBy('state')
    .execute();
  const jobs = { ...Object.fromEntries(JOB_STATES.map((s) => [s, 0])), total: 0 } as Summary['jobs'];
  for (const { state, n } of jobCounts) {
    jobs[state] = Number(n);
    jobs.total += Number(n);
  }
  const pilots = { ...Object.fromEntries(PILOT_STATES.map((s) => [s, 0])), total: 0 } as Summary['pilots'];
  for (const { state, n } of pilotCounts) {
    pilots[state] = Number(n);
    pilots.total += Number(n);
  }
  return { jobs, pilots };
}
