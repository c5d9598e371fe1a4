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
