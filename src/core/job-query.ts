// Keys by which job lists can be sorted (shared by the API and the store).
export const JOB_SORT_KEYS = [
  'id',
  'priority',
  'name',
  'state',
  'created',
  'started',
  'ended',
  'jobtype',
  'user',
] as const;
export type JobSortKey = (typeof JOB_SORT_KEYS)[number];

/** Job times a list can be windowed on: submission, last change, end of the current attempt. */
export const JOB_TIME_FIELDS = ['created', 'updated', 'ended'] as const;
export type JobTimeField = (typeof JOB_TIME_FIELDS)[number];
