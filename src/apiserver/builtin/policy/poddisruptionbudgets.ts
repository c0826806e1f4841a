/**
 * PodDisruptionBudgets (policy/v1): how many of a set of pods voluntary disruptions may
 * take down. Validation (minAvailable or maxUnavailable, not both; counts or percentages
 * from 0 to 100%) and kubectl's MIN AVAILABLE / MAX UNAVAILABLE / ALLOWED DISRUPTIONS table.
 * Nothing evicts pods here, so nothing computes the status.
 */
import { type ErrorList, FieldPath, invalid } from '../../../apimachinery/field-errors.ts';
import { type JsonValue, type KubeObject, objectOrEmpty } from '../../../apimachinery/meta.ts';
import {
  type BuiltinSchema,
  intOrString,
  labelSelector,
  object,
  string,
  stringMap,
  time,
} from '../../../apimachinery/schema/dsl.ts';
import { AGE_COLUMN, column, NAME_COLUMN } from '../../../apimachinery/table.ts';
import { age } from '../age.ts';
import { int32, observedGeneration, statusNumber, workloadConditions } from '../apps/workload.ts';
import { builtin, specChanged } from '../define.ts';

const SPEC = FieldPath.root('spec');

export const podDisruptionBudgetSchema: BuiltinSchema = object(
  'A floor on the pods of a set that voluntary disruptions may leave running.',
  {
    spec: object('The budget.', {
      minAvailable: intOrString('Pods that must stay available: a number or a percentage.'),
      selector: labelSelector('The pods the budget covers.'),
      maxUnavailable: intOrString('Pods that may be unavailable: a number or a percentage.'),
      unhealthyPodEvictionPolicy: string('IfHealthyBudget (the default) or AlwaysAllow.'),
    }),
    status: object('The observed state.', {
      observedGeneration,
      disruptedPods: {
        ...stringMap('Pods being evicted, with when.'),
        additionalProperties: time('When.'),
      },
      disruptionsAllowed: int32('Disruptions allowed now.'),
      currentHealthy: int32('Healthy pods.'),
      desiredHealthy: int32('Healthy pods wanted.'),
      expectedPods: int32('Pods the budget covers.'),
      conditions: workloadConditions,
    }),
  },
);

function checkAmount(v: JsonValue | undefined, path: FieldPath): ErrorList {
  if (v === undefined || v === null) return [];
  if (typeof v === 'number') {
    return v < 0 ? [invalid(path, v, 'must be greater than or equal to 0')] : [];
  }
  const m = /^([0-9]+)%$/.exec(String(v));
  if (!m)
    return [
      invalid(
        path,
        v,
        "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
      ),
    ];
  return Number(m[1]) > 100 ? [invalid(path, v, 'must not be greater than 100%')] : [];
}

function validate(obj: KubeObject): ErrorList {
  const spec = objectOrEmpty(obj.spec);
  const errs: ErrorList = [];
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    errs.push(invalid(SPEC, spec, 'minAvailable and maxUnavailable cannot be both set'));
  }
  errs.push(...checkAmount(spec.minAvailable, SPEC.child('minAvailable')));
  errs.push(...checkAmount(spec.maxUnavailable, SPEC.child('maxUnavailable')));
  return errs;
}

const amount = (v: unknown) => (v === undefined || v === null ? 'N/A' : String(v));

export const podDisruptionBudgets = builtin({
  group: 'policy',
  version: 'v1',
  plural: 'poddisruptionbudgets',
  singular: 'poddisruptionbudget',
  kind: 'PodDisruptionBudget',
  namespaced: true,
  shortNames: ['pdb'],
  subresources: { status: true },
  schema: podDisruptionBudgetSchema,
  definitionName: 'io.k8s.api.policy.v1.PodDisruptionBudget',
  strategy: {
    validate,
    generationChanged: specChanged,
    allowUnconditionalUpdate: true,
    columns: [
      NAME_COLUMN,
      column('Min Available', 'string', 'Pods that must stay available.'),
      column('Max Unavailable', 'string', 'Pods that may be unavailable.'),
      column('Allowed Disruptions', 'integer', 'Disruptions allowed now.'),
      AGE_COLUMN,
    ],
    cells: (obj, now) => {
      const spec = objectOrEmpty(obj.spec);
      return [
        obj.metadata.name,
        amount(spec.minAvailable),
        amount(spec.maxUnavailable),
        statusNumber(obj, 'disruptionsAllowed'),
        age(obj, now),
      ];
    },
  },
});
