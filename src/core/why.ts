// "Why is it waiting?": turns the facts the store gathered about one job (counts and states, read
// in one transaction) into reasons, each a code and a sentence. Pure, so every case is a table row.

import type { JobState } from './job-state.ts';

/** Pilots that would take the job (live, its site, a type they accept), counted by what they do now. */
export interface WhyPilotFacts {
  /** Live pilots (idle or running) serving the job's site and type. */
  live: number;
  /** Of them, running a job. */
  busy: number;
  /** Of them, idle but taking nothing: a hold (e.g. disk full) or a stop request. */
  notTaking: number;
  /**
   * The most each resource any of those pilots advertises; null for a resource some of them do not
   * advertise (it may take anything). Absent altogether where pilots advertise no resources.
   */
  largest?: WhyResources;
}

export interface WhyResources {
  memoryMib: number | null;
  cores: number | null;
  diskMib: number | null;
}

export interface WhyParent {
  id: number;
  name: string;
  state: JobState;
}

/** The pilot holding a dispatched or running job. */
export interface WhyHolder {
  id: number;
  uuid: string;
  host: string;
  site: string | null;
  state: string;
  lastSeenAt: number;
}

/** One job_events row, as much of it as the reasons use. */
export interface WhyEvent {
  at: number;
  transition: string;
  toState: JobState;
  actor: string;
  detail: string | null;
}

export interface WhyFacts {
  now: number;
  job: {
    id: number;
    state: JobState;
    site: string | null;
    jobtype: string;
    priority: number;
    attempt: number;
    workflowId: number | null;
    dispatchedAt: number | null;
    startedAt: number | null;
    leaseExpiresAt: number | null;
    /** When a retry its rule deferred is queued (the reaper pass releases it); null otherwise. */
    releaseAt: number | null;
    killRequested: boolean;
    errorName: string | null;
    errorCode: number | null;
    errorDiag: string | null;
    /** Resources asked for (MiB, cores, MiB); null when not asked. */
    asks: WhyResources;
  };
  /** Gathered for a defined job only. */
  pilots?: WhyPilotFacts;
  /** Defined jobs a pilot serving this one would take first; `exact` false: at least `count`. */
  ahead?: { count: number; exact: boolean };
  /** The job's workflow parents (files into it), finished or not. */
  parents: WhyParent[];
  workflow: { id: number; name: string; state: string } | null;
  holder: WhyHolder | null;
  /** The latest event of the job (who parked, cancelled, failed it). */
  lastEvent: WhyEvent | null;
  /** The latest event whose actor is a retry rule (`rule:<name>`). */
  ruleEvent: WhyEvent | null;
}

export const WHY_CODES = [
  'no_live_pilot',
  'pilots_busy',
  'pilots_not_taking',
  'queue_ahead',
  'parents_unfinished',
  'exceeds_pilot_resources',
  'should_start',
  'parked',
  'retry_deferred',
  'workflow_not_started',
  'held_by_pilot',
  'kill_requested',
  'ended_error',
  'ended_by',
  'rule_decision',
  'finished',
] as const;
export type WhyCode = (typeof WHY_CODES)[number];

export interface WhyReason {
  code: WhyCode;
  /** One human sentence. */
  message: string;
  /** The figures behind the sentence, for scripts. */
  data?: Record<string, unknown>;
}

const RESOURCE_NAMES: Record<keyof WhyResources, [label: string, unit: string]> = {
  memoryMib: ['memory', ' MiB'],
  cores: ['cores', ''],
  diskMib: ['disk', ' MiB'],
};

/** The reasons, most telling first; never empty. */
export function explainJob(facts: WhyFacts): WhyReason[] {
  switch (facts.job.state) {
    case 'defined':
      return queued(facts);
    case 'template':
      return parked(facts);
    case 'dispatched':
    case 'running':
      return held(facts);
    case 'failed':
    case 'cancelled':
      return ended(facts);
    case 'finished':
      return [{ code: 'finished', message: `job ${facts.job.id} finished; nothing is waiting` }];
  }
}

