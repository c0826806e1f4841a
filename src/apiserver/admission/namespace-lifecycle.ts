/**
 * NamespaceLifecycle (as upstream): new objects only go into namespaces that exist and are
 * not terminating, and the system namespaces cannot be deleted — except when their whole
 * logical cluster is being deleted (kcp), which also takes no new content.
 *
 * Every namespaced create asks for its namespace, so the phases of all namespaces are
 * followed from the store rather than read each time. The follower drains what the store
 * has published before it answers, so it has seen every acknowledged write; when it is not
 * following (starting, or listing again) or does not know the namespace, the namespace is
 * read live, as upstream falls back to a live read on a cache miss.
 */
import { NAMESPACES_GVR } from '../../api/core/types.ts';
import { forbidden, notFound } from '../../apimachinery/status.ts';
import { StoreFollower } from '../../controller/store-follower.ts';
import { parseObjectKey, resourcePrefix } from '../../storage/keys.ts';
import type { Store } from '../../storage/store.ts';
import { SYSTEM_NAMESPACES } from '../bootstrap.ts';
import { phase } from '../builtin/core/namespaces.ts';
import type { Client } from '../client.ts';
import type { AdmissionPlugin } from './admission.ts';

const IMMORTAL: ReadonlySet<string> = new Set(SYSTEM_NAMESPACES);

/** The phase of every namespace, by logical cluster and name. */
export class NamespacePhases {
  private readonly phases = new Map<string, Map<string, string>>();
  private readonly follower: StoreFollower;

  constructor(store: Store, onError?: (err: unknown) => void) {
    this.follower = new StoreFollower(
      store,
      resourcePrefix(NAMESPACES_GVR),
      (key, value) => this.apply(key, value),
      onError ? { onError } : {},
    );
  }

  private apply(key: string, value: string | undefined): void {
    const { cluster, name } = parseObjectKey(key);
    const names = this.phases.get(cluster);
    if (value !== undefined) {
      const phases = names ?? new Map<string, string>();
      phases.set(name, phase(JSON.parse(value)));
      this.phases.set(cluster, phases);
    } else if (names?.delete(name) && names.size === 0) {
      this.phases.delete(cluster);
    }
  }

  start(): Promise<void> {
    return this.follower.start();
  }

  stop(): void {
    this.follower.stop();
  }

  /** The namespace's phase as of every acknowledged write; undefined when unknown here. */
  phase(cluster: string, name: string): string | undefined {
    this.follower.drain();
    if (!this.follower.current) return undefined;
    return this.phases.get(cluster)?.get(name);
  }
}

export function namespaceLifecycle(
  client: Client,
  clusterTerminating: (cluster: string) => boolean = () => false,
  phases?: NamespacePhases,
): AdmissionPlugin {
  return {
    name: 'NamespaceLifecycle',
    async validate(request) {
      const { scope, operation } = request;
      const terminating = clusterTerminating(scope.cluster);
      if (operation === 'CREATE' && terminating) {
        throw forbidden(
          { group: scope.type.group, resource: scope.type.names.plural },
          request.name,
          'unable to create new content in a workspace that is being deleted',
        );
      }
      const isNamespace = scope.type.group === '' && scope.type.names.plural === 'namespaces';
      if (isNamespace) {
        if (operation === 'DELETE' && IMMORTAL.has(request.name) && !terminating) {
          throw forbidden(
            { group: '', resource: 'namespaces' },
            request.name,
            'this namespace may not be deleted',
          );
        }
        return;
      }
      if (operation !== 'CREATE' || !scope.type.namespaced || !request.namespace) return;
      let current = phases?.phase(scope.cluster, request.namespace);
      if (current === undefined) {
        const ns = await client.resource(scope.cluster, NAMESPACES_GVR).find(request.namespace);
        if (!ns) throw notFound(NAMESPACES_GVR, request.namespace);
        current = phase(ns);
      }
      if (current === 'Terminating') {
        const err = forbidden(
          { group: scope.type.group, resource: scope.type.names.plural },
          request.name,
          `unable to create new content in namespace ${request.namespace} because it is being terminated`,
        );
        // Controllers look for this cause to stop retrying into a dying namespace.
        err.status.details = {
          ...err.status.details,
          causes: [
            {
              reason: 'NamespaceTerminating',
              message: `namespace ${request.namespace} is being terminated`,
              field: 'metadata.namespace',
            },
          ],
        };
        throw err;
      }
    },
  };
}
