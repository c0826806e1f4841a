/**
 * ValidatingAdmissionPolicy, one table row per rule: which requests a policy and its
 * bindings take, what a failed rule says and does (deny, warn, audit), what an expression
 * that cannot run does under each failurePolicy, and kcp's scoping (the export's
 * workspace's policies govern its bound resources).
 */
import { describe, expect, it } from 'vitest';
import type {
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
  ValidatingAdmissionPolicySpec,
  ValidationAction,
} from '../../api/admissionregistration/types.ts';
import type { KubeObject } from '../../apimachinery/meta.ts';
import {
  validateBinding,
  validatePolicy,
} from '../builtin/admissionregistration/admission-policies.ts';
import { configMaps } from '../builtin/core/configmaps.ts';
import { namespaces } from '../builtin/core/namespaces.ts';
import type { Operation } from './admission.ts';
import { ALICE, admissionDecision, admissionRequest } from './testing.ts';
import { type BoundPolicy, validatingAdmissionPolicy } from './validating-admission-policy.ts';

const CONFIG_RULE = {
  apiGroups: [''],
  apiVersions: ['v1'],
  operations: ['CREATE', 'UPDATE'],
  resources: ['configmaps'],
};

const policy = (
  spec: ValidatingAdmissionPolicySpec,
  name = 'small',
): ValidatingAdmissionPolicy => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingAdmissionPolicy',
  metadata: { name },
  spec: { failurePolicy: 'Fail', matchConstraints: { resourceRules: [CONFIG_RULE] }, ...spec },
});
const binding = (
  actions: ValidationAction[],
  extra: ValidatingAdmissionPolicyBinding['spec'] = {},
  policyName = 'small',
): ValidatingAdmissionPolicyBinding => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingAdmissionPolicyBinding',
  metadata: { name: `${policyName}-${actions.join('-').toLowerCase()}` },
  spec: { policyName, validationActions: actions, ...extra },
});
const SMALL = {
  validations: [
    {
      expression: 'size(object.data) <= 1',
      messageExpression: "'at most one key, not ' + string(size(object.data))",
    },
  ],
};
const configMap = (
  data: Record<string, string>,
  labels: Record<string, string> = {},
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'settings', namespace: 'team', labels },
  data,
});

interface Case {
  /** Policies by cluster (the request's is `tenant`). */
  policies: Record<string, BoundPolicy[]>;
  /** Clusters whose policies also apply (kcp's export workspace). */
  other?: string[];
  object?: KubeObject;
  operation?: Operation;
  namespaceLabels?: Record<string, string>;
  /** `allowed`, or the code and message of the refusal (a pattern where it quotes an error). */
  want: string | RegExp;
  warnings?: string[];
}

const TWO = { a: '1', b: '2' };

