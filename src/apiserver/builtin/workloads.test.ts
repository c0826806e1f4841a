/**
 * The workload APIs of the plain server: every schema is structural; CloudNativePG's
 * release manifest (and a sample of each other kind) prunes to nothing, defaults as
 * upstream defaults and validates; upstream's rules refuse what they refuse, at their
 * field paths; kubectl's table cells.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { Pod } from '../../api/core/types.ts';
import { fieldErrorMessage } from '../../apimachinery/field-errors.ts';
import type { KubeObject } from '../../apimachinery/meta.ts';
import { checkStructural } from '../../apimachinery/schema/structural.ts';
import { typedDecodeErrors } from '../../apimachinery/schema/typed-decode.ts';
import type { ResourceType, StrategyContext } from '../registry/resource-type.ts';
import { mutatingWebhookConfigurations } from './admissionregistration/mutatingwebhookconfigurations.ts';
import { validatingWebhookConfigurations } from './admissionregistration/validatingwebhookconfigurations.ts';
import { daemonSets } from './apps/daemonsets.ts';
import { deployments } from './apps/deployments.ts';
import { replicaSets } from './apps/replicasets.ts';
import { statefulSets } from './apps/statefulsets.ts';
import { cronJobs, cronScheduleError } from './batch/cronjobs.ts';
import { jobs } from './batch/jobs.ts';
import { endpoints } from './core/endpoints.ts';
import { nodes } from './core/nodes.ts';
import { persistentVolumeClaims } from './core/persistentvolumeclaims.ts';
import { podRow, pods, qosClass } from './core/pods.ts';
import { services } from './core/services.ts';
import { endpointSlices } from './discovery/endpointslices.ts';
import { builtinTypesFor, workloadTypes } from './index.ts';
import { ingresses } from './networking/ingresses.ts';
import { runtimeClasses } from './node/runtimeclasses.ts';
import { podDisruptionBudgets } from './policy/poddisruptionbudgets.ts';
import { priorityClasses } from './scheduling/priorityclasses.ts';

const ctx: StrategyContext = { cluster: 'root', version: 'v1', subresource: '' };
const FIXTURE = join(import.meta.dirname, '../../../test/fixtures/cloudnative-pg/cnpg-1.25.1.yaml');
const cnpg = parseAllDocuments(readFileSync(FIXTURE, 'utf8')).map((d) => d.toJSON() as KubeObject);
const fromManifest = (kind: string) => {
  const found = cnpg.find((o) => o.kind === kind);
  if (!found) throw new Error(`no ${kind} in the manifest`);
  return found;
};

const template = {
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] },
};
const meta = (name: string, namespace = 'default') => ({ name, namespace });

const samples: ReadonlyArray<readonly [ResourceType, KubeObject]> = [
  [deployments, fromManifest('Deployment')],
  [services, fromManifest('Service')],
  [mutatingWebhookConfigurations, fromManifest('MutatingWebhookConfiguration')],
  [validatingWebhookConfigurations, fromManifest('ValidatingWebhookConfiguration')],
  [pods, { apiVersion: 'v1', kind: 'Pod', metadata: meta('web-0'), spec: template.spec }],
  [
    statefulSets,
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: meta('db'),
      spec: {
        serviceName: 'db',
        selector: { matchLabels: { app: 'web' } },
        template,
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
          },
        ],
      },
    },
  ],
  [
    replicaSets,
    {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: meta('web-1'),
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template },
    },
  ],
  [
    daemonSets,
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: meta('agent'),
      spec: { selector: { matchLabels: { app: 'web' } }, template },
    },
  ],
  [
    jobs,
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { ...meta('once'), uid: '5c1d0b6e-0000-4000-8000-000000000001' },
      spec: { template: { spec: { ...template.spec, restartPolicy: 'Never' } } },
    },
  ],
  [
    cronJobs,
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: meta('nightly'),
      spec: {
        schedule: '0 3 * * *',
        jobTemplate: {
          spec: { template: { spec: { ...template.spec, restartPolicy: 'OnFailure' } } },
        },
      },
    },
  ],
  [
    persistentVolumeClaims,
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: meta('data'),
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    },
  ],
  [
    endpoints,
    {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: meta('web'),
      subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'http', port: 80 }] }],
    },
  ],
  [
    endpointSlices,
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: meta('web-abcde'),
      addressType: 'IPv4',
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    },
  ],
  [
    nodes,
    {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'host-1' },
      status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }] },
    },
  ],
  [
    podDisruptionBudgets,
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta('web'),
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } },
    },
  ],
  [
    ingresses,
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: meta('web'),
      spec: {
        rules: [
          {
            host: 'example.com',
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: 'web', port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    },
  ],
  [
    priorityClasses,
    {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name: 'high' },
      value: 1000,
    },
  ],
  [
    runtimeClasses,
    {
      apiVersion: 'node.k8s.io/v1',
      kind: 'RuntimeClass',
      metadata: { name: 'gvisor' },
      handler: 'runsc',
    },
  ],
];

const label = (t: ResourceType) => `${t.group || 'core'}/${t.names.kind}`;

describe('workload schemas', () => {
  it('has a sample of every workload type', () => {
    expect(new Set(samples.map(([t]) => t))).toEqual(new Set(workloadTypes));
  });

  it('serves workloads only in the plain server, core group first', () => {
    expect(builtinTypesFor(false).some((t) => t === pods)).toBe(false);
    const plain = builtinTypesFor(true);
    expect(plain).toContain(pods);
    const firstOther = plain.findIndex((t) => t.group !== '');
    expect(plain.slice(firstOther).every((t) => t.group !== '')).toBe(true);
  });

  it.each(samples.map(([t, o]) => [label(t), t, o] as const))(
    '%s: structural, prunes nothing, defaults and validates',
    (_, type, sample) => {
      const raw = type.schemas?.v1?.raw;
      expect(raw && checkStructural(raw, 'openAPIV3Schema').map(fieldErrorMessage)).toEqual([]);
      const obj = structuredClone(sample);
      expect(type.schemas?.v1?.prune(obj)).toEqual([]);
      expect(obj).toEqual(sample);
      type.strategy.prepareForCreate?.(obj, ctx);
      expect(typedDecodeErrors(raw ?? {}, obj)).toEqual([]);
      expect(type.strategy.validate(obj, ctx).map(fieldErrorMessage)).toEqual([]);
    },
  );
});

/** The messages of validating `obj` after create defaults. */
function errorsOf(type: ResourceType, obj: KubeObject): string[] {
  const copy = structuredClone(obj);
  type.strategy.prepareForCreate?.(copy, ctx);
  return type.strategy.validate(copy, ctx).map(fieldErrorMessage);
}

