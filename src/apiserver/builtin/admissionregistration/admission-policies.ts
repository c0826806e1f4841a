/**
 * ValidatingAdmissionPolicies and their bindings (admissionregistration.k8s.io/v1,
 * cluster-scoped): stored with upstream's defaults (failurePolicy Fail, matchPolicy
 * Equivalent, empty selectors, rule scope *) and validation, every CEL expression compiled
 * on write so a policy that cannot run is refused with the compiler's message. The
 * admission plugin that applies them is `apiserver/admission/validating-admission-policy.ts`.
 */
import type {
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
} from '../../../api/admissionregistration/types.ts';
import {
  duplicate,
  type ErrorList,
  FieldPath,
  forbidden,
  invalid,
  notSupported,
  required,
  validateOneOf,
} from '../../../apimachinery/field-errors.ts';
import { isJsonObject, type JsonObject, type KubeObject } from '../../../apimachinery/meta.ts';
import { compileDynamic } from '../../../apimachinery/schema/cel/dynamic.ts';
import {
  atomicList,
  atomicStrings,
  type BuiltinSchema,
  keyedList,
  labelSelector,
  object,
  string,
} from '../../../apimachinery/schema/dsl.ts';
import { AGE_COLUMN, column, NAME_COLUMN } from '../../../apimachinery/table.ts';
import { age } from '../age.ts';
import { builtin, specChanged } from '../define.ts';

/** What a policy's expressions see (upstream's `authorizer` is not offered). */
export const POLICY_VARIABLES = [
  'object',
  'oldObject',
  'request',
  'params',
  'namespaceObject',
  'variables',
] as const;

const OPERATIONS = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE'] as const;
const REASONS = ['Unauthorized', 'Forbidden', 'Invalid', 'RequestEntityTooLarge'] as const;
const ACTIONS = ['Deny', 'Warn', 'Audit'] as const;

const ruleSchema = (description: string) =>
  atomicList(
    description,
    object('Operations and resources.', {
      operations: atomicStrings('CREATE, UPDATE, DELETE, CONNECT or *.'),
      apiGroups: atomicStrings('API groups; * for all.'),
      apiVersions: atomicStrings('API versions; * for all.'),
      resources: atomicStrings('Resources (and `resource/subresource`); * for all.'),
      resourceNames: atomicStrings('Object names; empty for all.'),
      scope: string('Cluster, Namespaced or * (the default).'),
    }),
  );

function matchResourcesSchema(description: string): BuiltinSchema {
  return object(description, {
    namespaceSelector: labelSelector('Namespaces whose objects the policy is about.'),
    objectSelector: labelSelector('Objects (by their labels) the policy is about.'),
    resourceRules: ruleSchema('The operations and resources the policy is about.'),
    excludeResourceRules: ruleSchema('Operations and resources left out.'),
    matchPolicy: string('Exact or Equivalent (the default).'),
  });
}

const named = (description: string, what: string) =>
  keyedList(
    description,
    object(`One ${what}.`, {
      name: string('Its name.'),
      expression: string('A CEL expression.'),
    }),
    ['name'],
  );

const policySchema = object(
  'CEL rules a write must pass: what they apply to, the rules, and what an error does.',
  {
    spec: object('The policy.', {
      paramKind: object('The kind of the parameter objects (not supported here).', {
        apiVersion: string('Its API version.'),
        kind: string('Its kind.'),
      }),
      matchConstraints: matchResourcesSchema('The requests the policy is about.'),
      validations: atomicList(
        'The rules: each expression must be true.',
        object(
          'One rule.',
          {
            expression: string('A CEL expression that must be true.'),
            message: string('What a failure says.'),
            messageExpression: string('A CEL expression for what a failure says.'),
            reason: string(
              'Unauthorized, Forbidden, Invalid (the default) or RequestEntityTooLarge.',
            ),
          },
          { required: ['expression'] },
        ),
      ),
      failurePolicy: string('Fail (the default) or Ignore when an expression cannot be evaluated.'),
      auditAnnotations: atomicList(
        'Audit annotations (accepted, not recorded here).',
        object('One annotation.', {
          key: string('Its key.'),
          valueExpression: string('A CEL expression for its value.'),
        }),
      ),
      matchConditions: named(
        'CEL conditions that must all hold for the policy to apply.',
        'condition',
      ),
      variables: named('Named CEL values the rules read as `variables.<name>`.', 'variable'),
    }),
  },
);

