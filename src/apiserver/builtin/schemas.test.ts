import { describe, expect, it } from 'vitest';
import { fieldErrorMessage } from '../../apimachinery/field-errors.ts';
import type { JsonObject, KubeObject } from '../../apimachinery/meta.ts';
import type { BuiltinSchema } from '../../apimachinery/schema/dsl.ts';
import { compileSchema } from '../../apimachinery/schema/index.ts';
import { checkStructural } from '../../apimachinery/schema/structural.ts';
import { typedDecodeErrors } from '../../apimachinery/schema/typed-decode.ts';
import type { JSONSchemaProps } from '../../apimachinery/schema/types.ts';
import { definitionName, kindSchema } from '../openapi/schemas.ts';
import type { ResourceType, StrategyContext } from '../registry/resource-type.ts';
import {
  validatingAdmissionPolicies,
  validatingAdmissionPolicyBindings,
} from './admissionregistration/admission-policies.ts';
import { customResourceDefinitions } from './apiextensions/customresourcedefinitions.ts';
import { leases } from './coordination/leases.ts';
import { configMaps } from './core/configmaps.ts';
import { events } from './core/events.ts';
import { namespaces } from './core/namespaces.ts';
import { secrets } from './core/secrets.ts';
import { serviceAccounts } from './core/serviceaccounts.ts';
import { eventsV1 } from './events/events.ts';
import { builtinTypes } from './index.ts';
import { clusterRoleBindings } from './rbac/clusterrolebindings.ts';
import { clusterRoles } from './rbac/clusterroles.ts';
import { roleBindings } from './rbac/rolebindings.ts';
import { roles } from './rbac/roles.ts';

const ctx: StrategyContext = { cluster: 'root', version: 'v1', subresource: '' };

function versionOf(type: ResourceType): string {
  return type.storageVersion;
}

function rawOf(type: ResourceType): JSONSchemaProps {
  const s = type.schemas?.[versionOf(type)];
  if (!s) throw new Error(`${type.names.kind} has no schema`);
  return s.raw;
}

/** The schema node at a dotted path of property names (`items` steps into arrays). */
function node(type: ResourceType, path: string): BuiltinSchema {
  let s: JSONSchemaProps | undefined = rawOf(type);
  for (const step of path.split('.')) {
    if (step === 'items') s = Array.isArray(s?.items) ? undefined : s?.items;
    else s = s?.properties?.[step];
    if (s === undefined) throw new Error(`no schema at ${path}`);
  }
  return s as BuiltinSchema;
}

function meta(name: string, namespace?: string): KubeObject['metadata'] {
  return { name, ...(namespace ? { namespace } : {}) };
}