function queued(facts: WhyFacts): WhyReason[] {
  const { job } = facts;
  const reasons: WhyReason[] = [];
  const unfinished = unfinishedParents(facts);
  if (unfinished) reasons.push(unfinished);
  const serves = servedBy(job);
  const pilots = facts.pilots ?? { live: 0, busy: 0, notTaking: 0 };
  if (pilots.live === 0) {
    reasons.push({
      code: 'no_live_pilot',
      message: `no live pilot serves ${serves}`,
      data: { site: job.site, jobtype: job.jobtype },
    });
  } else {
    reasons.push(...tooBig(facts, pilots, serves));
    if (pilots.busy === pilots.live)
      reasons.push({
        code: 'pilots_busy',
        message: `every pilot serving ${serves} is busy (${count(pilots.busy, 'pilot')} running a job)`,
        data: { busy: pilots.busy, live: pilots.live },
      });
    else if (pilots.busy + pilots.notTaking === pilots.live) {
      const busy = pilots.busy === 0 ? '' : `${pilots.busy} ${pilots.busy === 1 ? 'is' : 'are'} busy and `;
      const taking = `${pilots.notTaking} take${pilots.notTaking === 1 ? 's' : ''} no jobs (held or asked to stop)`;
      reasons.push({
        code: 'pilots_not_taking',
        message: `of the ${count(pilots.live, 'live pilot')} serving ${serves}, ${busy}${taking}`,
        data: { busy: pilots.busy, notTaking: pilots.notTaking, live: pilots.live },
      });
    }
  }
  const ahead = facts.ahead;
  if (ahead && ahead.count > 0)
    reasons.push({
      code: 'queue_ahead',
      message: `${ahead.exact ? '' : 'at least '}${count(ahead.count, 'job')} of higher priority (or the same priority, submitted earlier) ${ahead.count === 1 && ahead.exact ? 'is' : 'are'} ahead of it in the queue for ${serves}`,
      data: { count: ahead.count, exact: ahead.exact, priority: job.priority },
    });
  if (reasons.length === 0)
    reasons.push({
      code: 'should_start',
      message: `an idle pilot serves ${serves} and nothing is ahead of it: it should start at the pilot's next claim`,
    });
  return reasons;
}

/** A separate reason per resource the job asks for beyond what every serving pilot advertises. */
function tooBig(facts: WhyFacts, pilots: WhyPilotFacts, serves: string): WhyReason[] {
  const largest = pilots.largest;
  if (!largest) return [];
  const reasons: WhyReason[] = [];
  for (const key of Object.keys(RESOURCE_NAMES) as (keyof WhyResources)[]) {
    const asked = facts.job.asks[key];
    const most = largest[key];
    if (asked === null || most === null || asked <= most) continue;
    const [label, unit] = RESOURCE_NAMES[key];
    reasons.push({
      code: 'exceeds_pilot_resources',
      message: `it asks for ${asked}${unit} of ${label}; the largest live pilot serving ${serves} offers ${most}${unit}`,
      data: { resource: key, asked, largest: most },
    });
  }
  return reasons;
}

function parked(facts: WhyFacts): WhyReason[] {
  const { job, workflow, lastEvent } = facts;
  if (job.releaseAt !== null)
    return [
      {
        code: 'retry_deferred',
        message: `a retry rule deferred attempt ${job.attempt}: it is queued at ${isoTime(job.releaseAt)}, by itself`,
        data: { releaseAt: job.releaseAt, attempt: job.attempt },
      },
    ];
  // Every job of a workflow not yet started is a template: that, not its parents, is the reason.
  if (workflow?.state === 'template')
    return [
      {
        code: 'workflow_not_started',
        message: `its workflow ${workflow.id} "${workflow.name}" is not started: start it with \`p3s workflow start ${workflow.id}\``,
        data: { workflowId: workflow.id, workflowState: workflow.state },
      },
    ];
  const unfinished = unfinishedParents(facts);
  if (unfinished) return [unfinished];
  const by = lastEvent && lastEvent.toState === 'template' ? lastEvent : null;
  const how = by
    ? ` by ${by.actor} at ${isoTime(by.at)}${by.transition === 'submit' ? ' (submitted as a template)' : ''}`
    : '';
  return [
    {
      code: 'parked',
      message: `it is parked${how}: release it with \`p3s job adjust ${job.id} --state defined\``,
      data: by ? { actor: by.actor, at: by.at } : {},
    },
  ];
}

