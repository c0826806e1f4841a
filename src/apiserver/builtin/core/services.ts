/**
 * Services (core/v1): upstream's defaults (type ClusterIP, TCP, targetPort = port, single
 * stack IPv4, session affinity None, traffic policies) and validation (ports, names,
 * protocols, target ports, an immutable clusterIP). Cluster IPs and node ports are
 * allocated by the `ServiceIPAllocation` admission plugin (admission/service-allocation.ts),
 * which can see the other Services. Nothing routes to a cluster IP on this server (there is
 * no kube-proxy): clients reach a Service's pods with `kubectl port-forward svc/<name>`, as
 * Canopy's docs say. The table is kubectl's (TYPE, CLUSTER-IP, EXTERNAL-IP, PORT(S)).
 *
 * See also: Admission: ServiceIPAllocation (apiserver/admission/service-allocation.ts).
 * Controller: apiserver/controllers/endpoints/ (EndpointSlices and Endpoints of a Service
 * with a selector).
 */
import type { Service, ServicePort } from '../../../api/core/types.ts';
import {
  duplicate,
  type ErrorList,
  FieldPath,
  invalid,
  notSupported,
  required,
} from '../../../apimachinery/field-errors.ts';
import {
  isJsonObject,
  type JsonObject,
  type KubeObject,
  objectOrEmpty,
} from '../../../apimachinery/meta.ts';
import {
  atomicList,
  atomicStrings,
  type BuiltinSchema,
  boolean,
  integer,
  intOrString,
  keyedList,
  object,
  openObject,
  string,
  stringMap,
} from '../../../apimachinery/schema/dsl.ts';
import { AGE_COLUMN, column, NAME_COLUMN } from '../../../apimachinery/table.ts';
import { isDNS1123Label } from '../../../apimachinery/validation/names.ts';
import { validateLabels } from '../../../apimachinery/validation/object-meta.ts';
import { age } from '../age.ts';
import { builtin } from '../define.ts';
import { isServicePortName, validatePortNumber } from './pod-spec.ts';

export const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'] as const;
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const;
const SPEC = FieldPath.root('spec');

const int32 = (d: string) => integer(d, { format: 'int32' });

export const serviceSchema: BuiltinSchema = object(
  'A stable name and set of ports for the pods a selector picks.',
  {
    spec: object('How the Service behaves.', {
      ports: keyedList(
        'The ports the Service exposes.',
        object(
          'One port.',
          {
            name: string('A name, required when there are several ports.'),
            protocol: string('TCP (the default), UDP or SCTP.', { default: 'TCP' }),
            appProtocol: string('The application protocol, as a hint.'),
            port: int32('The port the Service exposes.'),
            targetPort: intOrString(
              "The pods' port, by number or by container port name (default: port).",
            ),
            nodePort: int32('The port on every node, for NodePort and LoadBalancer Services.'),
          },
          { required: ['port'] },
        ),
        ['port', 'protocol'],
      ),
      selector: stringMap('The labels of the pods the Service sends traffic to.'),
      clusterIP: string('The virtual address of the Service, `None` for a headless Service.'),
      clusterIPs: atomicStrings('The virtual addresses, one per IP family.'),
      type: string('ClusterIP (the default), NodePort, LoadBalancer or ExternalName.'),
      externalIPs: atomicStrings('Addresses outside the cluster that also reach the Service.'),
      sessionAffinity: string('ClientIP or None (the default).'),
      loadBalancerIP: string('Deprecated: the address a load balancer should take.'),
      loadBalancerSourceRanges: atomicStrings('CIDRs allowed through the load balancer.'),
      externalName: string('The DNS name an ExternalName Service aliases.'),
      externalTrafficPolicy: string('Cluster (the default) or Local.'),
      healthCheckNodePort: int32('The node port of health checks for Local traffic policy.'),
      publishNotReadyAddresses: boolean('Publishes endpoints of pods that are not ready.'),
      sessionAffinityConfig: openObject('Settings of the session affinity.'),
      ipFamilies: atomicStrings('IPv4 and/or IPv6.'),
      ipFamilyPolicy: string('SingleStack, PreferDualStack or RequireDualStack.'),
      allocateLoadBalancerNodePorts: boolean('Whether LoadBalancer Services get node ports.'),
      loadBalancerClass: string('The load balancer implementation.'),
      internalTrafficPolicy: string('Cluster (the default) or Local.'),
      trafficDistribution: string('A preference for how traffic is spread.'),
    }),
    status: object('What is known about the Service.', {
      loadBalancer: object('The load balancer, if any.', {
        ingress: atomicList(
          'Its addresses.',
          openObject('An address.', {
            ip: string('An IP address.'),
            hostname: string('A host name.'),
          }),
        ),
      }),
      conditions: keyedList(
        'Observations.',
        openObject('One observation.', { type: string('The condition type.') }),
        ['type'],
      ),
    }),
  },
);

