/**
 * RuntimeClasses (node.k8s.io/v1, cluster-scoped): named container runtime configurations
 * pods may ask for. Validation (a DNS-label handler, immutable) and kubectl's HANDLER table.
 */
import {
  type ErrorList,
  FieldPath,
  invalid,
  required,
} from '../../../apimachinery/field-errors.ts';
import type { KubeObject } from '../../../apimachinery/meta.ts';
import {
  type BuiltinSchema,
  object,
  openObject,
  quantityMap,
  string,
} from '../../../apimachinery/schema/dsl.ts';
import { AGE_COLUMN, column, NAME_COLUMN } from '../../../apimachinery/table.ts';
import { isDNS1123Label } from '../../../apimachinery/validation/names.ts';
import { age } from '../age.ts';
import { builtin } from '../define.ts';

export const runtimeClassSchema: BuiltinSchema = {
  type: 'object',
  description: 'A container runtime configuration pods can name.',
  required: ['handler'],
  properties: {
    handler: string('The runtime handler on the nodes, a DNS label.'),
    overhead: object('Resources the runtime uses per pod.', { podFixed: quantityMap('Per pod.') }),
    scheduling: openObject('Nodes that support the runtime.'),
  },
};

function validate(obj: KubeObject): ErrorList {
  const handler = obj.handler;
  const path = FieldPath.root('handler');
  if (typeof handler !== 'string' || handler === '') return [required(path, '')];
  return isDNS1123Label(handler).map((m) => invalid(path, handler, m));
}

export const runtimeClasses = builtin({
  group: 'node.k8s.io',
  version: 'v1',
  plural: 'runtimeclasses',
  singular: 'runtimeclass',
  kind: 'RuntimeClass',
  namespaced: false,
  schema: runtimeClassSchema,
  definitionName: 'io.k8s.api.node.v1.RuntimeClass',
  strategy: {
    validate,
    validateUpdate: (obj, old) => {
      const errs = validate(obj);
      if (obj.handler !== old.handler)
        errs.push(invalid(FieldPath.root('handler'), obj.handler ?? null, 'field is immutable'));
      return errs;
    },
    allowUnconditionalUpdate: true,
    columns: [NAME_COLUMN, column('Handler', 'string', 'The runtime handler.'), AGE_COLUMN],
    cells: (obj, now) => [obj.metadata.name, obj.handler, age(obj, now)],
  },
});