const samples: ReadonlyArray<readonly [ResourceType, KubeObject]> = [
  [
    configMaps,
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta('settings', 'default'),
      data: { 'app.properties': 'color=blue\n' },
      binaryData: { 'logo.png': 'iVBORw0KGgo=' },
      immutable: false,
    },
  ],
  [
    secrets,
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta('db-credentials', 'default'),
      type: 'kubernetes.io/basic-auth',
      data: { username: 'YWRtaW4=' },
      stringData: { password: 's3cr3t' },
      immutable: true,
    },
  ],
  [
    namespaces,
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: meta('team-a'),
      spec: { finalizers: ['kubernetes'] },
      status: {
        phase: 'Terminating',
        conditions: [
          {
            type: 'NamespaceDeletionContentFailure',
            status: 'False',
            lastTransitionTime: '2024-05-01T12:00:00Z',
            reason: 'ContentDeleted',
            message: 'All content successfully deleted',
          },
        ],
      },
    },
  ],
  [
    serviceAccounts,
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: meta('builder', 'default'),
      secrets: [{ name: 'builder-token' }],
      imagePullSecrets: [{ name: 'registry' }],
      automountServiceAccountToken: false,
    },
  ],
  [
    events,
    {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: meta('web-0.17c3a', 'default'),
      involvedObject: {
        kind: 'Pod',
        namespace: 'default',
        name: 'web-0',
        uid: '6a3c2f4e-1b2d-4c5e-8f90-123456789abc',
        apiVersion: 'v1',
        resourceVersion: '42',
        fieldPath: 'spec.containers{web}',
      },
      reason: 'BackOff',
      message: 'Back-off restarting failed container',
      source: { component: 'kubelet', host: 'node-1' },
      firstTimestamp: '2024-05-01T11:00:00Z',
      lastTimestamp: '2024-05-01T11:59:00Z',
      count: 12,
      type: 'Warning',
    },
  ],
  [
    eventsV1,
    {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: meta('web-0.17c3b', 'default'),
      eventTime: '2024-05-01T11:00:00.000000Z',
      series: { count: 3, lastObservedTime: '2024-05-01T11:05:00.123456Z' },
      reportingController: 'example.com/operator',
      reportingInstance: 'operator-7d9f',
      action: 'Reconcile',
      reason: 'Synced',
      regarding: { kind: 'Pod', namespace: 'default', name: 'web-0' },
      related: { kind: 'Node', name: 'node-1' },
      note: 'Synced the pod',
      type: 'Normal',
    },
  ],
  [
    leases,
    {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: meta('kube-controller-manager', 'kube-system'),
      spec: {
        holderIdentity: 'cm-1_6c1e',
        leaseDurationSeconds: 15,
        acquireTime: '2024-05-01T11:00:00.000000Z',
        renewTime: '2024-05-01T11:59:58.123456Z',
        leaseTransitions: 2,
        strategy: 'OldestEmulationVersion',
        preferredHolder: 'cm-2',
      },
    },
  ],
  [
    customResourceDefinitions,
    {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: meta('widgets.example.com'),
      spec: {
        group: 'example.com',
        names: {
          plural: 'widgets',
          singular: 'widget',
          kind: 'Widget',
          listKind: 'WidgetList',
          shortNames: ['wd'],
          categories: ['all'],
        },
        scope: 'Namespaced',
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: {
                    type: 'object',
                    properties: { replicas: { type: 'integer', default: 1 } },
                    'x-kubernetes-validations': [{ rule: 'self.replicas >= 0' }],
                  },
                  status: {
                    type: 'object',
                    properties: { replicas: { type: 'integer' } },
                  },
                },
              },
            },
            subresources: {
              status: {},
              scale: {
                specReplicasPath: '.spec.replicas',
                statusReplicasPath: '.status.replicas',
              },
            },
            additionalPrinterColumns: [
              { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas', priority: 0 },
            ],
            selectableFields: [{ jsonPath: '.spec.color' }],
          },
        ],
        conversion: { strategy: 'None' },
      },
      status: {
        conditions: [
          {
            type: 'Established',
            status: 'True',
            lastTransitionTime: '2024-05-01T12:00:00Z',
            reason: 'InitialNamesAccepted',
            message: 'the initial names have been accepted',
          },
        ],
        acceptedNames: { plural: 'widgets', kind: 'Widget' },
        storedVersions: ['v1'],
      },
    },
  ],
  [
    roles,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta('pod-reader', 'default'),
      rules: [
        {
          apiGroups: [''],
          resources: ['pods'],
          resourceNames: ['web-0'],
          verbs: ['get', 'list'],
        },
      ],
    },
  ],
  [
    clusterRoles,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta('monitoring'),
      rules: [{ nonResourceURLs: ['/metrics', '/healthz/*'], verbs: ['get'] }],
      aggregationRule: {
        clusterRoleSelectors: [
          {
            matchLabels: { 'rbac.example.com/aggregate-to-monitoring': 'true' },
            matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }],
          },
        ],
      },
    },
  ],
  [
    roleBindings,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta('read-pods', 'default'),
      subjects: [
        { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'jane' },
        { kind: 'ServiceAccount', apiGroup: '', name: 'builder', namespace: 'default' },
      ],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
    },
  ],
  [
    clusterRoleBindings,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: meta('monitoring'),
      subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'sre' }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'monitoring' },
    },
  ],
  [
    validatingAdmissionPolicies,
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: meta('replica-limit'),
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          matchPolicy: 'Equivalent',
          namespaceSelector: { matchLabels: { tier: 'prod' } },
          objectSelector: {},
          resourceRules: [
            {
              apiGroups: ['apps'],
              apiVersions: ['v1'],
              operations: ['CREATE', 'UPDATE'],
              resources: ['deployments'],
              resourceNames: [],
              scope: '*',
            },
          ],
          excludeResourceRules: [],
        },
        matchConditions: [{ name: 'labelled', expression: "'team' in object.metadata.labels" }],
        variables: [{ name: 'replicas', expression: 'object.spec.replicas' }],
        validations: [
          {
            expression: 'variables.replicas <= 5',
            message: 'at most 5 replicas',
            messageExpression: "'at most 5 replicas, not ' + string(variables.replicas)",
            reason: 'Invalid',
          },
        ],
        auditAnnotations: [{ key: 'replicas', valueExpression: 'string(variables.replicas)' }],
      },
    },
  ],
  [
    validatingAdmissionPolicyBindings,
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: meta('replica-limit'),
      spec: {
        policyName: 'replica-limit',
        validationActions: ['Warn', 'Audit'],
        matchResources: {
          matchPolicy: 'Equivalent',
          namespaceSelector: {},
          objectSelector: { matchLabels: { strict: 'yes' } },
        },
      },
    },
  ],
];

