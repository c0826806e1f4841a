/**
 * `kubectl kcp bind apiexport <path>:<export>`: creates an APIBinding in the current
 * workspace (in the apis.kcp.io version the server prefers) with the permission claims
 * accepted or rejected on the command line, then waits for it to be Bound.
 *
 * Beyond kcp's plugin: once bound, every claim of the export the binding leaves open is
 * named on stderr with the command that accepts it; an export that does not exist fails
 * at once (the binding controller says so in a condition) and the binding just created is
 * deleted again; a timeout names the binding's failing conditions and what was left.
 */

import { findCondition } from '../../apimachinery/conditions.ts';
import { splitPath } from '../../apimachinery/logicalcluster.ts';
import { acceptCommand, bindingsSession, openClaims, resourceFlag } from './claims.ts';
import type { PluginContext } from './context.ts';
import {
  type AcceptablePermissionClaim,
  type APIBinding,
  APIS_GROUP,
  claimString,
  type KcpClient,
  type PermissionClaim,
} from './kcp-api.ts';
import { isValidPath } from './paths.ts';
import { isAlreadyExists } from './transport.ts';

export interface BindOptions {
  readonly name?: string;
  /** Wait for Bound this long. Default 30 s. */
  readonly timeoutMs?: number;
  readonly acceptPermissionClaims?: readonly string[];
  readonly rejectPermissionClaims?: readonly string[];
  readonly acceptAllPermissionClaims?: boolean;
  readonly rejectAllPermissionClaims?: boolean;
  readonly workspace?: string;
}

export type ClaimState = 'Accepted' | 'Rejected';

/** One claim as the flags spell it: `resource.group`, group `core` meaning the core group. */
export function parsePermissionClaim(text: string, state: ClaimState): AcceptablePermissionClaim {
  const dot = text.indexOf('.');
  if (dot < 0) throw new Error(`invalid permission claim ${JSON.stringify(text)}`);
  const resource = text.slice(0, dot);
  const group = text.slice(dot + 1);
  return {
    group: group === 'core' ? '' : group,
    resource,
    verbs: ['*'],
    selector: { matchAll: true },
    state,
  };
}

/** Splits repeated, comma-separated flag values (pflag StringSlice). */
export function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).filter((v) => v !== '');
}

export interface ValidatedBind {
  readonly exportPath: string;
  readonly exportName: string;
  readonly accepted: AcceptablePermissionClaim[];
  readonly rejected: AcceptablePermissionClaim[];
}

