/**
 * Structural schemas of CRD versions (and APIResourceSchema versions) as the REST
 * machinery uses them. Compilation is shared: equal schemas in many workspaces compile once.
 */

import type { CustomResourceDefinitionVersion } from '../../api/apiextensions/types.ts';
import { FieldPath } from '../../apimachinery/field-errors.ts';
import type { KubeObject } from '../../apimachinery/meta.ts';
import { type CompiledSchema, compileSchema } from '../../apimachinery/schema/index.ts';
import { validateAnnotations, validateLabels } from '../../apimachinery/validation/object-meta.ts';
import type { ObjectSchema } from './resource-type.ts';

const adapted = new WeakMap<CompiledSchema, ObjectSchema>();

/** Labels and annotations of embedded resources follow the ObjectMeta rules. */
function validateEmbeddedMeta(metadata: Record<string, unknown>, path: string) {
  const at = FieldPath.root(path);
  return [
    ...validateLabels(metadata.labels as Record<string, string> | undefined, at.child('labels')),
    ...validateAnnotations(
      metadata.annotations as Record<string, string> | undefined,
      at.child('annotations'),
    ),
  ];
}

export function objectSchema(compiled: CompiledSchema): ObjectSchema {
  let schema = adapted.get(compiled);
  if (!schema) {
    schema = {
      raw: compiled.raw,
      validate: (obj: KubeObject, old: KubeObject | undefined) =>
        compiled.validate(obj, old, { validateObjectMeta: validateEmbeddedMeta }),
      applyDefaults: (obj: KubeObject) => compiled.applyDefaults(obj),
      prune: (obj: KubeObject) => compiled.prune(obj),
    };
    adapted.set(compiled, schema);
  }
  return schema;
}

/** The compiled schema of a version, or undefined when it declares none. */
export function versionSchema(version: CustomResourceDefinitionVersion): ObjectSchema | undefined {
  const raw = version.schema?.openAPIV3Schema;
  return raw ? objectSchema(compileSchema(raw)) : undefined;
}