const DEFINITION_NAMES: ReadonlyArray<readonly [ResourceType, string]> = [
  [configMaps, 'io.k8s.api.core.v1.ConfigMap'],
  [secrets, 'io.k8s.api.core.v1.Secret'],
  [namespaces, 'io.k8s.api.core.v1.Namespace'],
  [serviceAccounts, 'io.k8s.api.core.v1.ServiceAccount'],
  [events, 'io.k8s.api.core.v1.Event'],
  [eventsV1, 'io.k8s.api.events.v1.Event'],
  [leases, 'io.k8s.api.coordination.v1.Lease'],
  [
    customResourceDefinitions,
    'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition',
  ],
  [roles, 'io.k8s.api.rbac.v1.Role'],
  [clusterRoles, 'io.k8s.api.rbac.v1.ClusterRole'],
  [roleBindings, 'io.k8s.api.rbac.v1.RoleBinding'],
  [clusterRoleBindings, 'io.k8s.api.rbac.v1.ClusterRoleBinding'],
  [validatingAdmissionPolicies, 'io.k8s.api.admissionregistration.v1.ValidatingAdmissionPolicy'],
  [
    validatingAdmissionPolicyBindings,
    'io.k8s.api.admissionregistration.v1.ValidatingAdmissionPolicyBinding',
  ],
];

const label = (type: ResourceType) => `${type.group || 'core'}/${type.names.kind}`;