const cases: Record<string, Case> = {
  'a rule that holds admits': {
    policies: { tenant: [{ policy: policy(SMALL), bindings: [binding(['Deny'])] }] },
    object: configMap({ a: '1' }),
    want: 'allowed',
  },
  'Deny refuses with the messageExpression': {
    policies: { tenant: [{ policy: policy(SMALL), bindings: [binding(['Deny'])] }] },
    object: configMap(TWO),
    want: `422 configmaps "settings" is forbidden: ValidatingAdmissionPolicy 'small' with binding 'small-deny' denied request: at most one key, not 2`,
  },
  'Warn admits with a Warning header, as upstream words it': {
    policies: { tenant: [{ policy: policy(SMALL), bindings: [binding(['Warn', 'Audit'])] }] },
    object: configMap(TWO),
    want: 'allowed',
    warnings: [
      "Validation failed for ValidatingAdmissionPolicy 'small' with binding 'small-warn-audit': at most one key, not 2",
    ],
  },
  'Audit alone says nothing to the client': {
    policies: { tenant: [{ policy: policy(SMALL), bindings: [binding(['Audit'])] }] },
    object: configMap(TWO),
    want: 'allowed',
    warnings: [],
  },
  'a policy without a binding does nothing': {
    policies: { tenant: [{ policy: policy(SMALL), bindings: [] }] },
    object: configMap(TWO),
    want: 'allowed',
  },
  'without a message, the expression is named; the reason sets the code': {
    policies: {
      tenant: [
        {
          policy: policy({
            validations: [{ expression: '!has(object.data.b)', reason: 'Forbidden' }],
          }),
          bindings: [binding(['Deny'])],
        },
      ],
    },
    object: configMap(TWO),
    want: `403 configmaps "settings" is forbidden: ValidatingAdmissionPolicy 'small' with binding 'small-deny' denied request: failed expression: !has(object.data.b)`,
  },
  'another operation is not the policy’s': {
    policies: { tenant: [{ policy: policy(SMALL), bindings: [binding(['Deny'])] }] },
    object: configMap(TWO),
    operation: 'DELETE',
    want: 'allowed',
  },
  'another resource is not the policy’s': {
    policies: {
      tenant: [
        {
          policy: policy({
            ...SMALL,
            matchConstraints: { resourceRules: [{ ...CONFIG_RULE, resources: ['secrets'] }] },
          }),
          bindings: [binding(['Deny'])],
        },
      ],
    },
    object: configMap(TWO),
    want: 'allowed',
  },
  'excluded resources are left alone': {
    policies: {
      tenant: [
        {
          policy: policy({
            ...SMALL,
            matchConstraints: {
              resourceRules: [CONFIG_RULE],
              excludeResourceRules: [{ ...CONFIG_RULE, resourceNames: ['settings'] }],
            },
          }),
          bindings: [binding(['Deny'])],
        },
      ],
    },
    object: configMap(TWO),
    want: 'allowed',
  },
  'a binding’s object selector narrows it': {
    policies: {
      tenant: [
        {
          policy: policy(SMALL),
          bindings: [
            binding(['Deny'], {
              matchResources: { objectSelector: { matchLabels: { strict: 'yes' } } },
            }),
          ],
        },
      ],
    },
    object: configMap(TWO),
    want: 'allowed',
  },
  'a namespace selector reads the namespace’s labels': {
    policies: {
      tenant: [
        {
          policy: policy({
            ...SMALL,
            matchConstraints: {
              resourceRules: [CONFIG_RULE],
              namespaceSelector: { matchLabels: { tier: 'prod' } },
            },
          }),
          bindings: [binding(['Deny'])],
        },
      ],
    },
    object: configMap(TWO),
    namespaceLabels: { tier: 'prod' },
    want: `422 configmaps "settings" is forbidden: ValidatingAdmissionPolicy 'small' with binding 'small-deny' denied request: at most one key, not 2`,
  },
  'a false match condition skips the policy': {
    policies: {
      tenant: [
        {
          policy: policy({
            ...SMALL,
            matchConditions: [
              { name: 'labelled', expression: "'check' in object.metadata.labels" },
            ],
          }),
          bindings: [binding(['Deny'])],
        },
      ],
    },
    object: configMap(TWO),
    want: 'allowed',
  },
  'variables are read by name': {
    policies: {
      tenant: [
        {
          policy: policy({
            variables: [{ name: 'keys', expression: 'size(object.data)' }],
            validations: [{ expression: 'variables.keys < 2', message: 'too many keys' }],
          }),
          bindings: [binding(['Deny'])],
        },
      ],
    },
    object: configMap(TWO),
    want: `422 configmaps "settings" is forbidden: ValidatingAdmissionPolicy 'small' with binding 'small-deny' denied request: too many keys`,
  },
  'an error under failurePolicy Fail fails the write': {
    policies: {
      tenant: [
        {
          policy: policy({ validations: [{ expression: 'object.data.missing == "x"' }] }),
          bindings: [binding(['Deny'])],
        },
      ],
    },
    object: configMap(TWO),
    want: /^422 .*denied request: expression 'object.data.missing == "x"' resulted in error: /,
  },
  'an error under failurePolicy Ignore is skipped': {
    policies: {
      tenant: [
        {
          policy: policy({
            failurePolicy: 'Ignore',
            validations: [{ expression: 'object.data.missing == "x"' }],
          }),
          bindings: [binding(['Deny'])],
        },
      ],
    },
    object: configMap(TWO),
    want: 'allowed',
  },
  'parameter objects are refused as an error, not ignored': {
    policies: {
      tenant: [
        { policy: policy(SMALL), bindings: [binding(['Deny'], { paramRef: { name: 'limits' } })] },
      ],
    },
    object: configMap({ a: '1' }),
    want: `422 configmaps "settings" is forbidden: ValidatingAdmissionPolicy 'small' with binding 'small-deny' denied request: parameter objects (paramKind, paramRef) are not supported by this server`,
  },
  'kcp: the export workspace’s policy governs its bound resource': {
    policies: { provider: [{ policy: policy(SMALL), bindings: [binding(['Warn'])] }] },
    other: ['provider'],
    object: configMap(TWO),
    want: 'allowed',
    warnings: [
      "Validation failed for ValidatingAdmissionPolicy 'small' with binding 'small-warn': at most one key, not 2",
    ],
  },
  'another workspace’s policy governs nothing here': {
    policies: { elsewhere: [{ policy: policy(SMALL), bindings: [binding(['Deny'])] }] },
    object: configMap(TWO),
    want: 'allowed',
  },
};

