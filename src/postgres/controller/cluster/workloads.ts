/**
 * A Cluster as a service owner sees it in a cluster: each instance a Pod, and the Services
 * `<cluster>-rw`, `-ro`, `-r` (pure builders; workload-sync.ts writes them).
 *
 * Names, labels and selectors are CloudNativePG's: pods `<cluster>-<n>` labelled
 * `cnpg.io/cluster`, `cnpg.io/instanceName`, `cnpg.io/podRole: instance`,
 * `cnpg.io/instanceRole` and `role` (`primary` / `replica`); `-rw` selects the primary,
 * `-ro` the replicas, `-r` every instance. What differs, and why:
 * - The pods run on the operator's node and their IP is its address; `postgresql` (5432) is
 *   the instance itself, and three more named ports, `read-write`, `read-only` and
 *   `any-instance`, are the Cluster's stable endpoints (runtime/endpoint-proxy.ts).
 * - The Services are NodePort Services whose node ports are those stable endpoints, and
 *   whose target ports are the named ports: so `<node address>:<node port>`, the Secrets'
 *   `host:port`, the EndpointSlices and `kubectl port-forward svc/<cluster>-rw` all reach
 *   the same place, which follows the primary through failover and switchover.
 */
import type { Container, Pod, PodCondition, Service } from '../../../api/core/types.ts';
import { readOnlyServiceName, readServiceName, writeServiceName } from '../../names.ts';
import type { EndpointRole } from '../../runtime/endpoint-proxy.ts';
import type { Cluster } from '../../types.ts';
import { ownerReference } from './secrets.ts';
import type { InstanceView } from './status.ts';

export const LABEL_CLUSTER = 'cnpg.io/cluster';
export const LABEL_INSTANCE = 'cnpg.io/instanceName';
export const LABEL_POD_ROLE = 'cnpg.io/podRole';
export const LABEL_INSTANCE_ROLE = 'cnpg.io/instanceRole';
/** The legacy role label CloudNativePG still sets. */
export const LABEL_ROLE = 'role';
export const POSTGRES_CONTAINER = 'postgres';
export const POSTGRES_PORT = 5432;

/** The named port of each stable endpoint, and the Service that targets it. */
export const ENDPOINT_PORT_NAMES: Record<EndpointRole, string> = {
  rw: 'read-write',
  ro: 'read-only',
  r: 'any-instance',
};

export type EndpointPorts = Readonly<Record<EndpointRole, number>>;

export interface PodInput {
  readonly cluster: Cluster;
  readonly view: InstanceView;
  readonly nodeName: string;
  readonly image: string;
  readonly endpoints: EndpointPorts;
  /** When the instance was created (the pod's start time). */
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly restarts: number;
  readonly lastRestartAt?: string;
  readonly now: Date;
}

export function podLabels(clusterName: string, view: InstanceView): Record<string, string> {
  return {
    [LABEL_CLUSTER]: clusterName,
    [LABEL_INSTANCE]: view.name,
    [LABEL_POD_ROLE]: 'instance',
    [LABEL_INSTANCE_ROLE]: view.role,
    [LABEL_ROLE]: view.role,
  };
}

export function postgresContainer(
  image: string,
  endpoints: EndpointPorts,
  dataDirectory: string,
): Container {
  return {
    name: POSTGRES_CONTAINER,
    image,
    command: ['postgres', '-D', dataDirectory],
    ports: [
      { name: 'postgresql', containerPort: POSTGRES_PORT, protocol: 'TCP' },
      { name: ENDPOINT_PORT_NAMES.rw, containerPort: endpoints.rw, protocol: 'TCP' },
      { name: ENDPOINT_PORT_NAMES.ro, containerPort: endpoints.ro, protocol: 'TCP' },
      { name: ENDPOINT_PORT_NAMES.r, containerPort: endpoints.r, protocol: 'TCP' },
    ],
  };
}

