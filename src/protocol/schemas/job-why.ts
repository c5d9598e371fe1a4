// Wire shape of "why is this job waiting?" (GET /api/v1/jobs/:id/why): core/why.ts's reasons.

import { type Static, Type } from 'typebox';
import { WHY_CODES } from '../../core/why.ts';
import { Id } from './common.ts';
import { JobStateSchema } from './jobs.ts';

export const WhyReasonSchema = Type.Object({
  code: Type.Enum(WHY_CODES),
  /** One human sentence. */
  message: Type.String(),
  /** The figures behind the sentence (counts, names, states, times); its keys depend on the code. */
  data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

export const JobWhySchema = Type.Object({
  jobId: Id,
  state: JobStateSchema,
  /** Most telling first; never empty. */
  reasons: Type.Array(WhyReasonSchema),
});
export type JobWhyWire = Static<typeof JobWhySchema>;