describe('defaults', () => {
  it('gives Deployments and their pod templates upstream defaults', () => {
    const dep: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta('web'),
      spec: { selector: { matchLabels: { app: 'web' } }, template: structuredClone(template) },
    };
    deployments.strategy.prepareForCreate?.(dep, ctx);
    expect(dep.spec).toMatchObject({
      replicas: 1,
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
      },
      template: {
        spec: {
          restartPolicy: 'Always',
          dnsPolicy: 'ClusterFirst',
          terminationGracePeriodSeconds: 30,
          schedulerName: 'default-scheduler',
          serviceAccountName: 'default',
          containers: [
            {
              imagePullPolicy: 'IfNotPresent',
              terminationMessagePath: '/dev/termination-log',
              ports: [{ containerPort: 80, protocol: 'TCP' }],
            },
          ],
        },
      },
    });
  });

  it('pulls :latest and untagged images always, digests and tags if not present', () => {
    const policy = (image: string) => {
      const pod: KubeObject = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: meta('p'),
        spec: { containers: [{ name: 'c', image }] },
      };
      pods.strategy.prepareForCreate?.(pod, ctx);
      return (pod as Pod).spec.containers[0]?.imagePullPolicy;
    };
    expect(policy('nginx')).toBe('Always');
    expect(policy('nginx:latest')).toBe('Always');
    expect(policy('registry:5000/nginx')).toBe('Always');
    expect(policy('nginx:1.27')).toBe('IfNotPresent');
    expect(policy('nginx@sha256:abc')).toBe('IfNotPresent');
  });

  it('gives Services a type, TCP, targetPort = port and a single IPv4 stack', () => {
    const svc: KubeObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('web'),
      spec: { ports: [{ port: 80 }], selector: { app: 'web' } },
    };
    services.strategy.prepareForCreate?.(svc, ctx);
    expect(svc.spec).toEqual({
      type: 'ClusterIP',
      ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
      selector: { app: 'web' },
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
    });
  });

  it('generates a Job selector from its UID and labels its pods with it', () => {
    const job = structuredClone(samples.find(([t]) => t === jobs)?.[1] as KubeObject);
    jobs.strategy.prepareForCreate?.(job, ctx);
    const uid = job.metadata.uid as string;
    expect(job.spec).toMatchObject({
      completions: 1,
      parallelism: 1,
      backoffLimit: 6,
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } },
      template: {
        metadata: { labels: { 'batch.kubernetes.io/job-name': 'once', 'controller-uid': uid } },
      },
    });
  });

  it('starts Pods Pending with their QoS class', () => {
    const pod = structuredClone(samples.find(([t]) => t === pods)?.[1] as KubeObject);
    pods.strategy.prepareForCreate?.(pod, ctx);
    expect(pod.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
    expect(
      qosClass({ containers: [{ name: 'a', resources: { limits: { cpu: '1', memory: '1Gi' } } }] }),
    ).toBe('Guaranteed');
    expect(qosClass({ containers: [{ name: 'a', resources: { requests: { cpu: '1' } } }] })).toBe(
      'Burstable',
    );
  });
});

