/**
 * A leader-election Lease reached over HTTP (the sync agent's on its service cluster, the
 * hub's in the catalog workspace), as the `LeaseClient` the toolkit's `LeaderElector`
 * (`controller/leader-election.ts`) takes: get, and create/update that answer undefined
 * for a lost race. (The shape is spelt here: `kube/` imports nothing of `controller/`.)
 */
import type { Lease } from '../../api/coordination/types.ts';
import { isAlreadyExists, isConflict, isNotFound, type KubeClient, LEASES } from './client.ts';

export interface HttpLeases {
  get(): Promise<Lease | undefined>;
  create(lease: Lease): Promise<Lease | undefined>;
  update(lease: Lease): Promise<Lease | undefined>;
}

export function kubeLeases(client: KubeClient, namespace: string, name: string): HttpLeases {
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