describe('built-in schemas', () => {
  it('covers every built-in type, each with a sample', () => {
    expect(new Set(samples.map(([t]) => t))).toEqual(new Set(builtinTypes));
    expect(new Set(DEFINITION_NAMES.map(([t]) => t))).toEqual(new Set(builtinTypes));
  });

  it.each(builtinTypes.map((t) => [label(t), t] as const))('%s is structural', (_, type) => {
    const raw = rawOf(type);
    expect(checkStructural(raw, 'openAPIV3Schema').map(fieldErrorMessage)).toEqual([]);
    // ObjectMeta is not part of the kind's schema: a bare object the REST layer validates.
    expect(raw.properties?.metadata).toEqual({ type: 'object' });
    expect(raw.properties?.apiVersion?.type).toBe('string');
    expect(raw.properties?.kind?.type).toBe('string');
  });

  it.each(DEFINITION_NAMES.map(([t, n]) => [label(t), t, n] as const))(
    '%s is published as %s',
    (_, type, name) => {
      expect(definitionName(type, versionOf(type))).toBe(name);
      const doc = kindSchema(type, versionOf(type));
      expect(doc.properties).toMatchObject({
        metadata: { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' },
      });
      expect(doc.description).toBe(rawOf(type).description);
      expect(type.openapi?.schema('v0')).toBeUndefined();
    },
  );

  it.each(samples.map(([t, obj]) => [label(t), t, obj] as const))(
    'accepts a full %s unchanged',
    (_, type, sample) => {
      const obj = structuredClone(sample);
      const schema = type.schemas?.[versionOf(type)];
      expect(schema?.prune(obj)).toEqual([]);
      expect(obj).toEqual(sample);
      // The schema engine agrees that the sample matches the schema, …
      expect(compileSchema(rawOf(type)).validate(obj).map(fieldErrorMessage)).toEqual([]);
      // … nothing fails to decode, and the strategy (with the decode check) accepts it.
      expect(typedDecodeErrors(rawOf(type), obj)).toEqual([]);
      expect(schema?.validate(obj, undefined)).toEqual([]);
      expect(type.strategy.validate(obj, ctx).map(fieldErrorMessage)).toEqual([]);
    },
  );
});

describe('pruning', () => {
  const lease = (spec: JsonObject): KubeObject => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'l', namespace: 'default', labels: { a: 'b' } },
    spec,
  });
  const prune = (type: ResourceType, obj: KubeObject) =>
    type.schemas?.[versionOf(type)]?.prune(obj);

  it('drops and reports unknown fields, keeping metadata, apiVersion and kind', () => {
    const obj = lease({ holderIdentity: 'a', foo: 1, bar: { x: 1 } });
    obj.extra = true;
    (obj.metadata as Record<string, unknown>).bogus = 'kept for the REST layer';
    expect(prune(leases, obj)).toEqual(['extra', 'spec.bar', 'spec.foo']);
    expect(obj).toEqual({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: 'l',
        namespace: 'default',
        labels: { a: 'b' },
        bogus: 'kept for the REST layer',
      },
      spec: { holderIdentity: 'a' },
    });
  });

  it('reports unknown fields inside lists and nested objects', () => {
    const role: KubeObject = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'r' },
      rules: [{ verbs: ['get'], resources: ['pods'], typo: 1 }],
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: 'b' }, matchLabel: {} }] },
    };
    expect(prune(clusterRoles, role)).toEqual([
      'aggregationRule.clusterRoleSelectors[0].matchLabel',
      'rules[0].typo',
    ]);
  });

  it('keeps Secret stringData for the strategy to fold into data, and drops null fields', () => {
    const secret: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', namespace: 'default' },
      data: null,
      stringData: { token: 'abc' },
      type: null,
    };
    expect(prune(secrets, secret)).toEqual([]);
    expect(secret).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', namespace: 'default' },
      stringData: { token: 'abc' },
    });
  });

  it('turns null map values and list items into zero values, as a typed decode does', () => {
    const cm: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'default' },
      data: { a: null, b: 'x' },
    };
    const role: KubeObject = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'r', namespace: 'default' },
      rules: [{ verbs: ['get', null] }, null],
    };
    expect(prune(configMaps, cm)).toEqual([]);
    expect(cm.data).toEqual({ a: '', b: 'x' });
    expect(prune(roles, role)).toEqual([]);
    expect(role.rules).toEqual([{ verbs: ['get', ''] }, {}]);
  });

  it('leaves an embedded CRD schema as sent, and values of the wrong type alone', () => {
    const crd = structuredClone(
      samples.find(([t]) => t === customResourceDefinitions)?.[1] as KubeObject,
    );
    const versions = (crd.spec as JsonObject).versions as JsonObject[];
    const schema = (versions[0] as JsonObject).schema as JsonObject;
    const openAPIV3Schema = schema.openAPIV3Schema as JsonObject;
    openAPIV3Schema['x-kubernetes-anything'] = 'kept';
    expect(prune(customResourceDefinitions, crd)).toEqual([]);
    expect(openAPIV3Schema['x-kubernetes-anything']).toBe('kept');

    const wrong = lease({ holderIdentity: { nested: true } });
    expect(prune(leases, wrong)).toEqual([]);
    expect(wrong.spec).toEqual({ holderIdentity: { nested: true } });
  });
});

