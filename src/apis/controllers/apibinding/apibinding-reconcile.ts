/**
 * What the APIBinding controller decides, apart from its wiring (`apibinding-controller.ts`):
 * from a binding and what the lookups say about its export, the export's schemas, the
 * workspace's other bindings and its CRDs, the status the binding must have (kcp's
 * conditions and phases, bound resources, claims in force) and when to look again. No I/O:
 * the lookups are passed in as functions, so `apibinding-reconcile.test.ts` states each
 * rule as a table row, as kcp's `apibinding_reconcile_test.go` does.
 *
 * - The export is resolved from `spec.reference.export` (path relative to the binding's
 *   workspace); while it is missing, or has no identity yet, the binding stays Binding.
 * - Each exported resource is bound unless another binding (of another identity) or a CRD
 *   of the workspace already serves its group and resource (NamingConflicts). A binding
 *   that never completed its initial binding because of a conflict never becomes Bound,
 *   so `kubectl kcp bind` and `kubectl wait` do not report an API that is not served.
 * - Storage versions of a bound resource accumulate (objects stored in an older version
 *   remain readable).
 * - Claims in force: accepted by the binding and still made by the export, verbs
 *   intersected; claims the export does not make are reported.
 */
import type {
  APIBinding,
  APIExport,
  APIResourceSchema,
  BindingPermissionClaim,
  BoundResource,
  ExportPermissionClaim,
} from '../../../api/apis/types.ts';
import { isConditionTrue, setCondition } from '../../../apimachinery/conditions.ts';
import type { Condition } from '../../../apimachinery/meta.ts';
import { sameClaim } from '../../claims.ts';

export type BindingStatus = NonNullable<APIBinding['status']>;

/** How long before a binding waiting for its export, identity or schemas is looked at again. */
export const RETRY_MS = 500;

export interface BindingLookups {
  /** The logical cluster an export path resolves to from `cluster` (its own without a path). */
  exportCluster(cluster: string, path: string | undefined): string | undefined;
  getExport(cluster: string, name: string): APIExport | undefined;
  getSchema(cluster: string, name: string): APIResourceSchema | undefined;
  /** Every binding of `cluster` (the one reconciled included). */
  listBindings(cluster: string): readonly APIBinding[];
  /** Whether a CRD of `cluster` serves `group`/`resource`. */
  crdServes(cluster: string, group: string, resource: string): boolean;
}

export interface BindingReconcile {
  /** The status the binding must have (written once by the wiring when it differs). */
  readonly status: BindingStatus;
  readonly requeueAfterMs?: number;
}

/** Verbs granted by both sides; `*` on one side yields the other. */
export function intersectVerbs(a: readonly string[], b: readonly string[]): string[] {
  if (a.includes('*')) return [...b];
  if (b.includes('*')) return [...a];
  return a.filter((v) => b.includes(v));
}

/** The status of a binding in `cluster` (not being deleted) and when to look again. */
export function reconcileBinding(
  cluster: string,
  binding: APIBinding,
  lookups: BindingLookups,
): BindingReconcile {
  const status = binding.status ?? {};
  const conditions: Condition[] = structuredClone(status.conditions ?? []);
  const ref = binding.spec.reference.export;
  const exportCluster = lookups.exportCluster(cluster, ref.path);
  const exp = exportCluster ? lookups.getExport(exportCluster, ref.name) : undefined;
  if (!exportCluster || !exp) {
    setCondition(conditions, {
      type: 'APIExportValid',
      status: 'False',
      reason: 'APIExportNotFound',
      message: `APIExport ${ref.path ? `${ref.path}:` : ''}${ref.name} not found`,
    });
    return {
      status: { ...status, phase: status.phase || 'Binding', conditions },
      requeueAfterMs: RETRY_MS * 4,
    };
  }
  setCondition(conditions, {
    type: 'APIExportValid',
    status: 'True',
    reason: 'Valid',
    message: '',
  });
  const identity = exp.status?.identityHash;
  if (!identity) {
    return {
      status: {
        ...status,
        apiExportClusterName: exportCluster,
        phase: status.phase || 'Binding',
        conditions,
      },
      requeueAfterMs: RETRY_MS,
    };
  }

  const resources = bindResources(cluster, binding, exportCluster, exp, identity, lookups);
  const wasCompleted = isConditionTrue(status.conditions, 'InitialBindingCompleted');
  if (resources.missing.length > 0) {
    setCondition(conditions, {
      type: 'InitialBindingCompleted',
      status: 'False',
      reason: 'APIResourceSchemaInvalid',
      message: `APIResourceSchemas not found: ${resources.missing.join(', ')}`,
    });
  } else if (resources.conflicts.length > 0 && !wasCompleted) {
    setCondition(conditions, {
      type: 'InitialBindingCompleted',
      status: 'False',
      reason: 'NamingConflicts',
      message: resources.conflicts.join('; '),
    });
  } else {
    setCondition(conditions, {
      type: 'InitialBindingCompleted',
      status: 'True',
      reason: 'Bound',
      message: '',
    });
  }
  setCondition(
    conditions,
    resources.conflicts.length > 0
      ? {
          type: 'BindingUpToDate',
          status: 'False',
          reason: 'NamingConflicts',
          message: resources.conflicts.join('; '),
        }
      : { type: 'BindingUpToDate', status: 'True', reason: 'UpToDate', message: '' },
  );

  const exportClaims: ExportPermissionClaim[] = exp.spec.permissionClaims ?? [];
  const claims = claimsInForce(binding.spec.permissionClaims ?? [], exportClaims);
  setCondition(
    conditions,
    claims.unknown.length > 0
      ? {
          type: 'PermissionClaimsValid',
          status: 'False',
          reason: 'InvalidPermissionClaims',
          message: `claims not made by the export: ${claims.unknown.map((u) => `${u.resource}.${u.group || 'core'}`).join(', ')}`,
        }
      : { type: 'PermissionClaimsValid', status: 'True', reason: 'Valid', message: '' },
  );
  setCondition(conditions, {
    type: 'PermissionClaimsApplied',
    status: 'True',
    reason: 'Applied',
    message: '',
  });
  const everCompleted = wasCompleted || isConditionTrue(conditions, 'InitialBindingCompleted');
  setCondition(
    conditions,
    everCompleted
      ? { type: 'Ready', status: 'True', reason: 'Bound', message: '' }
      : {
          type: 'Ready',
          status: 'False',
          reason: 'Binding',
          message: 'waiting for the initial binding',
        },
  );
  return {
    status: {
      ...status,
      apiExportClusterName: exportCluster,
      boundResources: resources.bound,
      phase: everCompleted ? 'Bound' : 'Binding',
      conditions,
      appliedPermissionClaims: claims.applied,
      exportPermissionClaims: exportClaims,
    },
    ...(resources.missing.length > 0 ? { requeueAfterMs: RETRY_MS } : {}),
  };
}

