// `p3s token create|list|revoke` (admins; a user may list and revoke their own tokens) and
// `p3s whoami`: who the server takes this CLI for, and where its token came from.

import { type Command, Option } from '@commander-js/extra-typings';
import { ROLES } from '../../core/auth.ts';
import { ApiError } from '../../protocol/client.ts';
import type { TokenWire } from '../../protocol/schemas/auth.ts';
import { describeTokenSource, TOKEN_TABLE_HEAD, tokenRow } from '../access.ts';
import { collectId, positiveDurationArg } from '../args.ts';
import { CliError, Exit } from '../errors.ts';
import { formatTime } from '../output.ts';
import { connect, output, withClientOptions } from './common.ts';

export function addTokenCommands(program: Command): void {
  const token = program.command('token').description('create, list and revoke access tokens');

  withClientOptions(
    token
      .command('create')
      .description('create a token (admins only); its secret is printed once')
      .addOption(
        new Option('--role <role>', 'user: submit and manage own work; pilot: run jobs; admin: everything')
          .choices(ROLES)
          .makeOptionMandatory(),
      )
      .addOption(
        new Option(
          '--name <name>',
          'the identity the token acts as (jobs record it as their user)',
        ).makeOptionMandatory(),
      )
      .addOption(new Option('--site <site>', 'pilot tokens only: the one site its pilots may serve'))
      .addOption(
        new Option('--expires <duration>', 'lifetime from now, e.g. 30d, 12h (default: never)').argParser(
          positiveDurationArg,
        ),
      ),
  ).action(async (opts) => {
    const out = output(opts);
    if (opts.site !== undefined && opts.role !== 'pilot')
      throw new CliError(`--site: only pilot tokens have a site, not ${opts.role} tokens`, { exitCode: 2 });
    const { client } = connect(opts);
    const created = await client.createToken({
      name: opts.name,
      role: opts.role,
      ...(opts.site === undefined ? {} : { site: opts.site }),
      ...(opts.expires === undefined ? {} : { expiresIn: opts.expires }),
    });
    if (out.json) return out.data(created);
    const t = created.token;
    const expires = t.expiresAt === null ? 'never expires' : `expires ${formatTime(t.expiresAt)}`;
    const site = t.site === null ? '' : ` for site ${t.site}`;
    // The secret alone on stdout (`p3s token create … > file` keeps just it); the rest on stderr.
    out.note(`created ${t.role} token ${t.id} "${t.name}"${site}; it ${expires}`);
    out.line(created.secret);
    out.note(
      'this secret is shown now and never again: store it (use it with --token, P3S_TOKEN or P3S_TOKEN_FILE)',
    );
  });

  withClientOptions(
    token
      .command('list')
      .alias('ls')
      .description('list tokens, never their secrets (admins only)')
      .addOption(new Option('--all', 'include revoked and expired tokens'))
      .addOption(new Option('--name <name>', 'only tokens of this identity')),
  ).action(async (opts) => {
    const out = output(opts);
    const { client } = connect(opts);
    const { tokens } = await client.listTokens({
      ...(opts.all ? { all: true } : {}),
      ...(opts.name === undefined ? {} : { name: opts.name }),
    });
    if (out.json) return out.data({ tokens });
    if (tokens.length === 0)
      return out.line(opts.all ? 'no tokens' : 'no active tokens (--all shows revoked and expired ones)');
    const now = Date.now();
    out.table(
      TOKEN_TABLE_HEAD,
      tokens.map((t) => tokenRow(t, now)),
      { alignRight: [0] },
    );
  });

  withClientOptions(
    token
      .command('revoke')
      .description('revoke tokens by id, or every active token of an identity (--name)')
      .argument('[ids...]', 'token ids', collectId)
      .addOption(new Option('--name <name>', 'revoke every active token of this identity')),
  ).action(async (ids, opts) => {
    const out = output(opts);
    const given = (ids as number[] | undefined) ?? [];
    if (given.length > 0 && opts.name !== undefined)
      throw new CliError('say which tokens once: ID… or --name NAME', { exitCode: 2 });
    if (given.length === 0 && opts.name === undefined)
      throw new CliError('say which tokens: ID… or --name NAME', { exitCode: 2 });
    const { client } = connect(opts);
    let targets = given;
    if (opts.name !== undefined) {
      const { tokens } = await client.listTokens({ name: opts.name });
      if (tokens.length === 0)
        throw new CliError(`no active token named "${opts.name}": nothing was revoked`, {
          lines: ['  p3s token list --all shows revoked and expired ones'],
        });
      targets = tokens.map((t) => t.id);
    }
    const results: {
      id: number;
      ok: boolean;
      token?: TokenWire;
      error?: { code: string; message: string };
    }[] = [];
    for (const id of targets) {
      try {
        const { token: revoked } = await client.revokeToken(id);
        results.push({ id, ok: true, token: revoked });
        if (!out.json) out.line(`token ${id} (${revoked.role} "${revoked.name}"): revoked`);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        results.push({ id, ok: false, error: { code: error.code, message: error.message } });
        out.note(`p3s: ${error.message}`);
      }
    }
    if (out.json) out.data({ results });
    if (results.some((r) => !r.ok)) throw new Exit(1);
  });
}

export function addWhoamiCommand(program: Command): void {
  withClientOptions(
    program.command('whoami').description('show who the server takes you for: name, role, site, token'),
  ).action(async (opts) => {
    const out = output(opts);
    const conn = connect(opts);
    const from = describeTokenSource(conn.tokenSource, { dataDir: conn.dataDir });
    let me: Awaited<ReturnType<typeof conn.client.whoami>>;
    try {
      me = await conn.client.whoami();
    } catch (error) {
      if (error instanceof ApiError && error.status === 401)
        throw new CliError(`${conn.url}: ${error.message}`, {
          lines: [
            `  token sent: ${from}`,
            conn.tokenSource === 'none'
              ? '  give one with --token, P3S_TOKEN or P3S_TOKEN_FILE (the local admin token is sent only to the server its data dir runs)'
              : '  ask an admin for a new token (p3s token create)',
          ],
        });
      throw error;
    }
    if (out.json) return out.data({ ...me, server: conn.url, tokenSource: conn.tokenSource });
    const rows: [string, string][] = [
      ['name', me.name],
      ['role', me.role],
      ['site', me.site ?? '-'],
      ['server', `${conn.url}  (reads: ${me.readPolicy === 'open' ? 'open to anyone' : 'token needed'})`],
      ['token', `${me.tokenId} from ${from}`],
      ['expires', me.expiresAt === null ? 'never' : formatTime(me.expiresAt)],
    ];
    for (const [key, value] of rows) out.line(`${key.padEnd(7)}  ${value}`);
  });
}
