// /jobs: every job, filtered by state, user, type, site, workflow, pilot, name pattern, error and
// time window, sortable and paged; the URL holds the whole view so it can be shared.

import { ROUTES } from '../../protocol/routes.ts';
import { Empty, HowToSubmit, Live, PageHead, PartLink } from '../components.tsx';
import {
  isFiltered,
  JOB_ERROR_NAMES,
  JOB_STATES,
  type JobsView,
  jobsApiQuery,
  jobsViewUrl,
  PAGE_SIZES,
  parseJobsView,
  WINDOW_CHOICES,
} from '../job-filters.ts';
import { JobTable } from '../job-table.tsx';
import { FilterForm, ListResults } from '../list-view.tsx';
import { apiUrl, loadList } from '../monitor-api.ts';
import type { PageContext, PageResult } from '../page.ts';

export async function jobsPage(ctx: PageContext): Promise<PageResult> {
  const view = parseJobsView(ctx.query);
  const apiQuery = jobsApiQuery(view, ctx.now);
  const url = jobsViewUrl(view);
  const { list, problem } = await loadList(() => ctx.api.listJobs(apiQuery));
  return {
    title: 'Jobs',
    nav: 'jobs',
    url,
    body: (
      <>
        <PageHead title="Jobs" />
        <div id="jobs">
          <Filters view={view} />
          <Live url={url} json={apiUrl(ROUTES.jobs, { ...apiQuery })} now={ctx.now}>
            <ListResults
              list={list}
              problem={problem}
              noun="job"
              paging={{
                limit: view.limit,
                offset: view.offset,
                href: (offset) => jobsViewUrl(view, { offset }),
                target: 'jobs',
              }}
              pagerBelow
              empty={
                isFiltered(view) ? (
                  <Empty>
                    <p>
                      No job matches these filters.{' '}
                      <PartLink href="/jobs" target="jobs">
                        Show all jobs
                      </PartLink>
                    </p>
                  </Empty>
                ) : (
                  <HowToSubmit />
                )
              }
              table={(l) => (
                <JobTable
                  jobs={l.jobs}
                  now={ctx.now}
                  sort={{
                    sort: view.sort,
                    order: view.order,
                    href: (sort, order) =>
                      jobsViewUrl(view, { sort: sort as JobsView['sort'], order, offset: 0 }),
                    target: 'jobs',
                  }}
                />
              )}
            />
          </Live>
        </div>
      </>
    ),
  };
}

/** The filter form, with choices of error, time window and page size; sort and order ride along hidden. */
function Filters({ view }: { view: JobsView }) {
  return (
    <FilterForm
      path="/jobs"
      target="jobs"
      states={{ all: JOB_STATES, selected: view.states }}
      fields={[
        { name: 'name', label: 'Name', value: view.name, placeholder: 'glob, e.g. reco-*' },
        { name: 'user', label: 'User', value: view.user },
        { name: 'jobtype', label: 'Type', value: view.jobtype },
        { name: 'site', label: 'Site', value: view.site },
        { name: 'workflow', label: 'Workflow', value: view.workflow, placeholder: 'id' },
        { name: 'pilot', label: 'Pilot', value: view.pilot, placeholder: 'id' },
      ]}
    >
      <label>
        Error
        <select name="error">
          <option value="">any</option>
          {JOB_ERROR_NAMES.map((name) => (
            <option key={name} value={name} selected={view.error === name}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Within
        <select name="window">
          <option value="">any time</option>
          {[...new Set([...WINDOW_CHOICES, ...(view.window ? [view.window] : [])])].map((w) => (
            <option key={w} value={w} selected={view.window === w}>
              last {w}
            </option>
          ))}
        </select>
      </label>
      <label>
        of
        <select name="time">
          {(['updated', 'created', 'ended'] as const).map((t) => (
            <option key={t} value={t} selected={view.time === t}>
              {t === 'updated' ? 'last change' : t === 'created' ? 'submission' : 'end'}
            </option>
          ))}
        </select>
      </label>
      <label>
        Per page
        <select name="limit">
          {[...new Set([...PAGE_SIZES, view.limit])].map((n) => (
            <option key={n} value={n} selected={view.limit === n}>
              {n}
            </option>
          ))}
        </select>
      </label>
      {view.sort !== 'id' && <input type="hidden" name="sort" value={view.sort} />}
      {view.order !== 'desc' && <input type="hidden" name="order" value={view.order} />}
    </FilterForm>
  );
}