describe('type errors', () => {
  const validate = (type: ResourceType, obj: Omit<KubeObject, 'apiVersion' | 'kind'>) =>
    type.strategy.validate(obj as KubeObject, ctx).map(fieldErrorMessage);
  /** What the typed decode refuses (the REST layer answers it before any strategy runs). */
  const decode = (type: ResourceType, obj: Omit<KubeObject, 'apiVersion' | 'kind'>) =>
    (type.typedDecode?.(obj as KubeObject, type.storageVersion) ?? []).map(fieldErrorMessage);

  it('decoding refuses a field of the wrong type, at upstream field paths', () => {
    expect(
      decode(namespaces, {
        metadata: { name: 'ns' },
        status: { phase: 5, conditions: [{ type: 'Ready', status: true }] },
      }),
    ).toEqual([
      'status.phase: Invalid value: 5: must be a string',
      'status.conditions[0].status: Invalid value: true: must be a string',
    ]);
    expect(
      decode(configMaps, { metadata: { name: 'c', namespace: 'd' }, binaryData: { k: '%%' } }),
    ).toEqual(['binaryData[k]: Invalid value: "<binary>": must be base64 encoded']);
  });

  it('leaves fields the strategy reports to the strategy (no duplicates)', () => {
    expect(
      validate(configMaps, { metadata: { name: 'c', namespace: 'd' }, data: { k: 1 } }),
    ).toEqual(['data[k]: Invalid value: 1: must be a string']);
    expect(validate(leases, { metadata: { name: 'l', namespace: 'd' }, spec: 'x' })).toEqual([
      'spec: Invalid value: "x": must be an object',
    ]);
  });

  it("keeps the strategy's own verdict on a value", () => {
    expect(
      validate(secrets, {
        metadata: { name: 's', namespace: 'd' },
        type: 'Opaque',
        data: { k: 'not base64!' },
      }),
    ).toEqual([
      'data[k]: Invalid value: "<secret contents redacted>": must be a base64 encoded string',
    ]);
  });

  it('decoding refuses what a strategy would trip over, before it runs', () => {
    expect(
      decode(customResourceDefinitions, {
        metadata: { name: 'widgets.example.com' },
        spec: {
          group: 'example.com',
          names: { plural: 'widgets', kind: 'Widget' },
          scope: 'Namespaced',
          versions: 'v1',
        },
      }),
    ).toEqual(['spec.versions: Invalid value: "v1": must be an array']);
  });

  it('decoding refuses a list that is not a list even where the strategy ignores it', () => {
    expect(
      decode(namespaces, { metadata: { name: 'ns' }, spec: { finalizers: 'kubernetes' } }),
    ).toEqual(['spec.finalizers: Invalid value: "kubernetes": must be an array']);
  });

  it('decoding checks int32 ranges and timestamps, and accepts null anywhere', () => {
    expect(
      decode(leases, {
        metadata: { name: 'l', namespace: 'd' },
        spec: { leaseTransitions: 2 ** 31, holderIdentity: null, acquireTime: null },
      }),
    ).toEqual(['spec.leaseTransitions: Invalid value: 2147483648: must be a 32-bit integer']);
    expect(
      decode(namespaces, {
        metadata: { name: 'ns' },
        status: { conditions: [{ type: 'X', status: 'True', lastTransitionTime: 'yesterday' }] },
      }),
    ).toEqual([
      'status.conditions[0].lastTransitionTime: Invalid value: "yesterday": must be a timestamp in RFC 3339 format (e.g. 2006-01-02T15:04:05Z)',
    ]);
  });
});