function held(facts: WhyFacts): WhyReason[] {
  const { job, holder, now } = facts;
  const since = job.state === 'running' ? job.startedAt : job.dispatchedAt;
  const verb = job.state === 'running' ? 'running on' : 'dispatched to';
  const who = holder
    ? `pilot ${holder.id} on ${holder.host}${holder.site ? ` (site ${holder.site})` : ''}`
    : 'a pilot no longer recorded';
  const when = since === null ? '' : ` since ${isoTime(since)} (${formatAgo(now - since)})`;
  const lease = job.leaseExpiresAt === null ? '' : `; its lease runs until ${isoTime(job.leaseExpiresAt)}`;
  const reasons: WhyReason[] = [
    {
      code: 'held_by_pilot',
      message: `it is ${verb} ${who}${when}${lease}`,
      data: {
        pilotId: holder?.id ?? null,
        pilotUuid: holder?.uuid ?? null,
        host: holder?.host ?? null,
        since,
        leaseExpiresAt: job.leaseExpiresAt,
      },
    },
  ];
  if (job.killRequested)
    reasons.push({
      code: 'kill_requested',
      message: 'a kill was requested: the pilot stops the payload at its next heartbeat',
    });
  return reasons;
}

function ended(facts: WhyFacts): WhyReason[] {
  const { job, lastEvent, ruleEvent } = facts;
  const reasons: WhyReason[] = [];
  if (job.errorName !== null || job.errorDiag !== null) {
    const name = job.errorName ?? 'error';
    const code = job.errorCode === null ? '' : ` (${job.errorCode})`;
    const diag = job.errorDiag ? `: ${job.errorDiag}` : '';
    reasons.push({
      code: 'ended_error',
      message: `attempt ${job.attempt} ended ${job.state} with ${name}${code}${diag}`,
      data: { errorName: job.errorName, errorCode: job.errorCode, errorDiag: job.errorDiag },
    });
  }
  if (lastEvent)
    reasons.push({
      code: 'ended_by',
      message: `last change: ${lastEvent.transition} to ${lastEvent.toState} by ${lastEvent.actor} at ${isoTime(lastEvent.at)}${lastEvent.detail ? ` (${lastEvent.detail})` : ''}`,
      data: { ...lastEvent },
    });
  if (ruleEvent)
    reasons.push({
      code: 'rule_decision',
      message: `${ruleEvent.actor} at ${isoTime(ruleEvent.at)}${ruleEvent.detail ? `: ${ruleEvent.detail}` : ''}`,
      data: { ...ruleEvent },
    });
  if (reasons.length === 0)
    reasons.push({
      code: 'ended_by',
      message: `attempt ${job.attempt} ended ${job.state}; no history is recorded`,
    });
  return reasons;
}

function unfinishedParents(facts: WhyFacts): WhyReason | undefined {
  const waiting = facts.parents.filter((p) => p.state !== 'finished');
  if (waiting.length === 0) return undefined;
  const names = waiting.map((p) => `${p.name} (job ${p.id}, ${p.state})`).join(', ');
  return {
    code: 'parents_unfinished',
    message: `${waiting.length === 1 ? 'its workflow parent has' : `${waiting.length} of its workflow parents have`} not finished: ${names}`,
    data: { parents: waiting },
  };
}

function servedBy(job: { site: string | null; jobtype: string }): string {
  return `${job.site === null ? 'any site' : `site ${job.site}`} and job type ${job.jobtype}`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A duration as `1h 2m`, `3m 4s` or `5s`. */
function formatAgo(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}
