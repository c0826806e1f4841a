/**
 * What only the system writes in the tenancy and core APIs, whatever RBAC says (a
 * workspace admin is cluster-admin in its workspace, status and annotations included):
 *
 * - Workspace: the scheduling annotation (`internal.tenancy.kcp.io/cluster`, the logical
 *   cluster the controller picked) and, once created, the creator annotation; its status.
 *   `spec.cluster` (immutable once set, by the schema) and the scheduling annotation name
 *   only a logical cluster owned by that Workspace (`ownership.ts`): not even
 *   `system:masters` can point a Workspace at another's logical cluster.
 * - WorkspaceType: its status.
 * - LogicalCluster, as kcp's core.kcp.io/LogicalCluster admission: never created by a
 *   user, deleted from inside only when `spec.directlyDeletable`, `spec.initializers`
 *   immutable; and, because Canopy resolves paths and ownership from it, `spec.owner`,
 *   `spec.createdBy`, `spec.terminators`, the path, type and creator annotations and the
 *   content finalizer (which holds it until its content is gone). Of
 *   its status a user may only remove initializers while Initializing and, once none is
 *   left, move it to Ready: how an initializer finishes.
 *
 * Annotations are checked on every write, /status included: a status write may change
 * metadata annotations.
 */
import { isDeepStrictEqual } from 'node:util';
import {
  CLUSTER_NAME_ANNOTATION,
  CONTENT_FINALIZER,
  CORE_GROUP,
  type LogicalCluster,
  OWNER_ANNOTATION,
  PATH_ANNOTATION,
  TENANCY_GROUP,
  TYPE_ANNOTATION,
  type Workspace,
} from '../../api/tenancy/types.ts';
import type { KubeObject } from '../../apimachinery/meta.ts';
import { forbidden, invalid } from '../../apimachinery/status.ts';
import type { AdmissionPlugin, AdmissionRequest } from '../../apiserver/admission/admission.ts';
import { isPrivileged } from '../../apiserver/authz/authorization.ts';
import { ownedBy } from '../ownership.ts';

const SYSTEM_ONLY = 'can only be set by system privileged users';

const is = (request: AdmissionRequest, group: string, plural: string) =>
  request.scope.type.group === group && request.scope.type.names.plural === plural;

/** Annotations in `keys` that differ between the written object and the stored one. */
function changedAnnotations(
  object: KubeObject | undefined,
  old: KubeObject | undefined,
  keys: readonly string[],
): string[] {
  const now = object?.metadata.annotations ?? {};
  const before = old?.metadata.annotations ?? {};
  return keys.filter((k) => now[k] !== before[k]);
}

/** The LogicalCluster of a logical cluster, read from the store (not from a lagging index). */
export type LogicalClusterLookup = (cluster: string) => Promise<LogicalCluster | undefined>;

