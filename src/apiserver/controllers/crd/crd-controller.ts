/**
 * The CRD controller: accepts a CRD's names when no other CRD of its cluster and group
 * claims them (NamesAccepted), then marks it Established so its resource is served; when
 * a CRD is deleted it deletes every object of it, then lets the CRD go.
 */
import { isDeepStrictEqual } from 'node:util';
import {
  CRD_CLEANUP_FINALIZER,
  CRD_GVR,
  type CustomResourceDefinition,
  type CustomResourceDefinitionNames,
} from '../../../api/apiextensions/types.ts';
import { setCondition } from '../../../apimachinery/conditions.ts';
import { Requeue, WorkQueue } from '../../../controller/work-queue.ts';
import type { Logger } from '../../../logging/logger.ts';
import type { Client } from '../../client.ts';
import type { CrdSource } from '../../registry/crd-source.ts';
import { defaultedNames } from '../../registry/custom-resource-type.ts';

const CLEANUP_RETRY_MS = 500;

export class CrdController {
  private readonly client: Client;
  private readonly source: CrdSource;
  readonly queue: WorkQueue;

  constructor(client: Client, source: CrdSource, logger: Logger) {
    this.client = client;
    this.source = source;
    this.queue = new WorkQueue((key) => this.reconcile(key), {
      name: 'crd',
      logger,
      concurrency: 4,
    });
    source.onChange((cluster, name, crd) => {
      this.queue.add(`${cluster}/${name}`);
      // A CRD that goes away may free names another CRD of the group was waiting for.
      if (crd === undefined || crd.metadata.deletionTimestamp) {
        for (const other of source.crds(cluster))
          this.queue.add(`${cluster}/${other.metadata.name}`);
      }
    });
    for (const { cluster, crd } of source.all()) this.queue.add(`${cluster}/${crd.metadata.name}`);
  }

  private async reconcile(key: string): Promise<Requeue | undefined> {
    const slash = key.indexOf('/');
    const cluster = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const crd = this.source.crd(cluster, name);
    if (!crd) return undefined;
    if (crd.metadata.deletionTimestamp) return this.cleanup(cluster, crd);
    await this.establish(cluster, crd);
    return undefined;
  }

  private async establish(cluster: string, crd: CustomResourceDefinition): Promise<void> {
    const names = defaultedNames(crd.spec.names);
    const conflict = this.namesConflict(cluster, crd, names);
    const status = crd.status ?? {};
    const conditions = [...(status.conditions ?? [])];
    const accepted = conflict ? (status.acceptedNames ?? { plural: '', kind: '' }) : names;
    setCondition(
      conditions,
      conflict
        ? { type: 'NamesAccepted', status: 'False', reason: 'NameConflict', message: conflict }
        : {
            type: 'NamesAccepted',
            status: 'True',
            reason: 'NoConflicts',
            message: 'no conflicts found',
          },
    );
    const wasEstablished = conditions.some((c) => c.type === 'Established' && c.status === 'True');
    if (!conflict || wasEstablished) {
      setCondition(conditions, {
        type: 'Established',
        status: 'True',
        reason: 'InitialNamesAccepted',
        message: 'the initial names have been accepted',
      });
    } else {
      setCondition(conditions, {
        type: 'Established',
        status: 'False',
        reason: 'NotAccepted',
        message: 'not all names are accepted',
      });
    }
    const storage = crd.spec.versions.find((v) => v.storage)?.name;
    const stored = [...new Set([...(status.storedVersions ?? []), ...(storage ? [storage] : [])])];
    const next = { ...status, acceptedNames: accepted, conditions, storedVersions: stored };
    if (isDeepStrictEqual(next, status)) return;
    await this.client.resource(cluster, CRD_GVR).update({ ...crd, status: next }, 'status');
  }

  /** Which accepted name of another CRD in the group this one would take, if any. */
  private namesConflict(
    cluster: string,
    crd: CustomResourceDefinition,
    names: CustomResourceDefinitionNames,
  ): string | undefined {
    for (const other of this.source.crds(cluster)) {
      if (other.metadata.name === crd.metadata.name || other.spec.group !== crd.spec.group)
        continue;
      const taken = other.status?.acceptedNames;
      if (!taken?.plural) continue;
      const claims = new Set(
        [taken.plural, taken.singular, ...(taken.shortNames ?? [])].filter(Boolean),
      );
      if (claims.has(names.plural)) return `"${names.plural}" is already in use`;
      if (names.singular && claims.has(names.singular))
        return `"${names.singular}" is already in use`;
      for (const s of names.shortNames ?? []) if (claims.has(s)) return `"${s}" is already in use`;
      if (taken.kind === names.kind) return `"${names.kind}" is already in use`;
      if (taken.listKind && taken.listKind === names.listKind)
        return `"${names.listKind}" is already in use`;
    }
    return undefined;
  }

  /** Deletes the CRD's objects in its cluster; lets the CRD go once none is left. */
  private async cleanup(
    cluster: string,
    crd: CustomResourceDefinition,
  ): Promise<Requeue | undefined> {
    const type = this.source.typeOf(crd);
    const objects = this.client.forType(cluster, type);
    const list = await objects.list();
    for (const item of list.items) {
      if (item.metadata.deletionTimestamp) continue;
      const scoped = this.client.forType(cluster, type, item.metadata.namespace);
      await scoped.delete(item.metadata.name ?? '').catch((err: { code?: number }) => {
        if (err.code !== 404) throw err;
      });
    }
    if ((await objects.list({ limit: 1 })).items.length > 0) return new Requeue(CLEANUP_RETRY_MS);
    const finalizers = (crd.metadata.finalizers ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER);
    if (finalizers.length < (crd.metadata.finalizers ?? []).length) {
      await this.client
        .resource(cluster, CRD_GVR)
        .update({ ...crd, metadata: { ...crd.metadata, finalizers } });
    }
    return undefined;
  }

  stop(): void {
    this.queue.stop();
  }
}
