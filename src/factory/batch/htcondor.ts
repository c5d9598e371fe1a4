// The HTCondor adapter: condor_submit (description on stdin, -terse), condor_q -json, condor_rm.
// Run the factory on a submit host as the user pilots should run as (condor_submit refuses root).

import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { BatchObservation } from '../../core/index.ts';
import { INTENT_TAG } from '../intents.ts';
import { type BatchAdapter, nativeIds, type SubmitOutcome, type SubmitRequest } from './adapter.ts';
import { complaint, type RunCommand, runCommand } from './command.ts';
import { CONDOR_ATTRIBUTES, parseCondorQJson, parseCondorSubmitTerse } from './htcondor-parse.ts';
import { condorScript, condorSubmitDescription } from './htcondor-submit.ts';

const CONDOR_ID = /^\d+\.\d+$/;

export function htcondorAdapter(run: RunCommand = runCommand): BatchAdapter {
  return {
    system: 'htcondor',

    async submit(request: SubmitRequest): Promise<SubmitOutcome> {
      const script = `${request.scriptDir}/${request.site}.htcondor.sh`;
      writeFileSync(script, condorScript(request.launch, basename(request.tokenFile)), { mode: 0o755 });
      const description = condorSubmitDescription({ ...request, script });
      const result = await run('condor_submit', ['-terse', '-'], { input: description });
      const ids = result.code === 0 ? parseCondorSubmitTerse(result.stdout) : undefined;
      if (ids === undefined) return { submitted: [], refused: complaint('condor_submit', result) };
      return {
        submitted: ids.map((id) => ({
          batchId: `htcondor:${id}`,
          logPath: `${request.logDir}/htcondor-${id}.err`,
        })),
        refused: null,
      };
    },

    async status(batchIds: string[]): Promise<Map<string, BatchObservation>> {
      const ids = nativeIds('htcondor', batchIds, CONDOR_ID);
      if (ids.length === 0) return new Map();
      const result = await run('condor_q', ['-json', '-attributes', CONDOR_ATTRIBUTES.join(','), ...ids]);
      if (result.code !== 0) throw new Error(complaint('condor_q -json', result));
      return parseCondorQJson(result.stdout);
    },

    async findTagged(tag: string, logDir: string) {
      if (!INTENT_TAG.test(tag)) return [];
      const constraint = `p3sIntent == "${tag}"`;
      const attributes = CONDOR_ATTRIBUTES.join(',');
      const result = await run('condor_q', ['-json', '-constraint', constraint, '-attributes', attributes]);
      if (result.code !== 0) throw new Error(complaint('condor_q -json', result));
      return [...parseCondorQJson(result.stdout).keys()].map((batchId) => ({
        batchId,
        logPath: `${logDir}/htcondor-${batchId.slice('htcondor:'.length)}.err`,
      }));
    },

    async remove(batchIds: string[]): Promise<void> {
      const ids = nativeIds('htcondor', batchIds, CONDOR_ID);
      if (ids.length === 0) return;
      const result = await run('condor_rm', ids);
      // condor_rm of a job that already left the queue fails for that id only: not an error here.
      if (result.code !== 0 && !/not found|does not exist|nonexistent/i.test(result.stderr + result.stdout))
        throw new Error(complaint('condor_rm', result));
    },
  };
}
