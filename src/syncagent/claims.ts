/**
 * The permission claims of the agent's APIExport: which a PublishedResource asks tenants
 * for, which it cannot sync without, and how a tenant learns that one it needs is not
 * accepted — a `Synced=False` condition with reason `PermissionClaimNotAccepted` on the
 * tenant's object, naming the claim and the command that accepts it. Without it the tenant
 * saw only what the service side said, such as "waiting for Secret", about a Secret that
 * exists in the tenant's workspace but that the provider may not read.
 */
import type { Condition } from '../apimachinery/meta.ts';
import { qualifiedResource } from '../apimachinery/status.ts';
import type { NormalizedSpec } from './apis/types.ts';

export interface Claim {
  group: string;
  resource: string;
  identityHash?: string;
}

/** A binding's decisions on claims, as the APIExport virtual workspace shows its APIBindings. */
export interface BindingClaims {
  readonly name: string;
  readonly permissionClaims: readonly (Partial<Claim> & { resource: string; state?: string })[];
  /** The claims the export makes, as the binding's status lists them (absent: not known yet). */
  readonly exportClaims?: readonly (Partial<Claim> & { resource: string })[];
}

const NAMESPACES: Claim = { group: '', resource: 'namespaces' };
const EVENTS: Claim = { group: '', resource: 'events' };

export const claimKey = (c: Claim) => `${c.group}/${c.resource}/${c.identityHash ?? ''}`;

/**
 * The claims without which the agent cannot sync the PublishedResource's objects: the
 * tenant-side resource of every related resource, namespaces for a namespace filter, and
 * logical clusters for workspace paths.
 */
export function claimsToSync(spec: NormalizedSpec): Claim[] {
  const claims = new Map<string, Claim>();
  const add = (c: Claim) => claims.set(claimKey(c), c);
  for (const r of spec.related)
    add({
      group: r.origin === 'kcp' ? r.group : r.destGroup,
      resource: r.origin === 'kcp' ? r.resource : r.destResource,
      ...(r.identityHash ? { identityHash: r.identityHash } : {}),
    });
  if (spec.filter?.namespace) add(NAMESPACES);
  if (spec.enableWorkspacePaths) add({ group: 'core.kcp.io', resource: 'logicalclusters' });
  return [...claims.values()];
}

/**
 * What the agent asks tenants for: the claims it syncs with, namespaces wherever related
 * objects travel (as api-syncagent asks), and events, which tell tenants what happened to
 * their objects.
 */
export function claimsToAsk(spec: NormalizedSpec): Claim[] {
  const claims = new Map(claimsToSync(spec).map((c) => [claimKey(c), c]));
  if (spec.related.length > 0) claims.set(claimKey(NAMESPACES), NAMESPACES);
  claims.set(claimKey(EVENTS), EVENTS);
  return [...claims.values()];
}

const same = (a: Partial<Claim> & { resource: string }, b: Claim) =>
  (a.group ?? '') === b.group &&
  a.resource === b.resource &&
  (a.identityHash ?? '') === (b.identityHash ?? '');

/**
 * The claims of `needed` that the export makes and `binding` does not accept. One the
 * export does not make (it serves the resource itself, or has not added the claim yet)
 * is nothing the tenant could accept.
 */
export function notAccepted(needed: readonly Claim[], binding: BindingClaims): Claim[] {
  return needed.filter(
    (c) =>
      (binding.exportClaims === undefined || binding.exportClaims.some((e) => same(e, c))) &&
      !binding.permissionClaims.some((d) => d.state === 'Accepted' && same(d, c)),
  );
}

export const SYNCED_CONDITION = 'Synced';
export const CLAIM_NOT_ACCEPTED = 'PermissionClaimNotAccepted';

/** The command a tenant runs to accept `claims` (the kcp plugin's `claims accept`). */
export function acceptCommand(binding: string, claims: readonly Claim[]): string {
  const hashed = claims.filter((c) => c.identityHash);
  const plain = claims.filter((c) => !c.identityHash);
  return [
    ...(plain.length > 0
      ? [
          `kubectl kcp claims accept ${binding} --resource=${plain.map((c) => qualifiedResource(c)).join(',')}`,
        ]
      : []),
    ...hashed.map((c) => `kubectl kcp claims accept ${binding} --identity-hash=${c.identityHash}`),
  ].join(' && ');
}

/** A condition the agent sets, with its reason and message always there. */
export type AgentCondition = Required<Pick<Condition, 'type' | 'status' | 'reason' | 'message'>>;

/** The condition saying which claims the binding must accept before the object syncs. */
export function claimsCondition(binding: string, missing: readonly Claim[]): AgentCondition {
  const names = missing.map((c) => qualifiedResource(c)).join(', ');
  const one = missing.length === 1;
  return {
    type: SYNCED_CONDITION,
    status: 'False',
    reason: CLAIM_NOT_ACCEPTED,
    message: `the provider cannot sync this object until APIBinding ${binding} accepts the permission ${one ? 'claim' : 'claims'} on ${names}; accept ${one ? 'it' : 'them'} with: ${acceptCommand(binding, missing)}`,
  };
}