/** The checks kcp's plugin makes before talking to the server, with its messages. */
export function validateBind(ref: string | undefined, options: BindOptions): ValidatedBind {
  if (!ref)
    throw new Error('`root:ws:apiexport_object` reference to bind is required as an argument');
  const accept = splitList(options.acceptPermissionClaims);
  const reject = splitList(options.rejectPermissionClaims);
  const acceptAll = options.acceptAllPermissionClaims === true;
  const rejectAll = options.rejectAllPermissionClaims === true;
  if (acceptAll && rejectAll) {
    throw new Error(
      'cannot use both --accept-all-permission-claims and --reject-all-permission-claims',
    );
  }
  if (acceptAll && accept.length > 0) {
    throw new Error('cannot use --accept-all-permission-claims with --accept-permission-claim');
  }
  if (acceptAll && reject.length > 0) {
    throw new Error(
      'cannot use --accept-all-permission-claims together with --reject-permission-claim',
    );
  }
  if (rejectAll && reject.length > 0) {
    throw new Error('cannot use --reject-all-permission-claims with --reject-permission-claim');
  }
  if (rejectAll && accept.length > 0) {
    throw new Error(
      'cannot use --reject-all-permission-claims together with --accept-permission-claim',
    );
  }
  const [exportPath, exportName] = splitPath(ref);
  if (!isValidPath(exportPath)) {
    throw new Error(
      'fully qualified reference to workspace where APIExport exists is required. The format is `<logical-cluster-name>:<apiexport>` or `<full>:<path>:<to>:<apiexport>`',
    );
  }
  const parseAll = (texts: string[], state: ClaimState, label: string) => {
    const claims: AcceptablePermissionClaim[] = [];
    const errors: string[] = [];
    for (const text of texts) {
      try {
        claims.push(parsePermissionClaim(text, state));
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    if (errors.length > 0)
      throw new Error(`invalid ${label} permission claims: [${errors.join(' ')}]`);
    return claims;
  };
  const accepted = parseAll(accept, 'Accepted', 'accepted');
  const rejected = parseAll(reject, 'Rejected', 'rejected');
  for (const a of accepted) {
    for (const r of rejected) {
      if (a.group === r.group && a.resource === r.resource) {
        throw new Error(
          `accepted permission claim ${claimString(a)} conflicts with rejected permission claim ${claimString(r)}`,
        );
      }
    }
  }
  return { exportPath, exportName, accepted, rejected };
}

/** The APIBinding object for `version` (v1alpha2, or v1alpha1's older claim shape). */
export function apiBindingFor(
  version: string,
  name: string,
  exportPath: string,
  exportName: string,
  claims: readonly AcceptablePermissionClaim[],
): APIBinding {
  const base = {
    apiVersion: `${APIS_GROUP}/${version}`,
    kind: 'APIBinding',
    metadata: { name },
  };
  const reference = { export: { path: exportPath, name: exportName } };
  if (version === 'v1alpha2') {
    return {
      ...base,
      spec: {
        reference,
        ...(claims.length > 0 ? { permissionClaims: claims.map((c) => ({ ...c })) } : {}),
      },
    };
  }
  if (version === 'v1alpha1') {
    const v1 = claims.map((c): AcceptablePermissionClaim => {
      if (c.verbs && c.verbs.length > 0 && !(c.verbs.length === 1 && c.verbs[0] === '*')) {
        throw new Error(
          'invalid permission claims: apis v1alpha1 does not support verbs in permission claims',
        );
      }
      if (c.selector && c.selector.matchAll !== true) {
        throw new Error(
          'invalid permission claims: apis v1alpha1 only supports the `all` selector for permission claims',
        );
      }
      return {
        group: c.group ?? '',
        resource: c.resource,
        all: true,
        ...(c.identityHash ? { identityHash: c.identityHash } : {}),
        ...(c.state ? { state: c.state } : {}),
      };
    });
    return { ...base, spec: { reference, ...(v1.length > 0 ? { permissionClaims: v1 } : {}) } };
  }
  throw new Error(`${version} is not supported by this plugin`);
}

/** Every claim of an export, accepted or rejected (with its identity hash kept). */
function claimsFromExport(
  exportClaims: readonly PermissionClaim[],
  state: ClaimState,
): AcceptablePermissionClaim[] {
  return exportClaims.map((c) => ({
    group: c.group ?? '',
    resource: c.resource,
    ...(c.identityHash ? { identityHash: c.identityHash } : {}),
    verbs: ['*'],
    selector: { matchAll: true },
    state,
  }));
}

export async function bindAPIExport(
  ctx: PluginContext,
  ref: string | undefined,
  options: BindOptions = {},
): Promise<void> {
  const valid = validateBind(ref, options);
  const { session, current, version } = await bindingsSession(ctx, options.workspace);

  let accepted = valid.accepted;
  let rejected = valid.rejected;
  if (options.acceptAllPermissionClaims || options.rejectAllPermissionClaims) {
    let exportClaims: PermissionClaim[];
    try {
      const apiExport = await session.client.getAPIExport(
        valid.exportPath,
        version,
        valid.exportName,
      );
      exportClaims = apiExport.spec?.permissionClaims ?? [];
    } catch (err) {
      throw new Error(
        `failed to get APIExport ${JSON.stringify(valid.exportName)}: ${(err as Error).message}`,
      );
    }
    if (options.acceptAllPermissionClaims)
      accepted = [...accepted, ...claimsFromExport(exportClaims, 'Accepted')];
    else rejected = [...rejected, ...claimsFromExport(exportClaims, 'Rejected')];
  }

  const name = options.name || valid.exportName;
  let binding: APIBinding;
  try {
    binding = apiBindingFor(version, name, valid.exportPath, valid.exportName, [
      ...accepted,
      ...rejected,
    ]);
  } catch (err) {
    throw new Error(`failed to create APIBinding: ${(err as Error).message}`);
  }
  let created: APIBinding;
  try {
    created = await session.client.createAPIBinding(current.path, version, binding);
  } catch (err) {
    if (isAlreadyExists(err)) {
      throw new Error(
        `failed to create APIBinding: ${(err as Error).message}; to change its permission claims use \`kubectl kcp claims accept ${name} --resource=<resource.group>\` (\`kubectl kcp claims get apibinding ${name}\` lists them)`,
      );
    }
    throw new Error(`failed to create APIBinding: ${(err as Error).message}`);
  }
  const createdName = created.metadata?.name ?? name;
  ctx.io.out(`apibinding ${createdName} created. Waiting to successfully bind ...\n`);

  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = ctx.now() + timeoutMs;
  let latest = created;
  while (latest.status?.phase !== 'Bound') {
    try {
      latest = await session.client.getAPIBinding(current.path, version, createdName);
    } catch (err) {
      throw new Error(`could not bind ${createdName}: ${(err as Error).message}`);
    }
    if (latest.status?.phase === 'Bound') break;
    const notFound = findCondition(latest.status?.conditions, 'APIExportValid');
    if (notFound?.status === 'False' && notFound.reason === 'APIExportNotFound') {
      throw new Error(
        `could not bind ${createdName}: ${notFound.message || 'APIExport not found'}; ${await removeBinding(session.client, current.path, version, createdName)}`,
      );
    }
    if (ctx.now() + 500 > deadline) {
      throw new Error(
        `could not bind ${createdName}: context deadline exceeded${notReady(latest)}; the APIBinding is left as it is (\`kubectl get apibinding ${createdName} -o yaml\` shows it, \`kubectl delete apibinding ${createdName}\` removes it)`,
      );
    }
    await ctx.sleep(500);
  }
  ctx.io.out(`${createdName} created and bound.\n`);
  warnOpenClaims(ctx, latest, valid);
}

/** Deletes a binding that cannot bind, saying so, or how to remove it when that failed. */
async function removeBinding(
  client: KcpClient,
  path: string,
  version: string,
  name: string,
): Promise<string> {
  try {
    await client.deleteAPIBinding(path, version, name);
    return `the APIBinding ${name} it created was deleted`;
  } catch (err) {
    return `the APIBinding ${name} is left behind (deleting it failed: ${(err as Error).message}); \`kubectl delete apibinding ${name}\` removes it`;
  }
}

/** ` (<reason>: <message>; …)` for the binding's conditions that are not True. */
function notReady(binding: APIBinding): string {
  const problems = (binding.status?.conditions ?? [])
    .filter((c) => c.status !== 'True' && c.type !== 'Ready')
    .map((c) => `${c.type} ${c.reason ?? ''}${c.message ? `: ${c.message}` : ''}`);
  return problems.length > 0 ? ` (${problems.join('; ')})` : '';
}

/**
 * A warning on stderr for every claim the export makes that the binding leaves open: the
 * provider cannot use those resources in this workspace, and things it does for the
 * tenant (copying Secrets, telling about problems) silently do not happen.
 */
function warnOpenClaims(ctx: PluginContext, binding: APIBinding, valid: ValidatedBind): void {
  const open = openClaims(binding);
  if (open.length === 0) return;
  const name = binding.metadata.name;
  const ref = `${valid.exportPath}:${valid.exportName}`;
  const lines = [
    `Warning: APIExport ${ref} claims ${open.length === 1 ? 'a resource' : `${open.length} resources`} in this workspace that APIBinding ${name} neither accepts nor rejects: ${open.map(resourceFlag).join(', ')}.`,
    'The provider cannot use them here until you accept them. To accept:',
    ...open.map((claim) => `  ${acceptCommand(name, claim)}`),
    `(\`kubectl kcp claims get apibinding ${name}\` lists the claims; \`--accept-all-permission-claims\` accepts them all when binding.)`,
  ];
  ctx.io.err(`${lines.join('\n')}\n`);
}