const ports = (svc: Service): ServicePort[] =>
  Array.isArray(svc.spec?.ports) ? svc.spec.ports.filter(isJsonObject) : [];

function prepareForCreate(obj: KubeObject): void {
  const spec = obj.spec;
  if (!isJsonObject(spec)) return;
  spec.type ??= 'ClusterIP';
  delete obj.status;
  obj.status = { loadBalancer: {} };
  if (spec.type === 'ExternalName') return;
  spec.sessionAffinity ??= 'None';
  for (const p of ports(obj as Service)) {
    p.protocol ??= 'TCP';
    p.targetPort ??= p.port;
  }
  spec.internalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
    spec.externalTrafficPolicy ??= 'Cluster';
  }
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  if (spec.clusterIP !== 'None' || isJsonObject(spec.selector)) {
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
  }
}

function prepareForUpdate(obj: KubeObject, old: KubeObject): void {
  const spec = obj.spec;
  const oldSpec = old.spec;
  if (!isJsonObject(spec) || !isJsonObject(oldSpec)) return;
  // Allocated addresses stay unless the client names them (then validation compares).
  if (spec.clusterIP === undefined && spec.type === oldSpec.type) {
    if (oldSpec.clusterIP !== undefined) spec.clusterIP = oldSpec.clusterIP;
    if (oldSpec.clusterIPs !== undefined) spec.clusterIPs = oldSpec.clusterIPs;
  }
  for (const field of [
    'ipFamilies',
    'ipFamilyPolicy',
    'internalTrafficPolicy',
    'sessionAffinity',
  ]) {
    if (spec[field] === undefined && oldSpec[field] !== undefined) spec[field] = oldSpec[field];
  }
  const oldPorts = ports(old as Service);
  for (const p of ports(obj as Service)) {
    p.protocol ??= 'TCP';
    p.targetPort ??= p.port;
    if (p.nodePort === undefined) {
      const same = oldPorts.find((o) => o.port === p.port && o.protocol === p.protocol);
      if (same?.nodePort !== undefined) p.nodePort = same.nodePort;
    }
  }
}

function validateTargetPort(v: unknown, path: FieldPath): ErrorList {
  if (typeof v === 'number') return validatePortNumber(v, path);
  if (typeof v === 'string') {
    if (/^[0-9]+$/.test(v)) return validatePortNumber(Number(v), path);
    return isServicePortName(v).map((m) => invalid(path, v, m));
  }
  return [];
}

function validate(obj: KubeObject): ErrorList {
  const svc = obj as Service;
  const spec = svc.spec;
  if (!isJsonObject(spec)) return [required(SPEC, '')];
  const errs: ErrorList = [];
  const type = spec.type ?? 'ClusterIP';
  if (!(SERVICE_TYPES as readonly string[]).includes(type)) {
    errs.push(notSupported(SPEC.child('type'), type, SERVICE_TYPES));
  }
  if (type === 'ExternalName') {
    if (typeof spec.externalName !== 'string' || spec.externalName === '') {
      errs.push(required(SPEC.child('externalName'), ''));
    }
    return errs;
  }
  const list = ports(svc);
  const headless = spec.clusterIP === 'None';
  if (list.length === 0 && !headless) errs.push(required(SPEC.child('ports'), ''));
  const names = new Set<string>();
  const keys = new Set<string>();
  list.forEach((p, i) => {
    const path = SPEC.child('ports').index(i);
    if (list.length > 1 && !p.name) errs.push(required(path.child('name'), ''));
    if (p.name) {
      for (const m of isDNS1123Label(p.name)) errs.push(invalid(path.child('name'), p.name, m));
      if (names.has(p.name)) errs.push(duplicate(path.child('name'), p.name));
      names.add(p.name);
    }
    errs.push(...validatePortNumber(p.port, path.child('port')));
    if (!(PROTOCOLS as readonly string[]).includes(p.protocol ?? 'TCP')) {
      errs.push(notSupported(path.child('protocol'), p.protocol, PROTOCOLS));
    }
    const key = `${p.port}/${p.protocol ?? 'TCP'}`;
    if (keys.has(key)) errs.push(duplicate(path, key));
    keys.add(key);
    errs.push(...validateTargetPort(p.targetPort, path.child('targetPort')));
    if (p.nodePort !== undefined && p.nodePort !== 0) {
      if (type === 'ClusterIP') {
        errs.push(
          invalid(path.child('nodePort'), p.nodePort, "may not be used when `type` is 'ClusterIP'"),
        );
      } else errs.push(...validatePortNumber(p.nodePort, path.child('nodePort')));
    }
  });
  if (isJsonObject(spec.selector)) {
    errs.push(...validateLabels(spec.selector as Record<string, string>, SPEC.child('selector')));
  }
  if (typeof spec.clusterIP === 'string' && spec.clusterIP !== '' && !headless) {
    if (!/^(\d{1,3}\.){3}\d{1,3}$/.test(spec.clusterIP)) {
      errs.push(
        invalid(
          SPEC.child('clusterIP'),
          spec.clusterIP,
          'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
        ),
      );
    }
  }
  for (const [field, allowed] of [
    ['sessionAffinity', ['ClientIP', 'None']],
    ['internalTrafficPolicy', ['Cluster', 'Local']],
    ['externalTrafficPolicy', ['Cluster', 'Local']],
    ['ipFamilyPolicy', ['PreferDualStack', 'RequireDualStack', 'SingleStack']],
  ] as const) {
    const v = spec[field];
    if (v !== undefined && v !== '' && !(allowed as readonly string[]).includes(String(v))) {
      errs.push(notSupported(SPEC.child(field), v, allowed));
    }
  }
  return errs;
}

