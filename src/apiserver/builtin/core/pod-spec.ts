/**
 * Defaults and validation of core/v1 PodSpec, for Pods and for the pod templates of every
 * workload (upstream's SetDefaults_PodSpec / SetDefaults_Container and ValidatePodSpec, the
 * rules a manifest meets in practice): containers are required and named, images given,
 * ports in range with unique names, mounts naming declared volumes, enums checked. The
 * hooks tolerate malformed values (the decode check reports those).
 */
import {
  duplicate,
  type ErrorList,
  FieldPath,
  invalid,
  notFound,
  notSupported,
  required,
} from '../../../apimachinery/field-errors.ts';
import {
  isJsonObject,
  type JsonObject,
  type JsonValue,
  objectOrEmpty,
} from '../../../apimachinery/meta.ts';
import { tryParseQuantity } from '../../../apimachinery/quantity.ts';
import { isDNS1123Label } from '../../../apimachinery/validation/names.ts';
import {
  validateAnnotations,
  validateLabels,
} from '../../../apimachinery/validation/object-meta.ts';

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'] as const;
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'] as const;
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const;
const MESSAGE_POLICIES = ['FallbackToLogsOnError', 'File'] as const;

const objects = (v: JsonValue | undefined): JsonObject[] =>
  Array.isArray(v) ? v.filter(isJsonObject) : [];

