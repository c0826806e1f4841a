/**
 * `kubectl kcp claims get apibinding [name]`: the permission claims of one APIBinding (or
 * of all in the current workspace) and their state, as a table; `kubectl kcp claims
 * accept|reject <binding> --resource resource.group | --identity-hash hash`: decides a
 * claim, as kcp's plugin does.
 *
 * Beyond kcp's plugin: a claim the export makes that the binding has not decided yet is
 * listed as `Open` (kcp's prints only decided claims, so an open claim was invisible), and
 * accepting or rejecting one adds it to the binding (kcp's changes only claims already in
 * the binding's spec and silently does nothing otherwise). `--resource` takes several
 * claims, comma-separated or repeated.
 */
import { qualifiedResource } from '../../apimachinery/status.ts';
import { openSession, type PluginContext, requireWorkspace, type Session } from './context.ts';
import {
  type AcceptablePermissionClaim,
  type APIBinding,
  APIS_GROUP,
  type KcpClient,
  type PermissionClaim,
} from './kcp-api.ts';
import type { ClusterURL } from './paths.ts';
import { isConflict } from './transport.ts';

/**
 * The session, its current workspace and the apis.kcp.io version that serves APIBindings
 * there: where `bind` and `claims` start.
 */
export async function bindingsSession(
  ctx: PluginContext,
  workspace: string | undefined,
): Promise<{ session: Session; current: ClusterURL; version: string }> {
  const session = await openSession(ctx, workspace);
  const current = requireWorkspace(session, 'does not point to workspace');
  try {
    const version = await session.client.preferredVersion(current.path, APIS_GROUP, 'apibindings');
    return { session, current, version };
  } catch (err) {
    throw new Error(`service discovery failed: ${(err as Error).message}`);
  }
}

/** What `claims get` shows for a claim the export makes and the binding has not decided. */
export const OPEN = 'Open';

const sameClaim = (a: PermissionClaim, b: PermissionClaim) =>
  (a.group ?? '') === (b.group ?? '') &&
  a.resource === b.resource &&
  (a.identityHash ?? '') === (b.identityHash ?? '');

/**
 * The claims the binding's export makes that the binding neither accepts nor rejects (from
 * `status.exportPermissionClaims`, which the binding controller fills once it found the
 * export).
 */
export function openClaims(binding: APIBinding): PermissionClaim[] {
  const decided = binding.spec?.permissionClaims ?? [];
  return (binding.status?.exportPermissionClaims ?? []).filter(
    (claim) => !decided.some((d) => d.state && sameClaim(d, claim)),
  );
}

/** The `--resource` value naming a claim (schema.GroupResource's string, as kcp's `claims get`). */
export function resourceFlag(claim: PermissionClaim): string {
  return qualifiedResource({ group: claim.group ?? '', resource: claim.resource });
}

/** The command that accepts `claim` on `binding` (by identity hash for another export's resource). */
export function acceptCommand(binding: string, claim: PermissionClaim): string {
  return claim.identityHash
    ? `kubectl kcp claims accept ${binding} --identity-hash=${claim.identityHash}`
    : `kubectl kcp claims accept ${binding} --resource=${resourceFlag(claim)}`;
}

/**
 * text/tabwriter as kubectl configures it (minwidth 6, padding 3, spaces): every column
 * but the last padded to its widest cell plus three.
 */
export function tabwrite(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      if (i === row.length - 1) return;
      widths[i] = Math.max(widths[i] ?? 0, Math.max(6, [...cell].length + 3));
    });
  }
  return rows
    .map(
      (row) =>
        `${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('')}\n`,
    )
    .join('');
}

export function claimsTable(bindings: readonly APIBinding[], version: string): string {
  const withVerbs = version !== 'v1alpha1';
  const rows: string[][] = [
    withVerbs
      ? ['APIBINDING', 'GROUP-RESOURCE', 'VERBS', 'STATUS']
      : ['APIBINDING', 'GROUP-RESOURCE', 'STATUS'],
  ];
  const row = (binding: APIBinding, claim: PermissionClaim, state: string) => {
    const gr = resourceFlag(claim);
    rows.push(
      withVerbs
        ? [binding.metadata.name, gr, (claim.verbs ?? []).join(','), state]
        : [binding.metadata.name, gr, state],
    );
  };
  for (const binding of bindings) {
    for (const claim of binding.spec?.permissionClaims ?? [])
      row(binding, claim, claim.state ?? '');
    for (const claim of openClaims(binding)) row(binding, claim, OPEN);
  }
  return tabwrite(rows);
}

export async function getClaims(
  ctx: PluginContext,
  name: string | undefined,
  options: { workspace?: string } = {},
): Promise<void> {
  const { session, current, version } = await bindingsSession(ctx, options.workspace);
  let bindings: APIBinding[];
  if (name) {
    try {
      bindings = [await session.client.getAPIBinding(current.path, version, name)];
    } catch (err) {
      throw new Error(`error finding APIBinding: ${(err as Error).message}`);
    }
  } else {
    try {
      bindings = await session.client.listAPIBindings(current.path, version);
    } catch (err) {
      throw new Error(
        `error listing APIBindings in ${JSON.stringify(current.path)} workspace: ${(err as Error).message}`,
      );
    }
  }
  ctx.io.out(claimsTable(bindings, version));
}