const bindingSchema = object(
  'Where a ValidatingAdmissionPolicy applies and what its failures do.',
  {
    spec: object('The binding.', {
      policyName: string('The ValidatingAdmissionPolicy this binds.'),
      paramRef: object('The parameter object (not supported here).', {
        name: string('Its name.'),
        namespace: string('Its namespace.'),
        selector: labelSelector('Parameter objects by label.'),
        parameterNotFoundAction: string('Allow or Deny.'),
      }),
      matchResources: matchResourcesSchema('Narrows down the requests the policy is about.'),
      validationActions: atomicStrings('What a failed rule does: Deny, Warn and/or Audit.'),
    }),
  },
);

const asObject = (v: unknown): JsonObject | undefined => (isJsonObject(v) ? v : undefined);
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function defaultMatch(match: JsonObject | undefined): void {
  if (!match) return;
  match.matchPolicy ??= 'Equivalent';
  match.namespaceSelector ??= {};
  match.objectSelector ??= {};
  for (const field of ['resourceRules', 'excludeResourceRules'])
    for (const rule of asList(match[field])) if (isJsonObject(rule)) rule.scope ??= '*';
}

function validateRules(rules: unknown[], path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  rules.forEach((rule, i) => {
    const r = asObject(rule) ?? {};
    const at = path.index(i);
    for (const field of ['operations', 'apiGroups', 'apiVersions', 'resources'] as const) {
      const values = asList(r[field]);
      if (values.length === 0) errs.push(required(at.child(field), ''));
      if (field === 'operations')
        values.forEach((op, k) => {
          if (!(OPERATIONS as readonly unknown[]).includes(op))
            errs.push(notSupported(at.child(field).index(k), op, OPERATIONS));
        });
    }
    errs.push(...validateOneOf(at.child('scope'), r.scope, ['*', 'Cluster', 'Namespaced']));
  });
  return errs;
}

function validateMatch(
  match: JsonObject | undefined,
  path: FieldPath,
  needRules: boolean,
): ErrorList {
  if (!match) return needRules ? [required(path, '')] : [];
  const errs: ErrorList = [];
  const rules = asList(match.resourceRules);
  if (needRules && rules.length === 0) errs.push(required(path.child('resourceRules'), ''));
  errs.push(...validateRules(rules, path.child('resourceRules')));
  errs.push(
    ...validateRules(asList(match.excludeResourceRules), path.child('excludeResourceRules')),
  );
  errs.push(
    ...validateOneOf(path.child('matchPolicy'), match.matchPolicy, ['Equivalent', 'Exact']),
  );
  return errs;
}

/** A compile error of one expression, at its field. */
function compiles(text: unknown, path: FieldPath, want: 'bool' | 'string'): ErrorList {
  if (typeof text !== 'string' || text.trim() === '') return [required(path, '')];
  const compiled = compileDynamic(text, POLICY_VARIABLES, want);
  return compiled.ok ? [] : [invalid(path, text, compiled.error)];
}

function validateNamed(
  list: unknown[],
  path: FieldPath,
  want: 'bool' | 'string' | undefined,
): ErrorList {
  const errs: ErrorList = [];
  const names = new Set<string>();
  list.forEach((item, i) => {
    const n = asObject(item) ?? {};
    const at = path.index(i);
    const name = typeof n.name === 'string' ? n.name : '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      errs.push(invalid(at.child('name'), n.name ?? '', 'must be a valid CEL identifier'));
    else if (names.has(name)) errs.push(duplicate(at.child('name'), name));
    names.add(name);
    errs.push(...compiles(n.expression, at.child('expression'), want ?? 'bool'));
  });
  return errs;
}

export function validatePolicy(obj: KubeObject): ErrorList {
  const spec = asObject((obj as ValidatingAdmissionPolicy).spec) ?? {};
  const path = FieldPath.root('spec');
  const errs: ErrorList = [];
  errs.push(
    ...validateMatch(asObject(spec.matchConstraints), path.child('matchConstraints'), true),
  );
  const validations = asList(spec.validations);
  if (validations.length === 0 && asList(spec.auditAnnotations).length === 0)
    errs.push(
      required(
        path.child('validations'),
        'validations or auditAnnotations must contain at least one item',
      ),
    );
  validations.forEach((v, i) => {
    const rule = asObject(v) ?? {};
    const at = path.child('validations').index(i);
    errs.push(...compiles(rule.expression, at.child('expression'), 'bool'));
    if (rule.messageExpression !== undefined)
      errs.push(...compiles(rule.messageExpression, at.child('messageExpression'), 'string'));
    if (typeof rule.message === 'string' && /[\r\n]/.test(rule.message))
      errs.push(invalid(at.child('message'), rule.message, 'message must not contain line breaks'));
    if (rule.reason !== undefined && !(REASONS as readonly unknown[]).includes(rule.reason))
      errs.push(notSupported(at.child('reason'), rule.reason, REASONS));
  });
  errs.push(...validateOneOf(path.child('failurePolicy'), spec.failurePolicy, ['Fail', 'Ignore']));
  errs.push(...validateNamed(asList(spec.matchConditions), path.child('matchConditions'), 'bool'));
  // A variable may be of any type.
  asList(spec.variables).forEach((v, i) => {
    const variable = asObject(v) ?? {};
    const at = path.child('variables').index(i);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(String(variable.name ?? '')))
      errs.push(invalid(at.child('name'), variable.name ?? '', 'must be a valid CEL identifier'));
    if (typeof variable.expression !== 'string' || !variable.expression.trim())
      errs.push(required(at.child('expression'), ''));
    else {
      const compiled = compileDynamic(variable.expression, POLICY_VARIABLES);
      if (!compiled.ok)
        errs.push(invalid(at.child('expression'), variable.expression, compiled.error));
    }
  });
  return errs;
}