/** The Pod of an instance, without status. */
export function instancePod(input: PodInput): Pod {
  const { cluster, view } = input;
  const name = cluster.metadata.name ?? '';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: view.name,
      namespace: cluster.metadata.namespace ?? '',
      labels: podLabels(name, view),
      annotations: { 'kubectl.kubernetes.io/default-container': POSTGRES_CONTAINER },
      ownerReferences: [ownerReference(cluster)],
    },
    spec: {
      nodeName: input.nodeName,
      containers: [postgresContainer(input.image, input.endpoints, view.dataDirectory ?? '')],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
    },
  };
}

function condition(type: string, ok: boolean, since: string): PodCondition {
  return { type, status: ok ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: since };
}

/** What the pod shows of the instance's process: phase, readiness, restarts, address. */
export function instancePodStatus(
  input: PodInput,
  previous: Pod['status'] | undefined,
): NonNullable<Pod['status']> {
  const { view } = input;
  const since = (type: string, ok: boolean) => {
    const old = previous?.conditions?.find((c) => c.type === type);
    return old && (old.status === 'True') === ok && old.lastTransitionTime
      ? old.lastTransitionTime
      : input.now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  };
  const state = view.provisioning
    ? {
        waiting: {
          reason: 'PodInitializing',
          message: 'the data directory is being made (initdb, clone or rewind)',
        },
      }
    : view.running
      ? { running: { startedAt: input.startedAt ?? input.createdAt } }
      : {
          waiting: {
            reason: 'NotRunning',
            message: 'the PostgreSQL server process is not running',
          },
        };
  const host = view.host;
  return {
    phase: view.provisioning ? 'Pending' : 'Running',
    conditions: [
      condition('PodScheduled', true, since('PodScheduled', true)),
      condition('Initialized', !view.provisioning, since('Initialized', !view.provisioning)),
      condition('ContainersReady', view.ready, since('ContainersReady', view.ready)),
      condition('Ready', view.ready, since('Ready', view.ready)),
    ],
    hostIP: host,
    hostIPs: [{ ip: host }],
    podIP: host,
    podIPs: [{ ip: host }],
    startTime: input.createdAt,
    containerStatuses: [
      {
        name: POSTGRES_CONTAINER,
        ready: view.ready,
        restartCount: input.restarts,
        image: input.image,
        imageID: input.image,
        started: view.running,
        ...(view.running && view.pid ? { containerID: `process://${view.pid}` } : {}),
        state,
        ...(input.restarts > 0 && input.lastRestartAt
          ? {
              lastState: {
                terminated: { exitCode: 0, reason: 'Restarted', finishedAt: input.lastRestartAt },
              },
            }
          : {}),
      },
    ],
    qosClass: 'BestEffort',
  };
}

/** The three Services of a Cluster. */
export function clusterServices(cluster: Cluster, endpoints: EndpointPorts): Service[] {
  const name = cluster.metadata.name ?? '';
  const make = (
    role: EndpointRole,
    serviceName: string,
    selector: Record<string, string>,
  ): Service => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: serviceName,
      namespace: cluster.metadata.namespace ?? '',
      labels: { [LABEL_CLUSTER]: name },
      annotations: {
        'cnpg.io/operatorVersion': 'canopy',
        'canopy.io/endpoint': `${ENDPOINT_PORT_NAMES[role]} endpoint of Cluster ${name}: the node's address and node port reach it`,
      },
      ownerReferences: [ownerReference(cluster)],
    },
    spec: {
      type: 'NodePort',
      selector,
      ports: [
        {
          name: 'postgres',
          protocol: 'TCP',
          port: POSTGRES_PORT,
          targetPort: ENDPOINT_PORT_NAMES[role],
          nodePort: endpoints[role],
        },
      ],
    },
  });
  return [
    make('rw', writeServiceName(name), { [LABEL_CLUSTER]: name, [LABEL_INSTANCE_ROLE]: 'primary' }),
    make('ro', readOnlyServiceName(name), {
      [LABEL_CLUSTER]: name,
      [LABEL_INSTANCE_ROLE]: 'replica',
    }),
    make('r', readServiceName(name), { [LABEL_CLUSTER]: name, [LABEL_POD_ROLE]: 'instance' }),
  ];
}