export type ClaimAction = 'accept' | 'reject';

export interface DecideClaimOptions {
  /** `resource.group` (`resource` or `resource.core` for the core group), one or more. */
  readonly resources?: readonly string[];
  readonly identityHash?: string;
  readonly workspace?: string;
}

/** `resource.group` as kcp's plugin reads `--resource`: no dot is the core group, so is `core`. */
export function parseResourceGroup(text: string): { group: string; resource: string } {
  const dot = text.indexOf('.');
  const resource = dot < 0 ? text : text.slice(0, dot);
  const group = dot < 0 ? '' : text.slice(dot + 1);
  return { group: group === 'core' ? '' : group, resource };
}

/**
 * The binding with the chosen claims set to `state`: claims already in its spec change
 * state; open claims of the export are added (verbs `*`, all objects, as `bind
 * --accept-all-permission-claims` adds them). Throws naming what the export does claim
 * when a wanted claim matches nothing.
 */
export function decideClaims(
  binding: APIBinding,
  state: 'Accepted' | 'Rejected',
  wanted: { resources: readonly { group: string; resource: string }[]; identityHash?: string },
): APIBinding {
  const next = structuredClone(binding);
  const spec = next.spec ?? {};
  next.spec = spec;
  const claims: AcceptablePermissionClaim[] = spec.permissionClaims ?? [];
  const exportClaims = binding.status?.exportPermissionClaims ?? [];
  const matches = (c: PermissionClaim, w: { group: string; resource: string } | undefined) =>
    w
      ? (c.group ?? '') === w.group && c.resource === w.resource
      : c.identityHash === wanted.identityHash;
  const targets = wanted.identityHash ? [undefined] : wanted.resources;
  for (const w of targets) {
    let found = false;
    for (const claim of claims) {
      if (!matches(claim, w)) continue;
      claim.state = state;
      found = true;
    }
    for (const claim of exportClaims) {
      if (!matches(claim, w) || claims.some((c) => sameClaim(c, claim))) continue;
      claims.push({
        group: claim.group ?? '',
        resource: claim.resource,
        ...(claim.identityHash ? { identityHash: claim.identityHash } : {}),
        ...(next.apiVersion?.endsWith('/v1alpha1')
          ? { all: true }
          : { verbs: ['*'], selector: { matchAll: true } }),
        state,
      });
      found = true;
    }
    if (!found) {
      const what = w
        ? `claim ${JSON.stringify(resourceFlag(w))}`
        : `claim with identity hash ${JSON.stringify(wanted.identityHash)}`;
      const made = exportClaims.map(resourceFlag);
      throw new Error(
        `APIBinding ${JSON.stringify(binding.metadata.name)} has no ${what}; ${
          made.length > 0
            ? `its export claims ${made.join(', ')}`
            : 'its export makes no claims (or the binding is not bound yet)'
        }`,
      );
    }
  }
  spec.permissionClaims = claims;
  return next;
}

/** Reads, changes and writes the binding, reading again when someone else wrote it meanwhile. */
async function updateClaims(
  client: KcpClient,
  path: string,
  version: string,
  name: string,
  change: (binding: APIBinding) => APIBinding,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const next = change(await client.getAPIBinding(path, version, name));
    try {
      await client.updateAPIBinding(path, version, next);
      return;
    } catch (err) {
      if (!isConflict(err) || attempt >= 4) throw err;
    }
  }
}

export async function decideClaimsCommand(
  ctx: PluginContext,
  action: ClaimAction,
  name: string | undefined,
  options: DecideClaimOptions = {},
): Promise<void> {
  if (!name) throw new Error('error APIBinding name is missing');
  const given = (options.resources ?? []).flatMap((r) => r.split(',')).filter((r) => r !== '');
  const resources = given.map(parseResourceGroup);
  if (resources.length === 0 && !options.identityHash) {
    throw new Error(
      `say which claim to ${action}: --resource resource.group (for example --resource=secrets) or --identity-hash hash; \`kubectl kcp claims get apibinding ${name}\` lists them`,
    );
  }
  const { session, current, version } = await bindingsSession(ctx, options.workspace);
  const state = action === 'accept' ? 'Accepted' : 'Rejected';
  try {
    await updateClaims(session.client, current.path, version, name, (binding) =>
      decideClaims(binding, state, {
        resources,
        ...(options.identityHash ? { identityHash: options.identityHash } : {}),
      }),
    );
  } catch (err) {
    throw new Error(
      `error updating permission claim for APIBinding ${JSON.stringify(name)}: ${(err as Error).message}`,
    );
  }
  const which = options.identityHash
    ? `claim with identity hash ${JSON.stringify(options.identityHash)} `
    : // As kcp's plugin says it: the claims as the user wrote them.
      `${given.length === 1 ? 'claim' : 'claims'} ${given.map((r) => JSON.stringify(r)).join(', ')} `;
  const verb = resources.length > 1 ? 'are' : 'is';
  ctx.io.out(`${which}on APIBinding ${JSON.stringify(name)} ${verb} ${action}ed\n`);
}
