/**
 * Writes what workloads.ts builds: each instance's Pod (created once, labels and status
 * kept in step with the runtime: a failover relabels the new primary, a restart counts),
 * the Pods of instances that are gone deleted, and the three Services created or put right.
 * Runs whenever a pass publishes status, so EndpointSlices follow roles as soon as the
 * status does. Writes that fail are logged and retried at the next publish: they never
 * hold up the PostgreSQL work of a pass.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Pod, Service } from '../../../api/core/types.ts';
import { isAlreadyExists, isNotFound } from '../../../controller/kube/client.ts';
import { PODS, SERVICES } from '../deps.ts';
import { localImage } from './image.ts';
import type { ClusterPass } from './pass.ts';
import {
  clusterServices,
  instancePod,
  instancePodStatus,
  LABEL_CLUSTER,
  type PodInput,
  podLabels,
} from './workloads.ts';

export async function syncWorkloads(pass: ClusterPass): Promise<void> {
  const { deps, cluster, runtime } = pass;
  const workloads = deps.workloads;
  const endpoints = runtime?.meta.endpointPorts;
  if (!workloads || !runtime || !endpoints) return;
  const namespace = cluster.metadata.namespace ?? '';
  const name = cluster.metadata.name ?? '';
  try {
    const now = new Date();
    const wanted = new Set<string>();
    for (const view of runtime.views()) {
      const inst = runtime.instances.get(view.name);
      if (!inst) continue;
      wanted.add(view.name);
      const input: PodInput = {
        cluster,
        view,
        nodeName: workloads.nodeName,
        image: localImage(runtime.bin.major),
        endpoints,
        createdAt: inst.state.createdAt.replace(/\.\d{3}Z$/, 'Z'),
        ...(inst.state.startedAt
          ? { startedAt: inst.state.startedAt.replace(/\.\d{3}Z$/, 'Z') }
          : {}),
        restarts: Math.max(0, (inst.state.starts ?? 1) - 1),
        ...(inst.state.lastRestartAt
          ? { lastRestartAt: inst.state.lastRestartAt.replace(/\.\d{3}Z$/, 'Z') }
          : {}),
        now,
      };
      let pod = workloads.pods.get(view.name, namespace);
      if (pod && pod.metadata.ownerReferences?.[0]?.uid !== cluster.metadata.uid) pod = undefined;
      if (!pod) {
        try {
          pod = await deps.client.create<Pod>(PODS, namespace, instancePod(input));
        } catch (err) {
          if (!isAlreadyExists(err)) throw err;
          pod = await deps.client.get<Pod>(PODS, namespace, view.name);
        }
      }
      const labels = podLabels(name, view);
      if (Object.entries(labels).some(([k, v]) => pod?.metadata.labels?.[k] !== v)) {
        pod = await deps.client.patch<Pod>(PODS, namespace, view.name, { metadata: { labels } });
      }
      const status = instancePodStatus(input, pod.status);
      if (!isDeepStrictEqual(JSON.parse(JSON.stringify(status)), pod.status)) {
        await deps.client.patch(PODS, namespace, view.name, { status }, { subresource: 'status' });
      }
    }
    for (const pod of workloads.pods.list(namespace)) {
      if (pod.metadata.labels?.[LABEL_CLUSTER] !== name || wanted.has(pod.metadata.name ?? ''))
        continue;
      await deps.client.delete(PODS, namespace, pod.metadata.name ?? '').catch((err) => {
        if (!isNotFound(err)) throw err;
      });
    }
    for (const svc of clusterServices(cluster, endpoints)) {
      const current = workloads.services.get(svc.metadata.name ?? '', namespace);
      if (!current) {
        await deps.client.create<Service>(SERVICES, namespace, svc).catch((err) => {
          if (!isAlreadyExists(err)) throw err;
        });
      } else if (
        !isDeepStrictEqual(current.spec?.selector, svc.spec.selector) ||
        !isDeepStrictEqual(current.spec?.ports?.[0]?.targetPort, svc.spec.ports?.[0]?.targetPort) ||
        current.spec?.ports?.[0]?.nodePort !== svc.spec.ports?.[0]?.nodePort
      ) {
        await deps.client.patch(SERVICES, namespace, svc.metadata.name ?? '', {
          spec: { type: 'NodePort', selector: svc.spec.selector, ports: svc.spec.ports },
        });
      }
    }
  } catch (err) {
    pass.log.warn(
      { err: (err as Error).message },
      'cannot write the Pods and Services of the Cluster; retrying',
    );
  }
}