describe('ValidatingAdmissionPolicy admission', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(name, async () => {
      const plugin = validatingAdmissionPolicy({
        policies: (cluster) => c.policies[cluster] ?? [],
        otherClusters: () => c.other ?? [],
        namespaceLabels: async () => c.namespaceLabels ?? {},
      });
      const operation = c.operation ?? 'CREATE';
      const request = admissionRequest({
        type: configMaps,
        operation,
        user: ALICE,
        cluster: 'tenant',
        namespace: 'team',
        ...(operation === 'DELETE' ? { oldObject: c.object } : { object: c.object }),
      });
      const decision = await admissionDecision(plugin, request);
      if (typeof c.want === 'string') expect(decision).toBe(c.want);
      else expect(decision).toMatch(c.want);
      if (c.warnings) expect(request.warnings).toEqual(c.warnings);
    });
  }

  it('a Namespace is selected by its own labels', async () => {
    const plugin = validatingAdmissionPolicy({
      policies: () => [
        {
          policy: policy({
            matchConstraints: {
              resourceRules: [{ ...CONFIG_RULE, resources: ['namespaces'] }],
              namespaceSelector: { matchLabels: { tier: 'prod' } },
            },
            validations: [{ expression: 'false', message: 'no prod namespaces' }],
          }),
          bindings: [binding(['Deny'])],
        },
      ],
      namespaceLabels: async () => undefined,
    });
    const ns = (labels: Record<string, string>) =>
      admissionRequest({
        type: namespaces,
        operation: 'CREATE',
        user: ALICE,
        object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n', labels } },
      });
    expect(await admissionDecision(plugin, ns({ tier: 'dev' }))).toBe('allowed');
    expect(await admissionDecision(plugin, ns({ tier: 'prod' }))).toMatch(
      /denied request: no prod namespaces$/,
    );
  });
});

describe('the CEL budget of a request', () => {
  it('is shared by all its policies, so many of them cannot hold the server longer', async () => {
    const heavy = (name: string) => ({
      policy: policy(
        {
          validations: [
            { expression: '[1, 2, 3, 4, 5, 6, 7, 8].all(x, [1, 2, 3, 4].all(y, x + y > 0))' },
          ],
        },
        name,
      ),
      bindings: [binding(['Deny'], {}, name)],
    });
    const cheap = {
      policy: policy({ validations: [{ expression: "object.data.a == '1'" }] }, 'cheap'),
      bindings: [binding(['Deny'], {}, 'cheap')],
    };
    const plugin = (policies: BoundPolicy[]) =>
      validatingAdmissionPolicy({
        policies: () => policies,
        namespaceLabels: async () => ({}),
        // One heavy rule takes about 300 steps: one fits, two do not.
        costLimits: { perCall: 1_000, perObject: 500, timeMs: 60_000 },
      });
    const request = () =>
      admissionRequest({
        type: configMaps,
        operation: 'CREATE',
        user: ALICE,
        cluster: 'tenant',
        namespace: 'team',
        object: configMap({ a: '1' }),
      });
    // Alone, each passes within the budget; together the last one finds it spent.
    expect(await admissionDecision(plugin([heavy('one')]), request())).toBe('allowed');
    expect(await admissionDecision(plugin([cheap]), request())).toBe('allowed');
    expect(await admissionDecision(plugin([heavy('one'), heavy('two'), cheap]), request())).toMatch(
      /^422 .*ValidatingAdmissionPolicy 'two' with binding 'two-deny' denied request: expression '.*' resulted in error: operation cancelled: actual cost limit exceeded$/,
    );
  });
});

describe('ValidatingAdmissionPolicy objects', () => {
  it('compile their expressions on write and say where one fails', () => {
    expect(validatePolicy(policy(SMALL))).toEqual([]);
    expect(
      validatePolicy(
        policy({ validations: [{ expression: 'object.data.(' }, { expression: "'text'" }] }),
      ).map((e) => [e.field, e.detail.split('\n')[0]]),
    ).toEqual([
      [
        'spec.validations[0].expression',
        expect.stringMatching(/^compilation failed: ERROR: <input>:1:/),
      ],
      ['spec.validations[1].expression', 'must evaluate to bool, not string'],
    ]);
    expect(
      validatePolicy({ metadata: { name: 'empty' }, spec: {} }).map((e) => `${e.field}: ${e.type}`),
    ).toEqual([
      'spec.matchConstraints: FieldValueRequired',
      'spec.validations: FieldValueRequired',
    ]);
  });

  it('bindings need a policy and actions, and may not both deny and warn', () => {
    expect(validateBinding(binding(['Warn']))).toEqual([]);
    expect(validateBinding(binding(['Deny', 'Warn'])).map((e) => e.detail)).toEqual([
      'may not contain both "Deny" and "Warn": a failure would be both refused and warned about',
    ]);
    expect(
      validateBinding({
        metadata: { name: 'b' },
        spec: { validationActions: ['Block' as ValidationAction] },
      }).map((e) => `${e.field}: ${e.type}`),
    ).toEqual([
      'spec.policyName: FieldValueRequired',
      'spec.validationActions[0]: FieldValueNotSupported',
    ]);
  });
});
