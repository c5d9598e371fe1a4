// Wire shapes of DAG templates, datatypes, datasets and workflows. GraphML, fileinfo and jobinfo
// are validated by src/workflow (which names the line or field); the schemas only bound the shapes.

import { type Static, Type } from 'typebox';
import { WORKFLOW_STATES } from '../../core/dag/readiness.ts';
import {
  Id,
  Millis,
  NullableInteger,
  NullableMillis,
  NullableString,
  Offset,
  PatternString,
  WaitSeconds,
} from './common.ts';
import { Env, JobSchema } from './jobs.ts';

/** DAG and datatype names: letters, digits, `_`, `.`, `-`, not starting with `.` or `-`. */
export const ObjectName = PatternString(
  '^[A-Za-z0-9_][A-Za-z0-9_.-]*$',
  'letters, digits, _, . and - (1-64), not starting with . or -',
);
export const NameParams = Type.Object({ name: ObjectName }, { additionalProperties: false });

const User = Type.String({ minLength: 1, maxLength: 64 });
const Counts = Type.Record(Type.String(), Type.Integer(), {
  description: 'jobs of the workflow by state, and total',
});
export const WorkflowStateSchema = Type.Enum(WORKFLOW_STATES);

export const DatatypeSchema = Type.Object({
  name: Type.String(),
  ext: Type.String(),
  comment: Type.String(),
});
export type DatatypeWire = Static<typeof DatatypeSchema>;
export const DatatypeList = Type.Object({ datatypes: Type.Array(DatatypeSchema) });
export const PutDatatypeReply = Type.Object({ datatype: DatatypeSchema, created: Type.Boolean() });

export const DagInfoSchema = Type.Object({
  name: Type.String(),
  description: Type.String(),
  user: Type.String(),
  vertices: Type.Integer(),
  edges: Type.Integer(),
  workflows: Type.Integer({ description: 'existing workflows made from it' }),
  createdAt: Millis,
  updatedAt: Millis,
});
export type DagInfoWire = Static<typeof DagInfoSchema>;

export const DagVertexSchema = Type.Object({
  name: Type.String(),
  payload: Type.String(),
  env: Env,
  jobtype: Type.String(),
  timelimit: Type.Integer(),
  priority: Type.Integer(),
});
export const DagEdgeSchema = Type.Object({
  index: Type.Integer(),
  source: Type.String(),
  target: Type.String(),
  name: Type.String(),
  dirpath: Type.String(),
  datatype: Type.String(),
  datatag: Type.String(),
  comment: Type.String(),
});
export type DagEdgeWire = Static<typeof DagEdgeSchema>;

export const DagDetailSchema = Type.Object({
  dag: DagInfoSchema,
  vertices: Type.Array(DagVertexSchema),
  edges: Type.Array(DagEdgeSchema),
  sources: Type.Array(Type.String()),
  sinks: Type.Array(Type.String()),
  /** Indented text: vertices in topological order, each with its outgoing edges. */
  rendering: Type.String(),
});
export type DagDetailWire = Static<typeof DagDetailSchema>;

export const AddDagBody = Type.Object(
  {
    name: ObjectName,
    graphml: Type.String({ minLength: 1, maxLength: 8 * 1024 * 1024 }),
    description: Type.Optional(Type.String({ maxLength: 4096 })),
    user: Type.Optional(User),
    /** Overwrite a DAG of the same name (in one transaction). */
    replace: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type AddDagBody = Static<typeof AddDagBody>;

export const DagGraphmlQuery = Type.Object(
  { normalized: Type.Optional(Type.Boolean({ description: 'rewrite with every attribute explicit' })) },
  { additionalProperties: false },
);
export const DagGraphmlReply = Type.Object({ name: Type.String(), graphml: Type.String() });
export const DeleteDagQuery = Type.Object(
  { force: Type.Optional(Type.Boolean({ description: 'delete even while workflows name it' })) },
  { additionalProperties: false },
);

export const DatasetSchema = Type.Object({
  id: Id,
  uuid: Type.String(),
  name: Type.String(),
  dirpath: Type.String(),
  path: Type.String(),
  datatype: Type.String(),
  datatag: Type.String(),
  state: Type.String(),
  comment: Type.String(),
  user: Type.String(),
  workflowId: NullableInteger,
  edgeIndex: NullableInteger,
  source: NullableString,
  target: NullableString,
  sourceJobId: NullableInteger,
  targetJobId: NullableInteger,
  createdAt: Millis,
  updatedAt: Millis,
});
export type DatasetWire = Static<typeof DatasetSchema>;

export const RegisterDatasetBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 1024 }),
    dirpath: Type.Optional(Type.String({ maxLength: 4096 })),
    datatype: Type.Optional(Type.String({ maxLength: 64 })),
    state: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    comment: Type.Optional(Type.String({ maxLength: 4096 })),
    user: Type.Optional(User),
  },
  { additionalProperties: false },
);
export type RegisterDatasetBody = Static<typeof RegisterDatasetBody>;