describe('validation refuses what upstream refuses', () => {
  const dep = (spec: object): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta('web'),
    spec,
  });
  const pod = (spec: object): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta('p'),
    spec,
  });

  it.each([
    [
      'a selector that does not match the template',
      deployments,
      dep({ selector: { matchLabels: { app: 'other' } }, template }),
      'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`',
    ],
    ['no selector', deployments, dep({ template }), 'spec.selector: Required value'],
    [
      'an empty selector',
      deployments,
      dep({ selector: {}, template }),
      'spec.selector: Invalid value: {}: empty selector is invalid for deployment',
    ],
    ['no containers', pods, pod({ containers: [] }), 'spec.containers: Required value'],
    [
      'a container without an image',
      pods,
      pod({ containers: [{ name: 'a' }] }),
      'spec.containers[0].image: Required value',
    ],
    [
      'a port out of range',
      pods,
      pod({ containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 70000 }] }] }),
      'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
    ],
    [
      'two containers of one name',
      pods,
      pod({
        containers: [
          { name: 'a', image: 'x' },
          { name: 'a', image: 'y' },
        ],
      }),
      'spec.containers[1].name: Duplicate value: "a"',
    ],
    [
      'a mount of an undeclared volume',
      pods,
      pod({
        containers: [{ name: 'a', image: 'x', volumeMounts: [{ name: 'v', mountPath: '/v' }] }],
      }),
      'spec.containers[0].volumeMounts[0].name: Not found: "v"',
    ],
    [
      'a Job that restarts Always',
      jobs,
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { ...meta('j'), uid: 'u' },
        spec: { template: { spec: template.spec } },
      },
      'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
    ],
    [
      'a Service without ports',
      services,
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: meta('web'),
        spec: { selector: { app: 'web' } },
      },
      'spec.ports: Required value',
    ],
    [
      'a Service with two unnamed ports',
      services,
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: meta('web'),
        spec: { ports: [{ port: 80 }, { port: 443 }] },
      },
      'spec.ports[0].name: Required value',
    ],
    [
      'a named targetPort that is not a port name',
      services,
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: meta('web'),
        spec: { ports: [{ port: 80, targetPort: 'Not_A_Name' }] },
      },
      'spec.ports[0].targetPort: Invalid value: "Not_A_Name": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
    ],
    [
      'a webhook without side effects',
      validatingWebhookConfigurations,
      {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingWebhookConfiguration',
        metadata: { name: 'w' },
        webhooks: [
          {
            name: 'v.example.com',
            clientConfig: { url: 'https://x' },
            admissionReviewVersions: ['v1'],
          },
        ],
      },
      'webhooks[0].sideEffects: Required value',
    ],
    [
      'a budget with both bounds',
      podDisruptionBudgets,
      {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: meta('b'),
        spec: { minAvailable: 1, maxUnavailable: 1 },
      },
      'spec: Invalid value: {"minAvailable":1,"maxUnavailable":1}: minAvailable and maxUnavailable cannot be both set',
    ],
    [
      'a claim without a storage request',
      persistentVolumeClaims,
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: meta('c'),
        spec: { accessModes: ['ReadWriteOnce'] },
      },
      'spec.resources.requests[storage]: Required value',
    ],
    [
      'an Ingress path without a type',
      ingresses,
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: meta('i'),
        spec: {
          rules: [
            {
              http: {
                paths: [{ path: '/', backend: { service: { name: 's', port: { number: 80 } } } }],
              },
            },
          ],
        },
      },
      'spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified',
    ],
    [
      'a Deployment strategy of an unknown type',
      deployments,
      dep({ selector: { matchLabels: { app: 'web' } }, template, strategy: { type: 'Blue' } }),
      'spec.strategy.type: Unsupported value: "Blue": supported values: "Recreate", "RollingUpdate"',
    ],
    [
      'a Deployment whose pods do not restart always',
      deployments,
      dep({
        selector: { matchLabels: { app: 'web' } },
        template: { ...template, spec: { ...template.spec, restartPolicy: 'Never' } },
      }),
      'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
    ],
    [
      'a claim of an unknown volume mode',
      persistentVolumeClaims,
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: meta('c'),
        spec: {
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: '1Gi' } },
          volumeMode: 'Tape',
        },
      },
      'spec.volumeMode: Unsupported value: "Tape": supported values: "Block", "Filesystem"',
    ],
    [
      'a PriorityClass of an unknown preemption policy',
      priorityClasses,
      {
        apiVersion: 'scheduling.k8s.io/v1',
        kind: 'PriorityClass',
        metadata: { name: 'high' },
        value: 1000,
        preemptionPolicy: 'Sometimes',
      },
      'preemptionPolicy: Unsupported value: "Sometimes": supported values: "Never", "PreemptLowerPriority"',
    ],
  ] as const)('%s', (_, type, obj, message) => {
    expect(errorsOf(type, obj as KubeObject)).toContain(message);
  });

  it('keeps a pod spec immutable but for images', () => {
    const old = structuredClone(samples.find(([t]) => t === pods)?.[1] as KubeObject);
    pods.strategy.prepareForCreate?.(old, ctx);
    const newImage = structuredClone(old);
    (newImage as Pod).spec.containers[0] = {
      ...(newImage as Pod).spec.containers[0],
      name: 'web',
      image: 'nginx:1.28',
    };
    expect(pods.strategy.validateUpdate?.(newImage, old, ctx)).toEqual([]);
    const newPort = structuredClone(old);
    (newPort as Pod).spec.containers[0]?.ports?.push({ containerPort: 81, protocol: 'TCP' });
    expect(pods.strategy.validateUpdate?.(newPort, old, ctx).map(fieldErrorMessage)[0]).toMatch(
      /^spec: Forbidden: pod updates may not change fields other than/,
    );
  });

  it('keeps apps/v1 selectors immutable', () => {
    const old = structuredClone(fromManifest('Deployment'));
    deployments.strategy.prepareForCreate?.(old, ctx);
    const changed = structuredClone(old);
    (changed.spec as { selector: object }).selector = { matchLabels: { app: 'web' } };
    expect(
      deployments.strategy.validateUpdate?.(changed, old, ctx).map(fieldErrorMessage),
    ).toContain('spec.selector: Invalid value: {"matchLabels":{"app":"web"}}: field is immutable');
  });

  it.each([
    ['0 3 * * *', undefined],
    ['*/5 * * * MON-FRI', undefined],
    ['@hourly', undefined],
    ['@every 1h30m', undefined],
    ['0 3 * *', 'expected exactly 5 fields, found 4: [0 3 * *]'],
    ['61 * * * *', 'failed to parse int from 61'],
    ['TZ=UTC 0 3 * * *', 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'],
  ])('cron schedule %s', (schedule, problem) => {
    expect(cronScheduleError(schedule)).toBe(problem);
  });
});

