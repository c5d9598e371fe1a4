// The jobs page's view as a URL: filters, sort and paging read from the query string, written
// back canonically (defaults left out, so links are short and shareable), and turned into the
// JSON API's query.

import {
  JOB_ERRORS,
  JOB_SORT_KEYS,
  JOB_STATES,
  JOB_TIME_FIELDS,
  type JobSortKey,
  type JobTimeField,
  parseDuration,
} from '../core/index.ts';
import type { JobListQuery } from '../protocol/schemas/jobs.ts';
import {
  choice,
  DEFAULT_PAGE_SIZE,
  int,
  many,
  one,
  pageUrl,
  pagingParams,
  type RawQuery,
  readPaging,
} from './page.ts';

/** Windows offered in the form; any duration such as `90m` works in the URL. */
export const WINDOW_CHOICES = ['15m', '1h', '6h', '1d', '7d', '30d'] as const;
export const PAGE_SIZES = [25, 50, 100, 200] as const;
export const JOB_ERROR_NAMES = Object.keys(JOB_ERRORS);

export interface JobsView {
  states: string[];
  user?: string;
  jobtype?: string;
  site?: string;
  name?: string;
  workflow?: number;
  pilot?: number;
  error?: string;
  /** A duration ending now, e.g. `1h`; applies to `time`. */
  window?: string;
  time: JobTimeField;
  sort: JobSortKey;
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

export const DEFAULT_VIEW = {
  time: 'updated',
  sort: 'id',
  order: 'desc',
  limit: DEFAULT_PAGE_SIZE,
  offset: 0,
} as const;

export function parseJobsView(query: RawQuery): JobsView {
  const window = one(query, 'window');
  return {
    // Unknown states are kept: the API names them in its error, which the page shows.
    states: many(query, 'state'),
    user: one(query, 'user'),
    jobtype: one(query, 'jobtype'),
    site: one(query, 'site'),
    name: one(query, 'name'),
    workflow: int(query, 'workflow', 1),
    pilot: int(query, 'pilot', 1),
    error: one(query, 'error'),
    window: window && parseDuration(window).ok ? window : undefined,
    time: choice(query, 'time', JOB_TIME_FIELDS, DEFAULT_VIEW.time),
    sort: choice(query, 'sort', JOB_SORT_KEYS, DEFAULT_VIEW.sort),
    order: choice(query, 'order', ['asc', 'desc'] as const, DEFAULT_VIEW.order),
    ...readPaging(query),
  };
}

/** The canonical URL of a view (with changes applied): defaults are left out. */
export function jobsViewUrl(view: JobsView, change: Partial<JobsView> = {}): string {
  const v = { ...view, ...change };
  return pageUrl('/jobs', {
    state: v.states.join(','),
    user: v.user,
    jobtype: v.jobtype,
    site: v.site,
    name: v.name,
    workflow: v.workflow,
    pilot: v.pilot,
    error: v.error,
    window: v.window,
    time: v.window && v.time !== DEFAULT_VIEW.time ? v.time : undefined,
    sort: v.sort !== DEFAULT_VIEW.sort ? v.sort : undefined,
    order: v.order !== DEFAULT_VIEW.order ? v.order : undefined,
    ...pagingParams(v),
  });
}

/** The JSON API query of a view at `now`. */
export function jobsApiQuery(view: JobsView, now: number): JobListQuery {
  const seconds = view.window ? parseDuration(view.window) : undefined;
  return {
    state: view.states.length > 0 ? view.states.join(',') : undefined,
    user: view.user,
    jobtype: view.jobtype,
    site: view.site,
    name: view.name,
    workflow: view.workflow,
    pilot: view.pilot,
    error: view.error,
    since: seconds?.ok ? now - seconds.seconds * 1000 : undefined,
    time: seconds?.ok ? view.time : undefined,
    sort: view.sort,
    order: view.order,
    limit: view.limit,
    offset: view.offset,
    countUpTo: view.offset + view.limit + COUNT_AHEAD,
  };
}

/**
 * How far past the page the jobs page counts: an exact count of 10^6 jobs took 300 ms on
 * PostgreSQL (and is repeated at every live refresh); beyond this the pager says "more than".
 */
export const COUNT_AHEAD = 10_000;

/** True when the view narrows the jobs (an empty table then means "nothing matches"). */
export function isFiltered(view: JobsView): boolean {
  return (
    view.states.length > 0 ||
    [view.user, view.jobtype, view.site, view.name, view.workflow, view.pilot, view.error, view.window].some(
      (v) => v !== undefined,
    )
  );
}

export { JOB_STATES };
