/**
 * Permission claims in force, and the labels that carry them onto objects.
 *
 * As in kcp, an object a binding's accepted claim covers carries the label
 * `claimed.internal.apis.kcp.io/<hash of the export>` = `<hash of the claim>`, set on every
 * write by admission and on existing objects by the permission-claim label controller
 * when a binding's claims change. The APIExport virtual workspace shows a provider only
 * labelled objects, so accepting a claim turns into ADDED events on its watches and
 * revoking one into DELETED events: the change is a write, not a silent shift of view.
 */
import { createHash } from 'node:crypto';
import type { APIBinding, ClaimSelector } from '../api/apis/types.ts';
import { labelSelectorFromObject } from '../apimachinery/labels.ts';
import type { KubeObject } from '../apimachinery/meta.ts';
import type { ResourceType } from '../apiserver/registry/resource-type.ts';
import type { BindingRef } from './api-index.ts';

export const CLAIM_LABEL_PREFIX = 'claimed.internal.apis.kcp.io/';

/** A claim's identity: group, resource and, for another export's resource, its identity. */
export interface ClaimRef {
  readonly group?: string;
  readonly resource: string;
  readonly identityHash?: string;
}

/** What a binding grants on a claim: the accepted verbs and the claim's selector. */
export interface Grant {
  readonly verbs: readonly string[];
  readonly selector: ClaimSelector | undefined;
}

export const sameClaim = (a: ClaimRef, b: ClaimRef) =>
  (a.group ?? '') === (b.group ?? '') &&
  a.resource === b.resource &&
  (a.identityHash ?? '') === (b.identityHash ?? '');

/** Whether `claim` is a claim on objects of `type`. */
export const claimCovers = (claim: ClaimRef, type: ResourceType) =>
  (claim.group ?? '') === type.group &&
  claim.resource === type.names.plural &&
  (claim.identityHash ?? '') === (type.identity ?? '');

/**
 * A binding that is in force: Bound — also while it is being deleted, as in kcp: the
 * binding's deletion waits for its objects to go, and providers must still reach them to
 * run their finalizers (a sync agent's `syncagent.kcp.io/cleanup`), or unbinding and
 * deleting a workspace would never finish.
 */
export const live = (b: APIBinding) => b.status?.phase === 'Bound';

/** What a binding grants on a claim: applied (accepted, verbs intersected) or nothing. */
export function grantOf(binding: APIBinding, claim: ClaimRef): Grant | undefined {
  const applied = (binding.status?.appliedPermissionClaims ?? []).find((a) => sameClaim(a, claim));
  if (!applied) return undefined;
  const decision = (binding.spec.permissionClaims ?? []).find((d) => sameClaim(d, claim));
  return { verbs: applied.verbs, selector: decision?.selector };
}

export function selectorMatches(selector: ClaimSelector | undefined, obj: KubeObject): boolean {
  if (!selector || selector.matchAll) return true;
  return labelSelectorFromObject(selector).matches(obj.metadata.labels);
}

// Label names and values allow 63 characters of [A-Za-z0-9]; hex of SHA-256 cut to 40 is
// ample to tell exports and claims apart.
const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 40);

/** The label key an export's claims put on objects. */
export function claimLabelKey(exportCluster: string, exportName: string): string {
  return `${CLAIM_LABEL_PREFIX}${hash(`${exportCluster}:${exportName}`)}`;
}

/** The value of that label for one claim. */
export function claimLabelValue(claim: ClaimRef): string {
  return hash(`${claim.group ?? ''}/${claim.resource}/${claim.identityHash ?? ''}`);
}

/**
 * The claim labels an object of `type` should carry, given the bindings of its workspace:
 * one per live binding whose accepted claim covers the type and whose selector matches.
 */
export function wantedClaimLabels(
  bindings: readonly BindingRef[],
  type: ResourceType,
  obj: KubeObject,
): Map<string, string> {
  const wanted = new Map<string, string>();
  for (const { binding } of bindings) {
    const exportCluster = binding.status?.apiExportClusterName;
    const exportName = binding.spec.reference?.export?.name;
    if (!live(binding) || !exportCluster || !exportName) continue;
    for (const applied of binding.status?.appliedPermissionClaims ?? []) {
      if (!claimCovers(applied, type)) continue;
      const grant = grantOf(binding, applied);
      if (grant && selectorMatches(grant.selector, obj))
        wanted.set(claimLabelKey(exportCluster, exportName), claimLabelValue(applied));
    }
  }
  return wanted;
}

/** `labels` with their claim labels replaced by `wanted`, or undefined when already so. */
export function withClaimLabels(
  labels: Record<string, string> | undefined,
  wanted: ReadonlyMap<string, string>,
): Record<string, string> | undefined {
  let changed = false;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (k.startsWith(CLAIM_LABEL_PREFIX) && wanted.get(k) !== v) {
      changed = true;
      continue;
    }
    out[k] = v;
  }
  for (const [k, v] of wanted) {
    if (out[k] === v) continue;
    out[k] = v;
    changed = true;
  }
  return changed ? out : undefined;
}
