/**
 * Permission claims as the Enable dialog presents them: one sentence per claim, in words
 * (verbs, resource, group), and which claims start ticked. Claims the catalog marks
 * tenant-scoped are ticked; any other claim reaches past the tenant's own workspace, so it
 * starts unticked and ticking it shows a warning.
 */
import type { PermissionClaim } from '../api/hub.ts';

export interface ClaimPresentation {
  /** Stable key, kcp's `resource.group` spelling (`secrets.core`). */
  readonly key: string;
  /** "get, list and watch" */
  readonly verbs: string;
  /** "secrets" */
  readonly resource: string;
  /** "core API" or "the apps API group" */
  readonly group: string;
  readonly trusted: boolean;
}

export function claimKey(claim: Pick<PermissionClaim, 'group' | 'resource'>): string {
  return `${claim.resource}.${claim.group === '' ? 'core' : claim.group}`;
}

/** "get", "get and list", "get, list and watch"; "*" or nothing reads as every verb. */
export function verbsInWords(verbs: readonly string[] | undefined): string {
  const list = [...new Set(verbs ?? [])].filter((v) => v.trim() !== '');
  if (list.length === 0 || list.includes('*')) return 'every operation';
  if (list.length === 1) return list[0]!;
  return `${list.slice(0, -1).join(', ')} and ${list.at(-1)}`;
}

export function presentClaim(claim: PermissionClaim): ClaimPresentation {
  return {
    key: claimKey(claim),
    verbs: verbsInWords(claim.verbs),
    resource: claim.resource === '*' ? 'every resource' : claim.resource,
    group: claim.group === '' ? 'core API' : `the ${claim.group} API group`,
    trusted: claim.tenantScoped === true,
  };
}

/** The keys ticked when the dialog opens: the tenant-scoped claims. */
export function initialSelection(claims: readonly PermissionClaim[]): Set<string> {
  return new Set(claims.filter((c) => c.tenantScoped === true).map(claimKey));
}

/** Ticked claims that are not tenant-scoped: the dialog warns about each. */
export function untrustedSelected(
  claims: readonly PermissionClaim[],
  selected: ReadonlySet<string>,
): PermissionClaim[] {
  return claims.filter((c) => c.tenantScoped !== true && selected.has(claimKey(c)));
}

/** What Confirm sends: the ticked claims; the hub marks every other claim Rejected. */
export function acceptedClaims(
  claims: readonly PermissionClaim[],
  selected: ReadonlySet<string>,
): { group: string; resource: string }[] {
  return claims
    .filter((c) => selected.has(claimKey(c)))
    .map((c) => ({ group: c.group, resource: c.resource }));
}
