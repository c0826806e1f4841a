/**
 * api-syncagent's `syncagent-apiresourceschema` controller: for each PublishedResource,
 * finds the CRD of its group and kind on the service cluster, projects it, creates the
 * APIResourceSchema in the provider workspace when it does not exist yet (schemas are
 * immutable; a changed CRD or projection gives a new name), and records the schema's
 * name in `status.resourceSchemaName`. A CRD change re-runs the PublishedResources that
 * use it.
 */

import { nameOf } from '../../../apimachinery/meta.ts';
import {
  isAlreadyExists,
  isNotFound,
  type KubeClient,
  type ResourceRef,
} from '../../../controller/kube/client.ts';
import type { EventRecorder } from '../../../controller/kube/events.ts';
import type { Reflector } from '../../../controller/kube/reflector.ts';
import { WorkQueue } from '../../../controller/work-queue.ts';
import type { Logger } from '../../../logging/logger.ts';
import {
  type NormalizedSpec,
  normalize,
  PR_GROUP,
  PR_PLURAL,
  PR_VERSION,
  type PublishedResource,
} from '../../apis/types.ts';
import { QUEUE_BACKOFF } from '../../constants.ts';
import type { AgentMetrics } from '../../metrics.ts';
import { type Crd, projectCrd, toResourceSchema } from '../../projection.ts';

export const PUBLISHED_RESOURCES: ResourceRef = {
  group: PR_GROUP,
  version: PR_VERSION,
  plural: PR_PLURAL,
  namespaced: false,
};
export const RESOURCE_SCHEMAS: ResourceRef = {
  group: 'apis.kcp.io',
  version: 'v1alpha1',
  plural: 'apiresourceschemas',
  namespaced: false,
};

export interface ApiResourceSchemaDeps {
  readonly log: Logger;
  readonly agentName: string;
  readonly service: KubeClient;
  /** The provider workspace. */
  readonly kcp: KubeClient;
  readonly prs: Reflector<PublishedResource>;
  readonly crds: Reflector<Crd>;
  readonly metrics: AgentMetrics;
  /** Events on PublishedResources (service cluster). */
  readonly events: EventRecorder;
}

/** The CRD a PublishedResource publishes, from the CRD cache. */
export function crdFor(crds: Reflector<Crd>, spec: NormalizedSpec): Crd | undefined {
  return crds
    .list()
    .find(
      (c) =>
        c.spec.group === spec.source.group &&
        c.spec.names.kind === spec.source.kind &&
        !c.metadata.deletionTimestamp,
    );
}

export class ApiResourceSchemaController {
  readonly deps: ApiResourceSchemaDeps;
  readonly log: Logger;
  readonly queue: WorkQueue;
  readonly #known = new Set<string>();
  readonly #lastError = new Map<string, string>();

  constructor(deps: ApiResourceSchemaDeps) {
    this.deps = deps;
    this.log = deps.log.child({ controller: 'apiresourceschema' });
    this.queue = new WorkQueue((name) => this.#reconcile(name), {
      ...QUEUE_BACKOFF,
      concurrency: 4,
      onError: (name, err, n) =>
        this.log[n === 1 ? 'warn' : 'debug'](
          { publishedResource: name, err: (err as Error).message },
          'cannot publish; retrying',
        ),
    });
    deps.prs.on((_t, pr) => this.queue.add(nameOf(pr)));
    deps.crds.on((_t, crd) => {
      for (const pr of deps.prs.list()) {
        const res = pr.spec?.resource;
        if (res?.apiGroup === crd.spec.group && res.kind === crd.spec.names.kind)
          this.queue.add(nameOf(pr));
      }
    });
  }

  start(): void {
    for (const pr of this.deps.prs.list()) this.queue.add(nameOf(pr));
  }

  stop(): void {
    this.queue.stop();
  }

  #invalid(pr: PublishedResource, message: string): void {
    const name = nameOf(pr);
    if (this.#lastError.get(name) === message) return;
    this.#lastError.set(name, message);
    this.log.warn(
      { publishedResource: name, err: message },
      'PublishedResource cannot be published',
    );
    this.deps.events.record(
      {
        apiVersion: `${PR_GROUP}/${PR_VERSION}`,
        kind: 'PublishedResource',
        name,
        ...(pr.metadata.uid ? { uid: pr.metadata.uid } : {}),
      },
      'Warning',
      'ReconcilingError',
      message,
    );
  }

  #reconcile(name: string): Promise<undefined> {
    return this.deps.metrics.timeReconcile('apiresourceschema', () => this.#run(name));
  }

  async #run(name: string): Promise<undefined> {
    const pr = this.deps.prs.get(`/${name}`);
    if (!pr || pr.metadata.deletionTimestamp) return undefined;
    let spec: NormalizedSpec;
    try {
      spec = normalize(pr);
    } catch (err) {
      this.#invalid(pr, `invalid PublishedResource: ${(err as Error).message}`);
      return undefined;
    }
    const crd = crdFor(this.deps.crds, spec);
    if (!crd) {
      this.#invalid(
        pr,
        `no CustomResourceDefinition for kind ${spec.source.kind} in group ${spec.source.group} on the service cluster`,
      );
      return undefined;
    }
    let schema: ReturnType<typeof toResourceSchema>;
    try {
      schema = toResourceSchema(projectCrd(crd, spec), crd, this.deps.agentName);
    } catch (err) {
      this.#invalid(pr, (err as Error).message);
      return undefined;
    }
    this.#lastError.delete(name);
    const schemaName = nameOf(schema);
    if (!this.#known.has(schemaName)) {
      const existing = await this.deps.kcp.getOrUndefined(RESOURCE_SCHEMAS, undefined, schemaName);
      if (!existing) {
        try {
          await this.deps.kcp.create(RESOURCE_SCHEMAS, undefined, schema);
          this.log.info(
            { publishedResource: name, schema: schemaName },
            'created APIResourceSchema',
          );
        } catch (err) {
          if (!isAlreadyExists(err)) throw err;
        }
      }
      this.#known.add(schemaName);
    }
    if (pr.status?.resourceSchemaName !== schemaName) {
      try {
        await this.deps.service.patch(
          PUBLISHED_RESOURCES,
          undefined,
          name,
          { status: { resourceSchemaName: schemaName } },
          { subresource: 'status' },
        );
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
      this.log.info({ publishedResource: name, schema: schemaName }, 'published');
    }
    return undefined;
  }
}
