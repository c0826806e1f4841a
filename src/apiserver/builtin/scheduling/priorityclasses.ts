/**
 * PriorityClasses (scheduling.k8s.io/v1, cluster-scoped): named pod priorities. Upstream's
 * default (PreemptLowerPriority) and validation (a value, no `system-` names, value and
 * policy immutable) and kubectl's VALUE / GLOBAL-DEFAULT / PREEMPTIONPOLICY table.
 */
import {
  type ErrorList,
  FieldPath,
  forbidden,
  invalid,
  validateOneOf,
} from '../../../apimachinery/field-errors.ts';
import type { KubeObject } from '../../../apimachinery/meta.ts';
import { type BuiltinSchema, boolean, integer, string } from '../../../apimachinery/schema/dsl.ts';
import { AGE_COLUMN, column, NAME_COLUMN } from '../../../apimachinery/table.ts';
import { age } from '../age.ts';
import { builtin } from '../define.ts';

const HIGHEST_USER_PRIORITY = 1_000_000_000;

export const priorityClassSchema: BuiltinSchema = {
  type: 'object',
  description: 'A name for a pod priority.',
  required: ['value'],
  properties: {
    value: integer('The priority; higher is scheduled first and may preempt lower.', {
      format: 'int32',
    }),
    globalDefault: boolean('Whether pods without a class get this one.'),
    description: string('What the class is for.'),
    preemptionPolicy: string('PreemptLowerPriority (the default) or Never.'),
  },
};

function validate(obj: KubeObject): ErrorList {
  const errs: ErrorList = [];
  const name = obj.metadata.name ?? '';
  if (
    name.startsWith('system-') &&
    !['system-cluster-critical', 'system-node-critical'].includes(name)
  ) {
    errs.push(
      forbidden(
        FieldPath.root('metadata', 'name'),
        "priority class names with 'system-' prefix are reserved for system use only",
      ),
    );
  }
  if (typeof obj.value !== 'number')
    errs.push(invalid(FieldPath.root('value'), obj.value ?? null, 'must be specified'));
  else if (obj.value > HIGHEST_USER_PRIORITY && !name.startsWith('system-')) {
    errs.push(
      forbidden(
        FieldPath.root('value'),
        `maximum allowed value of a user defined priority is ${HIGHEST_USER_PRIORITY}`,
      ),
    );
  }
  errs.push(
    ...validateOneOf(FieldPath.root('preemptionPolicy'), obj.preemptionPolicy, [
      'Never',
      'PreemptLowerPriority',
    ]),
  );
  return errs;
}

export const priorityClasses = builtin({
  group: 'scheduling.k8s.io',
  version: 'v1',
  plural: 'priorityclasses',
  singular: 'priorityclass',
  kind: 'PriorityClass',
  namespaced: false,
  shortNames: ['pc'],
  schema: priorityClassSchema,
  definitionName: 'io.k8s.api.scheduling.v1.PriorityClass',
  strategy: {
    prepareForCreate: (obj) => {
      obj.preemptionPolicy ??= 'PreemptLowerPriority';
    },
    validate,
    validateUpdate: (obj, old) => {
      const errs = validate(obj);
      if (obj.value !== old.value)
        errs.push(forbidden(FieldPath.root('value'), 'may not be changed in an update.'));
      if ((obj.preemptionPolicy ?? 'PreemptLowerPriority') !== old.preemptionPolicy) {
        errs.push(
          invalid(
            FieldPath.root('preemptionPolicy'),
            obj.preemptionPolicy ?? null,
            'field is immutable',
          ),
        );
      }
      return errs;
    },
    allowUnconditionalUpdate: true,
    columns: [
      NAME_COLUMN,
      column('Value', 'integer', 'The priority.'),
      column('Global-Default', 'boolean', 'Whether pods without a class get this one.'),
      AGE_COLUMN,
      column('PreemptionPolicy', 'string', 'Whether its pods preempt lower ones.'),
    ],
    cells: (obj, now) => [
      obj.metadata.name,
      obj.value,
      obj.globalDefault === true,
      age(obj, now),
      obj.preemptionPolicy ?? '',
    ],
  },
});