/** The export's resources this binding serves, those it cannot (and why), and missing schemas. */
function bindResources(
  cluster: string,
  binding: APIBinding,
  exportCluster: string,
  exp: APIExport,
  identity: string,
  lookups: BindingLookups,
): { bound: BoundResource[]; conflicts: string[]; missing: string[] } {
  const bound: BoundResource[] = [];
  const conflicts: string[] = [];
  const missing: string[] = [];
  const others = lookups
    .listBindings(cluster)
    .filter((other) => other.metadata.name !== binding.metadata.name);
  for (const r of exp.spec.resources ?? []) {
    const schema = lookups.getSchema(exportCluster, r.schema);
    if (!schema) {
      missing.push(r.schema);
      continue;
    }
    const takenByBinding = others.some((other) =>
      (other.status?.boundResources ?? []).some(
        (b) => b.group === r.group && b.resource === r.name && b.schema.identityHash !== identity,
      ),
    );
    const takenByCrd = lookups.crdServes(cluster, r.group, r.name);
    if (takenByBinding || takenByCrd) {
      conflicts.push(
        `${r.name}.${r.group || 'core'} is already served by ${takenByBinding ? 'another APIBinding' : 'a CustomResourceDefinition'}`,
      );
      continue;
    }
    const storage = schema.spec.versions.find((v) => v.storage)?.name ?? '';
    const previous = (binding.status?.boundResources ?? []).find(
      (b) => b.group === r.group && b.resource === r.name,
    );
    bound.push({
      group: r.group,
      resource: r.name,
      schema: { name: r.schema, UID: schema.metadata.uid ?? '', identityHash: identity },
      storageVersions: [...new Set([...(previous?.storageVersions ?? []), storage])],
    });
  }
  return { bound, conflicts, missing };
}

/** The claims in force (accepted, still made by the export, verbs intersected) and unknown ones. */
export function claimsInForce(
  decided: readonly BindingPermissionClaim[],
  exportClaims: readonly ExportPermissionClaim[],
): {
  applied: NonNullable<BindingStatus['appliedPermissionClaims']>;
  unknown: BindingPermissionClaim[];
} {
  const unknown = decided.filter((d) => !exportClaims.some((e) => sameClaim(e, d)));
  const applied = decided
    .filter((d) => d.state === 'Accepted')
    .flatMap((d) => {
      const made = exportClaims.find((e) => sameClaim(e, d));
      if (!made) return [];
      const verbs = intersectVerbs(d.verbs ?? ['*'], made.verbs);
      return verbs.length
        ? [
            {
              group: d.group ?? '',
              resource: d.resource,
              ...(d.identityHash ? { identityHash: d.identityHash } : {}),
              verbs,
            },
          ]
        : [];
    });
  return { applied, unknown };
}

/**
 * A deleted binding: the objects of each bound resource in the workspace are deleted
 * (`deleteObjectsOf` returns how many were still there); once none are left the finalizer
 * may go.
 */
export async function finalizeBinding(
  binding: APIBinding,
  deleteObjectsOf: (exportCluster: string, resource: BoundResource) => Promise<number>,
): Promise<{ readonly removeFinalizer: true } | { readonly requeueAfterMs: number }> {
  const exportCluster = binding.status?.apiExportClusterName;
  let left = 0;
  if (exportCluster) {
    for (const resource of binding.status?.boundResources ?? [])
      left += await deleteObjectsOf(exportCluster, resource);
  }
  return left > 0 ? { requeueAfterMs: RETRY_MS } : { removeFinalizer: true };
}