describe('warnings say that nothing runs', () => {
  it.each([deployments, statefulSets, replicaSets, daemonSets, jobs, cronJobs])('%s', (type) => {
    expect(type.strategy.warningsOnCreate?.({ metadata: {} })).toEqual([
      expect.stringContaining('no pods will be created'),
    ]);
  });

  it('pods without a node, webhook configurations', () => {
    expect(
      pods.strategy.warningsOnCreate?.({ metadata: {}, spec: { containers: [] } }),
    ).toHaveLength(1);
    expect(
      pods.strategy.warningsOnCreate?.({ metadata: {}, spec: { nodeName: 'n', containers: [] } }),
    ).toEqual([]);
    expect(
      validatingWebhookConfigurations.strategy.warningsOnCreate?.({ metadata: {} })?.[0],
    ).toContain('never calls the webhooks');
  });
});

describe('kubectl columns', () => {
  const now = Date.parse('2025-01-01T12:00:00Z');
  const running = (restarts: number, finishedAt?: string): Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'kcp-1', creationTimestamp: '2025-01-01T11:00:00Z' },
    spec: { containers: [{ name: 'postgres' }], nodeName: 'n' },
    status: {
      phase: 'Running',
      podIP: '127.0.0.1',
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [
        {
          name: 'postgres',
          ready: true,
          restartCount: restarts,
          image: 'postgres',
          imageID: '',
          state: { running: { startedAt: '2025-01-01T11:00:00Z' } },
          ...(finishedAt ? { lastState: { terminated: { exitCode: 137, finishedAt } } } : {}),
        },
      ],
    },
  });

  it('prints a running pod and its restarts as kubectl does', () => {
    expect(podRow(running(0), now)).toEqual({ ready: '1/1', reason: 'Running', restarts: '0' });
    expect(podRow(running(2, '2025-01-01T11:55:00Z'), now)).toEqual({
      ready: '1/1',
      reason: 'Running',
      restarts: '2 (5m ago)',
    });
    expect(pods.strategy.cells(running(0), now)).toEqual([
      'kcp-1',
      '1/1',
      'Running',
      '0',
      '60m',
      '127.0.0.1',
      'n',
      '<none>',
      '<none>',
    ]);
  });

  it('prints waiting and terminated containers by their reason', () => {
    const crashing = running(3);
    const status = crashing.status?.containerStatuses?.[0];
    if (status) status.state = { waiting: { reason: 'CrashLoopBackOff' } };
    if (status) status.ready = false;
    expect(podRow(crashing, now).reason).toBe('CrashLoopBackOff');
    expect(
      podRow(
        {
          ...crashing,
          metadata: { ...crashing.metadata, deletionTimestamp: '2025-01-01T11:59:00Z' },
        },
        now,
      ).reason,
    ).toBe('Terminating');
  });

  it('prints Services, Deployments and EndpointSlices', () => {
    const svc = structuredClone(fromManifest('Service'));
    services.strategy.prepareForCreate?.(svc, ctx);
    (svc.spec as { clusterIP: string }).clusterIP = '10.96.0.10';
    expect(services.strategy.cells(svc, now).slice(1, 5)).toEqual([
      'ClusterIP',
      '10.96.0.10',
      '<none>',
      '443/TCP',
    ]);
    const dep = structuredClone(fromManifest('Deployment'));
    deployments.strategy.prepareForCreate?.(dep, ctx);
    expect(deployments.strategy.cells(dep, now).slice(1, 4)).toEqual(['0/1', 0, 0]);
    const slice = samples.find(([t]) => t === endpointSlices)?.[1] as KubeObject;
    expect(endpointSlices.strategy.cells(slice, now).slice(1, 4)).toEqual([
      'IPv4',
      '80',
      '127.0.0.1',
    ]);
  });
});