export const DatasetListQuery = Type.Object(
  {
    workflow: Type.Optional(Type.Integer({ minimum: 1 })),
    name: Type.Optional(Type.String({ maxLength: 1024 })),
    datatype: Type.Optional(Type.String({ maxLength: 64 })),
    state: Type.Optional(Type.String({ maxLength: 64 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    offset: Type.Optional(Offset),
  },
  { additionalProperties: false },
);
export type DatasetListQuery = Static<typeof DatasetListQuery>;
export const DatasetList = Type.Object({
  datasets: Type.Array(DatasetSchema),
  total: Type.Integer(),
  limit: Type.Integer(),
  offset: Type.Integer(),
});
export type DatasetList = Static<typeof DatasetList>;

export const WorkflowSchema = Type.Object({
  id: Id,
  uuid: Type.String(),
  name: Type.String(),
  dag: Type.String(),
  state: WorkflowStateSchema,
  user: Type.String(),
  description: Type.String(),
  counts: Counts,
  createdAt: Millis,
  startedAt: NullableMillis,
  endedAt: NullableMillis,
  updatedAt: Millis,
});
export type WorkflowWire = Static<typeof WorkflowSchema>;

/** fileinfo and jobinfo: P3S's text forms, or the JSON object itself. */
const InfoInput = Type.Union([
  Type.String({ maxLength: 1024 * 1024 }),
  Type.Record(Type.String(), Type.Unknown()),
]);

export const CreateWorkflowBody = Type.Object(
  {
    dag: ObjectName,
    /** Defaults to the DAG name (as P3S did). */
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    description: Type.Optional(Type.String({ maxLength: 4096 })),
    state: Type.Optional(Type.Union([Type.Literal('template'), Type.Literal('defined')])),
    /** '' (automatic names), 'sticky', 'inherit:PREFIX', or {"SOURCE:TARGET[#N]": {name, dirpath, comment}}. */
    fileinfo: Type.Optional(InfoInput),
    /** {"VERTEX": {payload, env, priority, timelimit, jobtype}}. */
    jobinfo: Type.Optional(InfoInput),
    dirpath: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 4096,
        description: "directory of every file whose fileinfo gives none (instead of the DAG's dirpath)",
      }),
    ),
    user: Type.Optional(User),
  },
  { additionalProperties: false },
);
export type CreateWorkflowBody = Static<typeof CreateWorkflowBody>;

export const WorkflowDetailSchema = Type.Object({
  workflow: WorkflowSchema,
  jobs: Type.Array(JobSchema),
  files: Type.Array(DatasetSchema),
  version: Type.String({
    description:
      'changes when the workflow state, its counts or a job state or attempt changes: give it as `seen` to wait for the next change',
  }),
});
export type WorkflowDetailWire = Static<typeof WorkflowDetailSchema>;

export const WorkflowQuery = Type.Object(
  {
    /** Held until the workflow's `version` differs from `seen`. */
    wait: Type.Optional(WaitSeconds),
    seen: Type.Optional(Type.String({ maxLength: 64, description: 'the version last seen (with wait)' })),
  },
  { additionalProperties: false },
);
export type WorkflowQuery = Static<typeof WorkflowQuery>;

export const WorkflowListQuery = Type.Object(
  {
    state: Type.Optional(Type.String({ maxLength: 200, description: 'comma-separated workflow states' })),
    dag: Type.Optional(Type.String({ maxLength: 64 })),
    user: Type.Optional(Type.String({ maxLength: 64 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    offset: Type.Optional(Offset),
  },
  { additionalProperties: false },
);
export type WorkflowListQuery = Static<typeof WorkflowListQuery>;
export const WorkflowList = Type.Object({
  workflows: Type.Array(WorkflowSchema),
  total: Type.Integer(),
  limit: Type.Integer(),
  offset: Type.Integer(),
});
export type WorkflowList = Static<typeof WorkflowList>;
export const WorkflowReply = Type.Object({ workflow: WorkflowSchema });