export function validateBinding(obj: KubeObject): ErrorList {
  const spec = asObject((obj as ValidatingAdmissionPolicyBinding).spec) ?? {};
  const path = FieldPath.root('spec');
  const errs: ErrorList = [];
  if (typeof spec.policyName !== 'string' || spec.policyName === '')
    errs.push(required(path.child('policyName'), ''));
  const actions = asList(spec.validationActions);
  if (actions.length === 0) errs.push(required(path.child('validationActions'), ''));
  const seen = new Set<unknown>();
  actions.forEach((a, i) => {
    const at = path.child('validationActions').index(i);
    if (!(ACTIONS as readonly unknown[]).includes(a)) errs.push(notSupported(at, a, ACTIONS));
    else if (seen.has(a)) errs.push(duplicate(at, a));
    seen.add(a);
  });
  if (seen.has('Deny') && seen.has('Warn'))
    errs.push(
      forbidden(
        path.child('validationActions'),
        'may not contain both "Deny" and "Warn": a failure would be both refused and warned about',
      ),
    );
  errs.push(...validateMatch(asObject(spec.matchResources), path.child('matchResources'), false));
  return errs;
}

function defaultPolicy(obj: KubeObject): void {
  const spec = asObject(obj.spec);
  if (!spec) return;
  spec.failurePolicy ??= 'Fail';
  defaultMatch(asObject(spec.matchConstraints));
}

function defaultBinding(obj: KubeObject): void {
  defaultMatch(asObject(asObject(obj.spec)?.matchResources));
}

export const validatingAdmissionPolicies = builtin({
  group: 'admissionregistration.k8s.io',
  version: 'v1',
  plural: 'validatingadmissionpolicies',
  singular: 'validatingadmissionpolicy',
  kind: 'ValidatingAdmissionPolicy',
  namespaced: false,
  categories: ['api-extensions'],
  schema: policySchema,
  definitionName: 'io.k8s.api.admissionregistration.v1.ValidatingAdmissionPolicy',
  strategy: {
    prepareForCreate: defaultPolicy,
    prepareForUpdate: defaultPolicy,
    validate: validatePolicy,
    generationChanged: specChanged,
    allowUnconditionalUpdate: true,
    columns: [
      NAME_COLUMN,
      column('Validations', 'integer', 'How many rules the policy holds.'),
      column('ParamKind', 'string', 'The kind of its parameter objects.'),
      AGE_COLUMN,
    ],
    cells: (obj, now) => {
      const spec = (obj as ValidatingAdmissionPolicy).spec;
      const kind = spec?.paramKind;
      return [
        obj.metadata.name,
        spec?.validations?.length ?? 0,
        kind ? `${kind.apiVersion ?? ''}/${kind.kind ?? ''}` : '<unset>',
        age(obj, now),
      ];
    },
  },
});

export const validatingAdmissionPolicyBindings = builtin({
  group: 'admissionregistration.k8s.io',
  version: 'v1',
  plural: 'validatingadmissionpolicybindings',
  singular: 'validatingadmissionpolicybinding',
  kind: 'ValidatingAdmissionPolicyBinding',
  namespaced: false,
  categories: ['api-extensions'],
  schema: bindingSchema,
  definitionName: 'io.k8s.api.admissionregistration.v1.ValidatingAdmissionPolicyBinding',
  strategy: {
    prepareForCreate: defaultBinding,
    prepareForUpdate: defaultBinding,
    validate: validateBinding,
    generationChanged: specChanged,
    allowUnconditionalUpdate: true,
    columns: [
      NAME_COLUMN,
      column('PolicyName', 'string', 'The policy it binds.'),
      column('ParamRef', 'string', 'Its parameter object.'),
      AGE_COLUMN,
    ],
    cells: (obj, now) => {
      const spec = (obj as ValidatingAdmissionPolicyBinding).spec;
      return [
        obj.metadata.name,
        spec?.policyName ?? '',
        spec?.paramRef?.name ?? '<unset>',
        age(obj, now),
      ];
    },
  },
});