describe('patch annotations match upstream', () => {
  const listType = (t: ResourceType, p: string) => node(t, p)['x-kubernetes-list-type'];

  it('RBAC: rules, subjects and selectors are atomic lists; refs and subjects atomic maps', () => {
    for (const t of [roles, clusterRoles]) expect(listType(t, 'rules')).toBe('atomic');
    for (const f of ['verbs', 'apiGroups', 'resources', 'resourceNames', 'nonResourceURLs'])
      expect(listType(roles, `rules.items.${f}`)).toBe('atomic');
    for (const t of [roleBindings, clusterRoleBindings]) {
      expect(listType(t, 'subjects')).toBe('atomic');
      expect(node(t, 'subjects')['x-kubernetes-patch-strategy']).toBeUndefined();
      expect(node(t, 'subjects.items')['x-kubernetes-map-type']).toBe('atomic');
      expect(node(t, 'roleRef')['x-kubernetes-map-type']).toBe('atomic');
      expect(rawOf(t).required).toEqual(['roleRef']);
    }
    expect(listType(clusterRoles, 'aggregationRule.clusterRoleSelectors')).toBe('atomic');
    const selector = node(clusterRoles, 'aggregationRule.clusterRoleSelectors.items');
    expect(selector['x-kubernetes-map-type']).toBe('atomic');
    expect(
      listType(clusterRoles, 'aggregationRule.clusterRoleSelectors.items.matchExpressions'),
    ).toBe('atomic');
  });

  it('core: namespace finalizers atomic, conditions merged by type; service account secrets by name', () => {
    expect(listType(namespaces, 'spec.finalizers')).toBe('atomic');
    expect(node(namespaces, 'status.conditions')).toMatchObject({
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
      'x-kubernetes-patch-strategy': 'merge',
      'x-kubernetes-patch-merge-key': 'type',
    });
    expect(node(serviceAccounts, 'secrets')).toMatchObject({
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      'x-kubernetes-patch-strategy': 'merge',
      'x-kubernetes-patch-merge-key': 'name',
    });
    expect(listType(serviceAccounts, 'imagePullSecrets')).toBe('atomic');
    expect(node(serviceAccounts, 'imagePullSecrets.items')['x-kubernetes-map-type']).toBe('atomic');
    expect(node(events, 'involvedObject')['x-kubernetes-map-type']).toBe('atomic');
    expect(node(eventsV1, 'regarding')['x-kubernetes-map-type']).toBe('atomic');
  });

  it('core: data formats and times', () => {
    expect(node(secrets, 'data').additionalProperties).toEqual({ type: 'string', format: 'byte' });
    expect(node(configMaps, 'binaryData').additionalProperties).toEqual({
      type: 'string',
      format: 'byte',
    });
    expect(node(configMaps, 'data').additionalProperties).toEqual({ type: 'string' });
    expect(node(secrets, 'stringData').additionalProperties).toEqual({ type: 'string' });
    expect(node(events, 'eventTime')).toMatchObject({ type: 'string', format: 'date-time' });
    expect(node(leases, 'spec.leaseDurationSeconds')).toMatchObject({
      type: 'integer',
      format: 'int32',
    });
  });

  it('CRDs: versions atomic, conditions a map by type, the embedded schema preserved', () => {
    expect(listType(customResourceDefinitions, 'spec.versions')).toBe('atomic');
    expect(node(customResourceDefinitions, 'status.conditions')).toMatchObject({
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    });
    expect(
      node(customResourceDefinitions, 'status.conditions')['x-kubernetes-patch-strategy'],
    ).toBeUndefined();
    expect(
      node(customResourceDefinitions, 'spec.versions.items.schema.openAPIV3Schema'),
    ).toMatchObject({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
    expect(listType(customResourceDefinitions, 'status.storedVersions')).toBe('atomic');
  });
});
