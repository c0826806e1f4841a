/**
 * One reconcile pass of a Cluster: what the section modules share while they work on it
 * (the object, its resolved spec, its local runtime, the credentials in force, the
 * parameters to run with) and the status writes that report its progress on the way
 * (a failover or a first primary takes seconds; the phase says what is happening).
 */
import type { JsonValue } from '../../../apimachinery/meta.ts';
import { createMergePatch } from '../../../apimachinery/patch/merge-patch.ts';
import { isNotFound } from '../../../controller/kube/client.ts';
import type { Logger } from '../../../logging/logger.ts';
import type { Cluster, ClusterStatus, PhaseName } from '../../types.ts';
import { CLUSTERS, type ControllerDeps } from '../deps.ts';
import type { ClusterRuntime } from '../instance-manager.ts';
import { type ResolvedCredentials, statusPrimaries } from './cluster-reconcile.ts';
import { localImage } from './image.ts';
import type { ResolvedSpec } from './spec.ts';
import {
  CANOPY_STATUS_FIELDS,
  computeStatus,
  IGNORED_FIELDS_CONDITION,
  OWNED_STATUS_FIELDS,
} from './status.ts';
import { syncWorkloads } from './workload-sync.ts';

export class ClusterPass {
  readonly deps: ControllerDeps;
  /** The Cluster as read at the start of the pass (with the operator's finalizer). */
  readonly cluster: Cluster;
  readonly spec: ResolvedSpec;
  /** Set fields the local runtime does not honour, with why (the IgnoredFields condition). */
  ignored: readonly string[];
  readonly log: Logger;
  /** The status as last read or written. */
  status: ClusterStatus;
  /** The Cluster's local runtime, once the environment can run servers. */
  runtime: ClusterRuntime | undefined;
  /** The parameters instances run with (see configuration.ts `validateParameters`). */
  effective: Record<string, string> | undefined;
  /** Why the spec's parameters are not applied. */
  configError: string | undefined;
  #credentials: ResolvedCredentials | undefined;

  constructor(deps: ControllerDeps, cluster: Cluster, spec: ResolvedSpec, ignored: string[]) {
    this.deps = deps;
    this.cluster = cluster;
    this.spec = spec;
    this.ignored = ignored;
    this.status = cluster.status ?? {};
    this.log = deps.log.child({
      cluster: `${cluster.metadata.namespace}/${cluster.metadata.name}`,
    });
  }

  /** The credentials in force; resolved before any server is touched. */
  get credentials(): ResolvedCredentials {
    if (!this.#credentials) throw new Error('credentials used before they were resolved');
    return this.#credentials;
  }

  set credentials(credentials: ResolvedCredentials) {
    this.#credentials = credentials;
  }

  /** One more field not honoured, as `path (why)`. */
  notHonoured(entry: string): void {
    this.ignored = [...this.ignored, entry].sort();
  }

  /** A core/v1 Event on the Cluster. */
  event(type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.deps.events.record(this.cluster, type, reason, message);
  }

  /** Writes the status the runtime shows now, in `phase` for `reason`. */
  async publish(
    phase: PhaseName,
    reason?: string,
    override: { targetPrimary?: string } = {},
  ): Promise<void> {
    const runtime = this.runtime;
    const primary = runtime?.primary();
    const primaries = statusPrimaries({
      primary: primary && { name: primary.name, ready: primary.state.phase === 'ready' },
      previous: this.status,
      isInstance: (name) => runtime?.instances.has(name) === true,
      ...(override.targetPrimary ? { override: override.targetPrimary } : {}),
    });
    const status = computeStatus({
      clusterName: this.cluster.metadata.name,
      previous: this.status,
      instances: runtime ? runtime.views() : [],
      ...primaries,
      phase,
      ...(reason ? { phaseReason: reason } : {}),
      latestGeneratedNode: runtime?.meta.latestGeneratedNode ?? 0,
      ignoredFields: [...this.ignored],
      ...(this.#credentials ? { secretsResourceVersion: this.#credentials.versions } : {}),
      ...(runtime?.meta.endpointPorts ? { readWritePort: runtime.meta.endpointPorts.rw } : {}),
      // The major this Cluster's data was made with, which may not be the operator's default.
      image: runtime ? localImage(runtime.bin.major) : this.deps.image,
      ...(runtime?.primaryUnhealthySince !== undefined
        ? { primaryFailingSince: runtime.primaryUnhealthySince }
        : {}),
      now: new Date(),
    });
    const said = (s: ClusterStatus) =>
      s.conditions?.find((c) => c.type === IGNORED_FIELDS_CONDITION)?.message;
    const ignoredBefore = said(this.status);
    await this.writeStatus(status);
    // The condition says it for good; an event tells whoever watches events, once per change.
    const ignoredNow = said(status);
    if (ignoredNow && ignoredNow !== ignoredBefore)
      this.event('Warning', 'IgnoredFields', ignoredNow);
    this.deps.publishEndpoints();
    await syncWorkloads(this);
  }

  /** Merge-patches the operator's status fields that differ from the last written. */
  async writeStatus(next: ClusterStatus): Promise<void> {
    const owned = (status: ClusterStatus) => {
      const out: Record<string, unknown> = {};
      for (const field of OWNED_STATUS_FIELDS) {
        // CloudNativePG's own schema has no place for Canopy's additions (they would be
        // pruned, and written again on every pass).
        if (!this.deps.statusExtensions && CANOPY_STATUS_FIELDS.has(field)) continue;
        if (status[field] !== undefined) out[field] = status[field];
      }
      return JSON.parse(JSON.stringify(out)) as JsonValue;
    };
    const patch = createMergePatch(owned(this.status), owned(next));
    if (patch === undefined) return;
    const { namespace, name } = this.cluster.metadata;
    try {
      const updated = await this.deps.client.patch<Cluster>(
        CLUSTERS,
        namespace,
        name,
        { status: patch },
        { subresource: 'status' },
      );
      this.status = updated.status ?? {};
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }
}
