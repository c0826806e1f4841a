/**
 * Nodes (core/v1, cluster-scoped): the machines pods run on. Canopy runs no kubelet; the
 * PostgreSQL operator registers the machine it runs its instances on as a Node, and pods
 * bound to it (spec.nodeName) have their logs and port-forwards proxied to the operator
 * (see apiserver/node-proxy/). kubectl's STATUS / ROLES / VERSION table.
 */
import type { Node } from '../../../api/core/types.ts';
import type { KubeObject } from '../../../apimachinery/meta.ts';
import {
  atomicList,
  atomicStrings,
  type BuiltinSchema,
  boolean,
  integer,
  keyedList,
  object,
  openObject,
  quantityMap,
  string,
  time,
} from '../../../apimachinery/schema/dsl.ts';
import { AGE_COLUMN, column, NAME_COLUMN } from '../../../apimachinery/table.ts';
import { age } from '../age.ts';
import { builtin } from '../define.ts';

const ROLE_PREFIX = 'node-role.kubernetes.io/';

export const nodeSchema: BuiltinSchema = object('A machine that runs pods.', {
  spec: object('How the node is used.', {
    podCIDR: string('The pod address range of the node.'),
    podCIDRs: atomicStrings('The pod address ranges, one per family.'),
    providerID: string('The ID of the node at its provider.'),
    unschedulable: boolean('Keeps new pods off the node.'),
    taints: atomicList('Taints that repel pods that do not tolerate them.', openObject('A taint.')),
    configSource: openObject('Deprecated.'),
    externalID: string('Deprecated.'),
  }),
  status: object('What is known about the node.', {
    capacity: quantityMap('The resources of the node.'),
    allocatable: quantityMap('The resources pods may use.'),
    phase: string('Deprecated.'),
    conditions: keyedList(
      'Observations: Ready, MemoryPressure, DiskPressure…',
      object(
        'One observation.',
        {
          type: string('The condition type.'),
          status: string('True, False or Unknown.'),
          lastHeartbeatTime: time('When it was last reported.'),
          lastTransitionTime: time('When it last changed.'),
          reason: string('Why, in one word.'),
          message: string('Why, for people.'),
        },
        { required: ['type', 'status'] },
      ),
      ['type'],
    ),
    addresses: keyedList(
      'How the node is reached.',
      object('An address.', {
        type: string('InternalIP, ExternalIP, Hostname…'),
        address: string('The address.'),
      }),
      ['type'],
    ),
    daemonEndpoints: object('Ports of the daemons on the node.', {
      kubeletEndpoint: object('The kubelet.', { Port: integer('Its port.', { format: 'int32' }) }),
    }),
    nodeInfo: openObject('What runs on the node: OS, kernel, runtime and kubelet versions.'),
    images: atomicList('Images on the node.', openObject('An image.')),
    volumesInUse: atomicStrings('Volumes mounted.'),
    volumesAttached: atomicList('Volumes attached.', openObject('A volume.')),
    config: openObject('Deprecated.'),
    runtimeHandlers: atomicList('Runtime handlers.', openObject('A handler.')),
    features: openObject('Features the node supports.'),
  }),
});

function statusText(node: Node): string {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  let text =
    ready === undefined
      ? 'Unknown'
      : ready.status === 'True'
        ? 'Ready'
        : ready.status === 'False'
          ? 'NotReady'
          : 'Unknown';
  if (node.spec?.unschedulable) text += ',SchedulingDisabled';
  return text;
}

function roles(node: Node): string {
  const found = Object.keys(node.metadata.labels ?? {})
    .filter((k) => k.startsWith(ROLE_PREFIX) && k.length > ROLE_PREFIX.length)
    .map((k) => k.slice(ROLE_PREFIX.length));
  const role = node.metadata.labels?.['kubernetes.io/role'];
  if (role) found.push(role);
  return found.length > 0 ? [...new Set(found)].sort().join(',') : '<none>';
}

function address(node: Node, type: string): string {
  return node.status?.addresses?.find((a) => a.type === type)?.address ?? '<none>';
}

export const nodes = builtin({
  group: '',
  version: 'v1',
  plural: 'nodes',
  singular: 'node',
  kind: 'Node',
  namespaced: false,
  shortNames: ['no'],
  subresources: { status: true },
  schema: nodeSchema,
  definitionName: 'io.k8s.api.core.v1.Node',
  strategy: {
    validate: () => [],
    allowCreateOnUpdate: false,
    allowUnconditionalUpdate: true,
    columns: [
      NAME_COLUMN,
      column('Status', 'string', 'Whether the node is ready for pods.'),
      column('Roles', 'string', 'The roles of the node.'),
      AGE_COLUMN,
      column('Version', 'string', 'The kubelet version.'),
      column('Internal-IP', 'string', 'The internal address.', 1),
      column('External-IP', 'string', 'The external address.', 1),
      column('OS-Image', 'string', 'The operating system.', 1),
      column('Kernel-Version', 'string', 'The kernel version.', 1),
      column('Container-Runtime', 'string', 'The container runtime.', 1),
    ],
    cells: (obj: KubeObject, now) => {
      const node = obj as Node;
      const info = node.status?.nodeInfo ?? {};
      return [
        obj.metadata.name,
        statusText(node),
        roles(node),
        age(obj, now),
        info.kubeletVersion ?? '',
        address(node, 'InternalIP'),
        address(node, 'ExternalIP'),
        info.osImage ?? '<unknown>',
        info.kernelVersion ?? '<unknown>',
        info.containerRuntimeVersion ?? '<unknown>',
      ];
    },
  },
});
