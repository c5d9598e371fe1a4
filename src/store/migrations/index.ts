// The ordered list of schema migrations. Append only: a released migration never changes.

import type { Migration } from 'kysely';
import type { Dialect } from '../store.ts';
import { init } from './0001-init.ts';
import { workflows } from './0002-workflows.ts';
import { sites } from './0003-sites.ts';
import { monitor } from './0004-monitor.ts';
import { auth } from './0005-auth.ts';
import { claimPlan } from './0006-claim-plan.ts';
import { claimBatch } from './0007-claim-batch.ts';
import { pilotRowUpdates } from './0008-pilot-row-updates.ts';
import { faults } from './0009-faults.ts';
import { workers } from './0010-workers.ts';
import { jobResources } from './0011-job-resources.ts';
import { retryRules } from './0012-retry-rules.ts';
import { pilotResources } from './0013-pilot-resources.ts';
import { watchdogs } from './0014-watchdogs.ts';
import { jobSamples } from './0015-job-samples.ts';

export function migrationsFor(dialect: Dialect): Record<string, Migration> {
  return {
    '0001_init': init(dialect),
    '0002_workflows': workflows(dialect),
    '0003_sites': sites(dialect),
    '0004_monitor': monitor(dialect),
    '0005_auth': auth(dialect),
    '0006_claim_plan': claimPlan(dialect),
    '0007_claim_batch': claimBatch(dialect),
    '0008_pilot_row_updates': pilotRowUpdates(dialect),
    '0009_faults': faults(dialect),
    '0010_workers': workers(dialect),
    '0011_job_resources': jobResources(dialect),
    '0012_retry_rules': retryRules(dialect),
    '0013_pilot_resources': pilotResources(dialect),
    '0014_watchdogs': watchdogs(dialect),
    '0015_job_samples': jobSamples(dialect),
  };
}
