// Wire shapes of access control: tokens (created by admins, shown once), who-am-I, the audit trail.

import { type Static, Type } from 'typebox';
import { IDENTITY_NAME_PATTERN, ROLES } from '../../core/auth.ts';
import { Id, Millis, NullableMillis, NullableString, Offset, PatternString, SiteName } from './common.ts';

export const RoleSchema = Type.Enum(ROLES);
export const IdentityName = PatternString(IDENTITY_NAME_PATTERN, 'letters, digits, _, ., @ and - (1-64)');

/** A token as listed: never the secret, only its first characters to recognise it. */
export const TokenSchema = Type.Object({
  id: Id,
  name: Type.String(),
  role: RoleSchema,
  site: NullableString,
  /** The secret's first characters, e.g. `p3s_Xb7q`. */
  prefix: Type.String(),
  createdAt: Millis,
  createdBy: Type.String(),
  expiresAt: NullableMillis,
  revokedAt: NullableMillis,
  revokedBy: NullableString,
  lastUsedAt: NullableMillis,
});
export type TokenWire = Static<typeof TokenSchema>;

export const CreateTokenBody = Type.Object(
  {
    /** The identity the token acts as: jobs it submits record this as their user. */
    name: IdentityName,
    role: RoleSchema,
    /** Pilot tokens only: the site its pilots must register for. */
    site: Type.Optional(Type.Union([SiteName, Type.Null()])),
    /** Lifetime in seconds from now; absent = no expiry. */
    expiresIn: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 * 365 * 86_400 })),
  },
  { additionalProperties: false },
);
export type CreateTokenBody = Static<typeof CreateTokenBody>;

/** The secret appears here once; the server keeps only its hash. */
export const CreateTokenReply = Type.Object({ token: TokenSchema, secret: Type.String() });
export type CreateTokenReply = Static<typeof CreateTokenReply>;

export const TokenListQuery = Type.Object(
  {
    /** Include revoked and expired tokens. */
    all: Type.Optional(Type.Boolean()),
    name: Type.Optional(IdentityName),
  },
  { additionalProperties: false },
);
export type TokenListQuery = Static<typeof TokenListQuery>;
export const TokenList = Type.Object({ tokens: Type.Array(TokenSchema) });
export type TokenList = Static<typeof TokenList>;
export const TokenReply = Type.Object({ token: TokenSchema });

export const WhoAmI = Type.Object({
  tokenId: Id,
  name: Type.String(),
  role: RoleSchema,
  site: NullableString,
  expiresAt: NullableMillis,
  /** The server's read policy: `open` (no token needed to read) or `token`. */
  readPolicy: Type.Union([Type.Literal('open'), Type.Literal('token')]),
});
export type WhoAmI = Static<typeof WhoAmI>;

export const AuditEventSchema = Type.Object({
  id: Id,
  at: Millis,
  actor: Type.String(),
  role: Type.String(),
  /** e.g. job.kill, workflow.create, token.revoke. */
  action: Type.String(),
  /** job, workflow, dag, datatype, dataset, site, pilot, token, purge. */
  objectType: Type.String(),
  objectId: NullableString,
  /** `ok`, or `denied` when the token was valid but not allowed. */
  outcome: Type.Union([Type.Literal('ok'), Type.Literal('denied')]),
  detail: NullableString,
});
export type AuditEventWire = Static<typeof AuditEventSchema>;

export const AuditQuery = Type.Object(
  {
    actor: Type.Optional(Type.String({ maxLength: 64 })),
    action: Type.Optional(Type.String({ maxLength: 64 })),
    objectType: Type.Optional(Type.String({ maxLength: 32 })),
    objectId: Type.Optional(Type.String({ maxLength: 128 })),
    outcome: Type.Optional(Type.Union([Type.Literal('ok'), Type.Literal('denied')])),
    since: Type.Optional(Millis),
    until: Type.Optional(Millis),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    offset: Type.Optional(Offset),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

export const AuditList = Type.Object({
  events: Type.Array(AuditEventSchema),
  total: Type.Integer(),
  limit: Type.Integer(),
  offset: Type.Integer(),
});
export type AuditList = Static<typeof AuditList>;