export function systemFieldsAdmission(logicalClusterOf: LogicalClusterLookup): AdmissionPlugin {
  const workspace = async (request: AdmissionRequest): Promise<void> => {
    const { operation, subresource, scope } = request;
    const ws = request.object as Workspace | undefined;
    const old = request.oldObject as Workspace | undefined;
    const kind = { group: TENANCY_GROUP, kind: 'Workspace' };
    const privileged = isPrivileged(scope.user);
    if (operation === 'DELETE' || !ws) return;
    if (!privileged) {
      if (subresource === 'status') {
        throw forbidden(
          { group: TENANCY_GROUP, resource: 'workspaces' },
          request.name,
          'only the system writes this status',
        );
      }
      const keys =
        operation === 'CREATE'
          ? [CLUSTER_NAME_ANNOTATION]
          : [CLUSTER_NAME_ANNOTATION, OWNER_ANNOTATION];
      const changed = changedAnnotations(ws, old, keys);
      if (changed.length > 0) {
        throw invalid(
          kind,
          request.name,
          changed.map((k) => ({
            type: 'FieldValueForbidden' as const,
            field: `metadata.annotations[${k}]`,
            detail: SYSTEM_ONLY,
          })),
        );
      }
    }
    // Once set, spec.cluster is immutable (the schema says so, as kcp's). Whoever sets it, a logical cluster named here must be this Workspace's own: on
    // create nothing can be its own yet, so it must not exist.
    const cluster = ws.spec?.cluster;
    const named = [
      ...(cluster !== undefined && cluster !== old?.spec?.cluster
        ? [['spec.cluster', cluster] as const]
        : []),
      ...changedAnnotations(ws, old, [CLUSTER_NAME_ANNOTATION]).flatMap((k) => {
        const value = ws.metadata.annotations?.[k];
        return value ? [[`metadata.annotations[${k}]`, value] as const] : [];
      }),
    ];
    for (const [field, name] of named) {
      const lc = await logicalClusterOf(name);
      const own = operation === 'UPDATE' && ownedBy(lc?.spec?.owner?.uid, old?.metadata.uid);
      if (lc && !own) {
        throw invalid(kind, request.name, [
          {
            type: 'FieldValueInvalid',
            field,
            value: name,
            detail: 'names a logical cluster that belongs to another workspace',
          },
        ]);
      }
    }
  };

  const logicalCluster = (request: AdmissionRequest): void => {
    const { operation } = request;
    const refuse = (why: string) =>
      forbidden({ group: CORE_GROUP, resource: 'logicalclusters' }, request.name, why);
    const lc = request.object as LogicalCluster | undefined;
    const old = request.oldObject as LogicalCluster | undefined;
    if (operation === 'CREATE') throw refuse('LogicalCluster cannot be created');
    if (operation === 'DELETE') {
      if (!old?.spec?.directlyDeletable) throw refuse('LogicalCluster cannot be deleted');
      return;
    }
    if (!lc || !old) return;
    const changed = changedAnnotations(lc, old, [
      PATH_ANNOTATION,
      TYPE_ANNOTATION,
      OWNER_ANNOTATION,
    ]);
    if (changed.length > 0) throw refuse(`metadata.annotations[${changed[0]}] ${SYSTEM_ONLY}`);
    // Without it, deleting the workspace would drop the LogicalCluster before its content.
    if (
      old.metadata.finalizers?.includes(CONTENT_FINALIZER) &&
      !lc.metadata.finalizers?.includes(CONTENT_FINALIZER)
    ) {
      throw refuse(`the finalizer ${CONTENT_FINALIZER} can only be removed by the system`);
    }
    for (const field of ['owner', 'createdBy', 'initializers', 'terminators'] as const) {
      if (!isDeepStrictEqual(lc.spec?.[field], old.spec?.[field])) {
        throw refuse(`spec.${field} is immutable`);
      }
    }
    const now = lc.status ?? {};
    const was = old.status ?? {};
    const { phase, initializers = [], ...rest } = now;
    const { phase: wasPhase, initializers: wasInitializers = [], ...wasRest } = was;
    if (!isDeepStrictEqual(rest, wasRest)) {
      throw refuse('status can only be changed by removing initializers');
    }
    if (!initializers.every((i) => wasInitializers.includes(i))) {
      throw refuse('status.initializers must not grow');
    }
    if (initializers.length !== wasInitializers.length && wasPhase !== 'Initializing') {
      throw refuse('status.initializers is immutable after initialization');
    }
    if (phase !== wasPhase) {
      if (wasPhase !== 'Initializing' || phase !== 'Ready') {
        throw refuse(`cannot transition from "${wasPhase ?? ''}" to "${phase ?? ''}"`);
      }
      if (initializers.length > 0) throw refuse('status.initializers is not empty');
    }
  };

  return {
    name: 'SystemFields',
    async validate(request) {
      if (is(request, TENANCY_GROUP, 'workspaces')) return workspace(request);
      if (isPrivileged(request.scope.user)) return;
      if (is(request, TENANCY_GROUP, 'workspacetypes') && request.subresource === 'status') {
        throw forbidden(
          { group: TENANCY_GROUP, resource: 'workspacetypes' },
          request.name,
          'only the system writes this status',
        );
      }
      if (is(request, CORE_GROUP, 'logicalclusters')) logicalCluster(request);
    },
  };
}