function validateUpdate(obj: KubeObject, old: KubeObject): ErrorList {
  const errs = validate(obj);
  const spec = obj.spec as JsonObject | undefined;
  const oldSpec = old.spec as JsonObject | undefined;
  if (
    isJsonObject(spec) &&
    isJsonObject(oldSpec) &&
    spec.type !== 'ExternalName' &&
    oldSpec.type !== 'ExternalName' &&
    typeof oldSpec.clusterIP === 'string' &&
    oldSpec.clusterIP !== '' &&
    spec.clusterIP !== oldSpec.clusterIP
  ) {
    errs.push(invalid(SPEC.child('clusterIP'), spec.clusterIP ?? '', 'field is immutable'));
  }
  return errs;
}

/** EXTERNAL-IP as kubectl prints it. */
function externalIP(svc: Service): string {
  const spec = svc.spec ?? {};
  const external = Array.isArray(spec.externalIPs) ? (spec.externalIPs as string[]) : [];
  switch (spec.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return external.length > 0 ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = (svc.status?.loadBalancer?.ingress ?? [])
        .map((i) => String(i.ip ?? i.hostname ?? ''))
        .filter(Boolean);
      const all = [...lb, ...external];
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return String(spec.externalName ?? '');
    default:
      return '<unknown>';
  }
}

function portsText(svc: Service): string {
  const list = ports(svc);
  if (list.length === 0) return '<none>';
  return list
    .map((p) =>
      p.nodePort
        ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}`
        : `${p.port}/${p.protocol ?? 'TCP'}`,
    )
    .join(',');
}

/** `k=v,k2=v2` sorted by key, or `<none>`: how kubectl prints a selector map. */
export function formatLabelMap(labels: unknown): string {
  if (!isJsonObject(labels) || Object.keys(labels).length === 0) return '<none>';
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${String(labels[k])}`)
    .join(',');
}

export const services = builtin({
  group: '',
  version: 'v1',
  plural: 'services',
  singular: 'service',
  kind: 'Service',
  namespaced: true,
  shortNames: ['svc'],
  categories: ['all'],
  subresources: { status: true },
  schema: serviceSchema,
  definitionName: 'io.k8s.api.core.v1.Service',
  strategy: {
    prepareForCreate,
    prepareForUpdate,
    validate,
    validateUpdate,
    nameValidation: 'DNS1035Label',
    allowUnconditionalUpdate: true,
    columns: [
      NAME_COLUMN,
      column('Type', 'string', 'How the Service is exposed.'),
      column('Cluster-IP', 'string', 'The virtual address of the Service.'),
      column('External-IP', 'string', 'Addresses outside the cluster that reach the Service.'),
      column('Port(s)', 'string', 'The ports the Service exposes.'),
      AGE_COLUMN,
      column('Selector', 'string', 'The labels of the pods the Service sends traffic to.', 1),
    ],
    cells: (obj, now) => {
      const svc = obj as Service;
      return [
        obj.metadata.name,
        svc.spec?.type ?? 'ClusterIP',
        svc.spec?.clusterIP || '<none>',
        externalIP(svc),
        portsText(svc),
        age(obj, now),
        formatLabelMap(svc.spec?.selector),
      ];
    },
    fields: (obj) => {
      const spec = objectOrEmpty(obj.spec);
      return {
        'spec.clusterIP': typeof spec.clusterIP === 'string' ? spec.clusterIP : '',
        'spec.type': typeof spec.type === 'string' ? spec.type : '',
      };
    },
    fieldNames: ['spec.clusterIP', 'spec.type'],
  },
});
