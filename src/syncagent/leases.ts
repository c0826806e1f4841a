/**
 * The agent's leader-election Lease on the service cluster, reached over HTTP: the
 * toolkit's `LeaderElector` (`controller/leader-election.ts`) works on any `LeaseClient`.
 */
import type { Lease } from '../api/coordination/types.ts';
import {
  isAlreadyExists,
  isConflict,
  isNotFound,
  type KubeClient,
  LEASES,
} from '../controller/kube/client.ts';
import type { LeaseClient } from '../controller/leader-election.ts';

export function kubeLeases(client: KubeClient, namespace: string, name: string): LeaseClient {
  return {
    get: () => client.getOrUndefined<Lease>(LEASES, namespace, name),
    async create(lease) {
      try {
        return await client.create<Lease>(LEASES, namespace, lease);
      } catch (err) {
        if (isAlreadyExists(err)) return undefined;
        throw err;
      }
    },
    async update(lease) {
      try {
        return await client.update<Lease>(LEASES, namespace, name, lease);
      } catch (err) {
        if (isConflict(err) || isNotFound(err)) return undefined;
        throw err;
      }
    },
  };
}
