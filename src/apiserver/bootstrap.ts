/**
 * What every logical cluster starts with: the `default`, `kube-system` and `kube-public`
 * namespaces. Idempotent, so it runs on every start and for every new workspace.
 */
import { isStatusError } from '../apimachinery/status.ts';
import type { Client } from './client.ts';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public'] as const;

export async function bootstrapCluster(client: Client, cluster: string): Promise<void> {
  const namespaces = client.resource(cluster, { group: '', version: 'v1', resource: 'namespaces' });
  for (const name of SYSTEM_NAMESPACES) {
    try {
      await namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    } catch (err) {
      if (!isStatusError(err, 'AlreadyExists')) throw err;
    }
  }
}
