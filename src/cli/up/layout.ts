/** Where `canopy up` keeps everything under its data directory (docs/architecture.md shows the same). */
import { join, resolve } from 'node:path';
import { HUB_URL_FILE } from '../../hub/hub.ts';

export function layout(dataDir: string) {
  const dir = resolve(dataDir);
  return {
    dir,
    adminKubeconfig: join(dir, 'admin.kubeconfig'),
    hubUrl: join(dir, HUB_URL_FILE),
    providerKubeconfig: join(dir, 'provider.kubeconfig'),
    syncAgentKubeconfig: join(dir, 'sync-agent.kubeconfig'),
    controlPlane: join(dir, 'control-plane'),
    // With --etcd: the second replica, the PKI both share, and etcd's data.
    adminKubeconfig2: join(dir, 'admin-2.kubeconfig'),
    controlPlane2: join(dir, 'control-plane-2'),
    pki: join(dir, 'pki'),
    etcd: join(dir, 'etcd'),
    serviceCluster: join(dir, 'service-cluster'),
    postgres: join(dir, 'postgres'),
    logs: join(dir, 'logs'),
  };
}