/** Upstream's pull policy default: Always for `:latest` or an untagged image. */
function defaultPullPolicy(image: string): string {
  const lastSlash = image.lastIndexOf('/');
  const ref = image.slice(lastSlash + 1);
  if (ref.includes('@')) return 'IfNotPresent';
  const colon = ref.lastIndexOf(':');
  const tag = colon < 0 ? '' : ref.slice(colon + 1);
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(probe: JsonValue | undefined): void {
  if (!isJsonObject(probe)) return;
  probe.timeoutSeconds ??= 1;
  probe.periodSeconds ??= 10;
  probe.successThreshold ??= 1;
  probe.failureThreshold ??= 3;
  if (isJsonObject(probe.httpGet)) probe.httpGet.scheme ??= 'HTTP';
}

function defaultContainer(c: JsonObject): void {
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  if (c.imagePullPolicy === undefined && typeof c.image === 'string') {
    c.imagePullPolicy = defaultPullPolicy(c.image);
  }
  for (const port of objects(c.ports)) port.protocol ??= 'TCP';
  for (const env of objects(c.env)) {
    const ref = isJsonObject(env.valueFrom) ? env.valueFrom.fieldRef : undefined;
    if (isJsonObject(ref)) ref.apiVersion ??= 'v1';
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  // Requests default to the limits where only limits are given.
  const resources = c.resources;
  if (isJsonObject(resources) && isJsonObject(resources.limits)) {
    const requests = objectOrEmpty(resources.requests);
    for (const [name, limit] of Object.entries(resources.limits)) requests[name] ??= limit;
    if (Object.keys(requests).length > 0) resources.requests = requests;
  }
}

function defaultVolume(v: JsonObject): void {
  for (const source of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    const s = v[source];
    if (isJsonObject(s)) s.defaultMode ??= 420;
  }
  if (isJsonObject(v.hostPath)) v.hostPath.type ??= '';
}

/** SetDefaults_PodSpec and the container defaults, in place. */
export function defaultPodSpec(spec: unknown): void {
  if (!isJsonObject(spec)) return;
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  spec.enableServiceLinks ??= true;
  // The ServiceAccount admission plugin's default, and the deprecated field it mirrors.
  if (typeof spec.serviceAccount === 'string' && spec.serviceAccountName === undefined) {
    spec.serviceAccountName = spec.serviceAccount;
  }
  spec.serviceAccountName ??= 'default';
  spec.serviceAccount = spec.serviceAccountName;
  for (const c of [...objects(spec.initContainers), ...objects(spec.containers)]) {
    defaultContainer(c);
  }
  for (const v of objects(spec.volumes)) defaultVolume(v);
}

/** Kubernetes' IANA_SVC_NAME: what a named port may be called. */
export function isServicePortName(name: string): string[] {
  const errs: string[] = [];
  if (name.length > 15) errs.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(name)) {
    errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  }
  if (name.includes('--')) errs.push('must not contain consecutive hyphens');
  if (!/[a-z]/.test(name)) errs.push('must contain at least one letter (a-z)');
  if (/^-|-$/.test(name)) errs.push('must not begin or end with a hyphen');
  return errs;
}

export function validatePortNumber(port: JsonValue | undefined, path: FieldPath): ErrorList {
  if (typeof port !== 'number') return [required(path, '')];
  return port >= 1 && port <= 65535
    ? []
    : [invalid(path, port, 'must be between 1 and 65535, inclusive')];
}

function validateEnum(
  v: JsonValue | undefined,
  allowed: readonly string[],
  path: FieldPath,
  needed: boolean,
): ErrorList {
  if (v === undefined || v === '') return needed ? [required(path, '')] : [];
  return typeof v === 'string' && allowed.includes(v) ? [] : [notSupported(path, v, allowed)];
}

function validateResources(resources: JsonValue | undefined, path: FieldPath): ErrorList {
  if (!isJsonObject(resources)) return [];
  const errs: ErrorList = [];
  for (const kind of ['limits', 'requests']) {
    const amounts = resources[kind];
    if (!isJsonObject(amounts)) continue;
    for (const [name, value] of Object.entries(amounts)) {
      const p = path.child(kind).key(name);
      const q = typeof value === 'number' ? String(value) : value;
      if (typeof q !== 'string' || tryParseQuantity(q) === undefined) {
        errs.push(invalid(p, value, 'must be a valid quantity, e.g. `500m` or `1Gi`'));
      } else if (q.startsWith('-')) {
        errs.push(invalid(p, value, 'must be greater than or equal to 0'));
      }
    }
  }
  return errs;
}

function validateContainer(
  c: JsonObject,
  path: FieldPath,
  volumes: ReadonlySet<string>,
  portNames: Set<string>,
): ErrorList {
  const errs: ErrorList = [];
  if (typeof c.name !== 'string' || c.name === '') errs.push(required(path.child('name'), ''));
  else errs.push(...isDNS1123Label(c.name).map((m) => invalid(path.child('name'), c.name, m)));
  if (typeof c.image !== 'string' || c.image.trim() === '') {
    errs.push(required(path.child('image'), ''));
  }
  objects(c.ports).forEach((port, i) => {
    const p = path.child('ports').index(i);
    errs.push(...validatePortNumber(port.containerPort, p.child('containerPort')));
    errs.push(...validateEnum(port.protocol, PROTOCOLS, p.child('protocol'), true));
    if (typeof port.name === 'string' && port.name !== '') {
      for (const m of isServicePortName(port.name))
        errs.push(invalid(p.child('name'), port.name, m));
      if (portNames.has(port.name)) errs.push(duplicate(p.child('name'), port.name));
      portNames.add(port.name);
    }
    if (typeof port.hostPort === 'number' && port.hostPort !== 0) {
      errs.push(...validatePortNumber(port.hostPort, p.child('hostPort')));
    }
  });
  const envNames = objects(c.env);
  envNames.forEach((env, i) => {
    if (typeof env.name !== 'string' || env.name === '') {
      errs.push(required(path.child('env').index(i).child('name'), ''));
    }
  });
  const mountPaths = new Set<string>();
  objects(c.volumeMounts).forEach((m, i) => {
    const p = path.child('volumeMounts').index(i);
    if (typeof m.name !== 'string' || m.name === '') errs.push(required(p.child('name'), ''));
    else if (!volumes.has(m.name)) {
      errs.push(notFound(p.child('name'), m.name));
    }
    if (typeof m.mountPath !== 'string' || m.mountPath === '') {
      errs.push(required(p.child('mountPath'), ''));
    } else {
      if (mountPaths.has(m.mountPath))
        errs.push(invalid(p.child('mountPath'), m.mountPath, 'must be unique'));
      mountPaths.add(m.mountPath);
    }
  });
  errs.push(...validateEnum(c.imagePullPolicy, PULL_POLICIES, path.child('imagePullPolicy'), true));
  errs.push(
    ...validateEnum(
      c.terminationMessagePolicy,
      MESSAGE_POLICIES,
      path.child('terminationMessagePolicy'),
      true,
    ),
  );
  errs.push(...validateResources(c.resources, path.child('resources')));
  return errs;
}

/** ValidatePodSpec: the rules a pod (or the pods of a template) must meet. */
export function validatePodSpec(spec: unknown, path: FieldPath): ErrorList {
  if (!isJsonObject(spec)) return [required(path, '')];
  const errs: ErrorList = [];
  const volumes = new Set<string>();
  objects(spec.volumes).forEach((v, i) => {
    const p = path.child('volumes').index(i).child('name');
    if (typeof v.name !== 'string' || v.name === '') errs.push(required(p, ''));
    else {
      errs.push(...isDNS1123Label(v.name).map((m) => invalid(p, v.name, m)));
      if (volumes.has(v.name)) errs.push(duplicate(p, v.name));
      volumes.add(v.name);
    }
  });
  const containers = objects(spec.containers);
  if (containers.length === 0) errs.push(required(path.child('containers'), ''));
  const names = new Set<string>();
  const portNames = new Set<string>();
  const check = (field: 'initContainers' | 'containers') =>
    objects(spec[field]).forEach((c, i) => {
      const p = path.child(field).index(i);
      errs.push(...validateContainer(c, p, volumes, portNames));
      if (typeof c.name === 'string' && c.name !== '') {
        if (names.has(c.name)) errs.push(duplicate(p.child('name'), c.name));
        names.add(c.name);
      }
    });
  check('initContainers');
  check('containers');
  errs.push(
    ...validateEnum(spec.restartPolicy, RESTART_POLICIES, path.child('restartPolicy'), true),
  );
  errs.push(...validateEnum(spec.dnsPolicy, DNS_POLICIES, path.child('dnsPolicy'), true));
  for (const field of ['terminationGracePeriodSeconds', 'activeDeadlineSeconds'] as const) {
    const v = spec[field];
    if (typeof v === 'number' && v < (field === 'activeDeadlineSeconds' ? 1 : 0)) {
      errs.push(
        invalid(
          path.child(field),
          v,
          `must be greater than or equal to ${field === 'activeDeadlineSeconds' ? 1 : 0}`,
        ),
      );
    }
  }
  if (typeof spec.nodeName === 'string' && spec.nodeName !== '') {
    // Node names are DNS subdomains; a path-like name could not be proxied to.
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(spec.nodeName)) {
      errs.push(invalid(path.child('nodeName'), spec.nodeName, 'must be a valid node name'));
    }
  }
  return errs;
}

