/**
 * The APIBinding controller: resolves the export, binds each of its resources into the
 * workspace unless another binding or a CRD already serves that group and resource
 * (NamingConflicts), records which permission claims are in force (accepted by the
 * binding and still made by the export, verbs intersected), and sets kcp's conditions and
 * phases. Changes to the export reach its bindings. A deleted binding first deletes the
 * objects of its resources in the workspace.
 */

import {
  type APIBinding,
  BINDING_FINALIZER,
  BINDINGS_GVR,
  type BindingPermissionClaim,
  type BoundResource,
  type ExportPermissionClaim,
} from '../../../api/apis/types.ts';
import {
  isConditionTrue,
  sameStatusIgnoringTimes,
  setCondition,
} from '../../../apimachinery/conditions.ts';
import type { Condition } from '../../../apimachinery/meta.ts';
import { isStatusError } from '../../../apimachinery/status.ts';
import type { Client } from '../../../apiserver/client.ts';
import type { CrdSource } from '../../../apiserver/registry/crd-source.ts';
import { Requeue, WorkQueue } from '../../../controller/work-queue.ts';
import type { Logger } from '../../../logging/logger.ts';
import { parseObjectKey } from '../../../storage/keys.ts';
import type { ApiIndex } from '../../api-index.ts';
import { sameClaim } from '../../claims.ts';

const RETRY_MS = 500;

/** Verbs granted by both sides; `*` on one side yields the other. */
export function intersectVerbs(a: readonly string[], b: readonly string[]): string[] {
  if (a.includes('*')) return [...b];
  if (b.includes('*')) return [...a];
  return a.filter((v) => b.includes(v));
}

export class ApiBindingController {
  private readonly client: Client;
  private readonly index: ApiIndex;
  private readonly crds: CrdSource;
  readonly queue: WorkQueue;

  constructor(client: Client, index: ApiIndex, crds: CrdSource, logger: Logger) {
    this.client = client;
    this.index = index;
    this.crds = crds;
    this.queue = new WorkQueue((k) => this.reconcile(k), {
      name: 'apibinding',
      logger,
      concurrency: 8,
    });
    // A binding or CRD that changes or goes can settle another binding's naming conflict.
    const allIn = (cluster: string) => {
      for (const ref of index.bindingsIn(cluster))
        this.queue.add(bindingKey(ref.cluster, ref.binding.metadata.name as string));
    };
    index.bindings.onEvent((e) => {
      if (e.object) this.queue.add(e.key);
      allIn(e.cluster);
    });
    crds.onChange((cluster) => allIn(cluster));
    // An export's changes (resources, claims, identity) reach every binding to it.
    index.exports.onEvent((e) => {
      for (const ref of index.bindingsOf(e.cluster, e.name))
        this.queue.add(bindingKey(ref.cluster, ref.binding.metadata.name as string));
    });
  }

  resync(): void {
    for (const [k] of this.index.bindings.entries()) this.queue.add(k);
  }

