/**
 * What the endpoints of a Service are (kube-controller-manager's EndpointSlice and Endpoints
 * controllers, decided here without I/O): the pods of its namespace its selector picks that
 * have an IP and are not finished, each with the Service's target ports resolved against
 * the pod (a named target port is the pod's container port of that name, so pods that
 * number it differently land in different slices). Ready pods are ready endpoints;
 * `publishNotReadyAddresses` makes every one ready; pods being deleted are terminating.
 */
import type { Pod, Service, ServicePort } from '../../../api/core/types.ts';
import type { Endpoint, EndpointPort } from '../../../api/discovery/types.ts';
import { labelSelectorFromSet } from '../../../apimachinery/labels.ts';

export interface EndpointGroup {
  /** The resolved ports, the same for every endpoint of the group. */
  readonly ports: EndpointPort[];
  readonly endpoints: Endpoint[];
}

/** A Service port's target on one pod, or undefined when the pod has no such port. */
export function resolveTargetPort(port: ServicePort, pod: Pod): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  if (/^[0-9]+$/.test(target)) return Number(target);
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === (port.protocol ?? 'TCP')) {
        return p.containerPort;
      }
    }
  }
  return undefined;
}

const isReady = (pod: Pod) =>
  pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

/** The endpoints of a Service with a selector, grouped by their resolved ports. */
export function serviceEndpoints(service: Service, pods: readonly Pod[]): EndpointGroup[] {
  const selector = service.spec?.selector;
  if (!selector || Object.keys(selector).length === 0) return [];
  const matcher = labelSelectorFromSet(selector);
  const groups = new Map<string, EndpointGroup>();
  const ports = service.spec?.ports ?? [];
  for (const pod of [...pods].sort((a, b) =>
    (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
  )) {
    if (pod.metadata.namespace !== service.metadata.namespace) continue;
    if (!matcher.matches(pod.metadata.labels ?? {})) continue;
    const ip = pod.status?.podIP;
    const phase = pod.status?.phase;
    if (!ip || phase === 'Succeeded' || phase === 'Failed') continue;
    const resolved: EndpointPort[] = [];
    for (const p of ports) {
      const number = resolveTargetPort(p, pod);
      if (number === undefined) continue;
      resolved.push({
        ...(p.name !== undefined ? { name: p.name } : { name: '' }),
        protocol: p.protocol ?? 'TCP',
        port: number,
        ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
      });
    }
    if (ports.length > 0 && resolved.length === 0) continue;
    const terminating = pod.metadata.deletionTimestamp !== undefined;
    const ready = !terminating && (service.spec?.publishNotReadyAddresses === true || isReady(pod));
    const key = JSON.stringify(resolved);
    const group = groups.get(key) ?? { ports: resolved, endpoints: [] };
    group.endpoints.push({
      addresses: [ip],
      conditions: {
        ready,
        serving: service.spec?.publishNotReadyAddresses === true || isReady(pod),
        terminating,
      },
      ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
      targetRef: {
        kind: 'Pod',
        namespace: pod.metadata.namespace ?? '',
        name: pod.metadata.name ?? '',
        uid: pod.metadata.uid ?? '',
      },
    });
    groups.set(key, group);
  }
  return [...groups.values()];
}