/** Defaults of a PodTemplateSpec: those of its pod spec. */
export function defaultPodTemplate(template: unknown): void {
  if (isJsonObject(template)) defaultPodSpec(template.spec);
}

/** ValidatePodTemplateSpec: labels and annotations of the pods, and their spec. */
export function validatePodTemplate(template: unknown, path: FieldPath): ErrorList {
  if (!isJsonObject(template)) return [required(path, '')];
  const errs: ErrorList = [];
  const meta = objectOrEmpty(template.metadata);
  const labels = isJsonObject(meta.labels) ? (meta.labels as Record<string, string>) : undefined;
  const annotations = isJsonObject(meta.annotations)
    ? (meta.annotations as Record<string, string>)
    : undefined;
  errs.push(...validateLabels(labels, path.child('metadata', 'labels')));
  errs.push(...validateAnnotations(annotations, path.child('metadata', 'annotations')));
  errs.push(...validatePodSpec(template.spec, path.child('spec')));
  return errs;
}

/** The labels a template gives its pods. */
export function templateLabels(template: unknown): Record<string, string> {
  const meta = objectOrEmpty(objectOrEmpty(template).metadata);
  const labels: Record<string, string> = {};
  if (isJsonObject(meta.labels)) {
    for (const [k, v] of Object.entries(meta.labels)) if (typeof v === 'string') labels[k] = v;
  }
  return labels;
}

/** The containers' names and images, joined as `kubectl get -o wide` prints them. */
export function containersAndImages(spec: unknown): [string, string] {
  const containers = isJsonObject(spec) ? objects(spec.containers) : [];
  return [
    containers.map((c) => String(c.name ?? '')).join(','),
    containers.map((c) => String(c.image ?? '')).join(','),
  ];
}

export const POD_SPEC_ROOT = FieldPath.root('spec');