  private async reconcile(key: string): Promise<Requeue | undefined> {
    const binding = this.index.bindings.get(key);
    if (!binding) return undefined;
    const { cluster } = parseObjectKey(key);
    const name = binding.metadata.name as string;
    const bindings = this.client.resource(cluster, BINDINGS_GVR);
    if (binding.metadata.deletionTimestamp) return this.cleanup(cluster, binding);
    if (!binding.metadata.finalizers?.includes(BINDING_FINALIZER)) {
      await bindings.modify(name, (cur) => ({
        ...cur,
        metadata: {
          ...cur.metadata,
          finalizers: [...(cur.metadata.finalizers ?? []), BINDING_FINALIZER],
        },
      }));
      return undefined;
    }
    const status = binding.status ?? {};
    const conditions: Condition[] = structuredClone(status.conditions ?? []);
    const ref = binding.spec.reference.export;
    const exportCluster = this.index.exportCluster(cluster, ref.path);
    const exp = exportCluster ? this.index.exportOf(exportCluster, ref.name) : undefined;
    if (!exportCluster || !exp) {
      setCondition(conditions, {
        type: 'APIExportValid',
        status: 'False',
        reason: 'APIExportNotFound',
        message: `APIExport ${ref.path ? `${ref.path}:` : ''}${ref.name} not found`,
      });
      await this.writeStatus(cluster, name, {
        ...status,
        phase: status.phase || 'Binding',
        conditions,
      });
      return new Requeue(RETRY_MS * 4);
    }
    setCondition(conditions, {
      type: 'APIExportValid',
      status: 'True',
      reason: 'Valid',
      message: '',
    });
    const identity = exp.status?.identityHash;
    if (!identity) {
      await this.writeStatus(cluster, name, {
        ...status,
        apiExportClusterName: exportCluster,
        phase: status.phase || 'Binding',
        conditions,
      });
      return new Requeue(RETRY_MS);
    }

    // Resources: bind each unless something else already serves its group and resource.
    const bound: BoundResource[] = [];
    const conflicts: string[] = [];
    const missing: string[] = [];
    const others = this.index.bindingsIn(cluster).filter((o) => o.binding.metadata.name !== name);
    for (const r of exp.spec.resources ?? []) {
      const schema = this.index.schema(exportCluster, r.schema);
      if (!schema) {
        missing.push(r.schema);
        continue;
      }
      const gr = `${r.name}.${r.group || 'core'}`;
      const takenByBinding = others.some((o) =>
        (o.binding.status?.boundResources ?? []).some(
          (b) => b.group === r.group && b.resource === r.name && b.schema.identityHash !== identity,
        ),
      );
      const takenByCrd = this.crds
        .crds(cluster)
        .some((c) => c.spec.group === r.group && c.spec.names.plural === r.name);
      if (takenByBinding || takenByCrd) {
        conflicts.push(
          `${gr} is already served by ${takenByBinding ? 'another APIBinding' : 'a CustomResourceDefinition'}`,
        );
        continue;
      }
      const storage = schema.spec.versions.find((v) => v.storage)?.name ?? '';
      const previous = (status.boundResources ?? []).find(
        (b) => b.group === r.group && b.resource === r.name,
      );
      bound.push({
        group: r.group,
        resource: r.name,
        schema: { name: r.schema, UID: schema.metadata.uid as string, identityHash: identity },
        storageVersions: [...new Set([...(previous?.storageVersions ?? []), storage])],
      });
    }
    const wasCompleted = isConditionTrue(status.conditions, 'InitialBindingCompleted');
    if (missing.length > 0) {
      setCondition(conditions, {
        type: 'InitialBindingCompleted',
        status: 'False',
        reason: 'APIResourceSchemaInvalid',
        message: `APIResourceSchemas not found: ${missing.join(', ')}`,
      });
    } else if (conflicts.length > 0 && !wasCompleted) {
      // As kcp: a binding whose resources collide never becomes Bound, so `kubectl kcp
      // bind` and `kubectl wait` do not report an API that is not served.
      setCondition(conditions, {
        type: 'InitialBindingCompleted',
        status: 'False',
        reason: 'NamingConflicts',
        message: conflicts.join('; '),
      });
    } else
      setCondition(conditions, {
        type: 'InitialBindingCompleted',
        status: 'True',
        reason: 'Bound',
        message: '',
      });
    setCondition(
      conditions,
      conflicts.length > 0
        ? {
            type: 'BindingUpToDate',
            status: 'False',
            reason: 'NamingConflicts',
            message: conflicts.join('; '),
          }
        : { type: 'BindingUpToDate', status: 'True', reason: 'UpToDate', message: '' },
    );

    // Claims: those the export makes and the binding accepted, verbs intersected.
    const exportClaims: ExportPermissionClaim[] = exp.spec.permissionClaims ?? [];
    const decided: BindingPermissionClaim[] = binding.spec.permissionClaims ?? [];
    const unknown = decided.filter((d) => !exportClaims.some((e) => sameClaim(e, d)));
    const applied = decided
      .filter((d) => d.state === 'Accepted')
      .flatMap((d) => {
        const e = exportClaims.find((x) => sameClaim(x, d));
        if (!e) return [];
        const verbs = intersectVerbs(d.verbs ?? ['*'], e.verbs);
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
    setCondition(
      conditions,
      unknown.length > 0
        ? {
            type: 'PermissionClaimsValid',
            status: 'False',
            reason: 'InvalidPermissionClaims',
            message: `claims not made by the export: ${unknown.map((u) => `${u.resource}.${u.group || 'core'}`).join(', ')}`,
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
    await this.writeStatus(cluster, name, {
      ...status,
      apiExportClusterName: exportCluster,
      boundResources: bound,
      phase: everCompleted ? 'Bound' : 'Binding',
      conditions,
      appliedPermissionClaims: applied,
      exportPermissionClaims: exportClaims,
    });
    return missing.length > 0 ? new Requeue(RETRY_MS) : undefined;
  }

  private async writeStatus(
    cluster: string,
    name: string,
    next: NonNullable<APIBinding['status']>,
  ): Promise<void> {
    const current = this.index.bindings.get(bindingKey(cluster, name));
    if (current && sameStatusIgnoringTimes(current.status ?? {}, next)) return;
    await this.client
      .resource(cluster, BINDINGS_GVR)
      .modify(name, (cur) => ({ ...cur, status: next }), 'status');
  }

  /** Deletes the objects of the binding's resources in the workspace, then lets it go. */
  private async cleanup(cluster: string, binding: APIBinding): Promise<Requeue | undefined> {
    const exportCluster = binding.status?.apiExportClusterName;
    let left = 0;
    for (const r of binding.status?.boundResources ?? []) {
      const type = exportCluster
        ? this.index.typeFor(exportCluster, r.schema.name, r.schema.identityHash)
        : undefined;
      if (type) left += await this.client.forType(cluster, type).deleteAll();
    }
    if (left > 0) return new Requeue(RETRY_MS);
    await this.client
      .resource(cluster, BINDINGS_GVR)
      .modify(binding.metadata.name as string, (cur) => ({
        ...cur,
        metadata: {
          ...cur.metadata,
          finalizers: (cur.metadata.finalizers ?? []).filter((f) => f !== BINDING_FINALIZER),
        },
      }))
      .catch((err) => {
        if (!isStatusError(err, 'NotFound')) throw err;
      });
    return undefined;
  }

  stop(): void {
    this.queue.stop();
  }
}

export function bindingKey(cluster: string, name: string): string {
  return `/apis.kcp.io/apibindings/-/${cluster}/-/${name}`;
}
