/**
 * The `fieldPath` of an x-kubernetes-validations rule: a relative path like `.spec.replicas`,
 * `.labels['app.kubernetes.io/name']` or `['a.b'].c`, resolved against the schema node the
 * rule sits on. Resolution yields the path as Kubernetes prints it (`spec.replicas`,
 * `labels[app.kubernetes.io/name]`): named properties become children, entries of
 * additionalProperties maps become keys. Array indexes are not supported, as upstream.
 */
import type { JSONSchemaProps } from '../types.ts';
import { additionalPropertiesOf } from '../types.ts';

export type FieldPathResult = { ok: true; path: string } | { ok: false; reason: string };

export function resolveFieldPath(schema: JSONSchemaProps, fieldPath: string): FieldPathResult {
  let s: JSONSchemaProps | undefined = schema;
  let path = '';
  let i = 0;
  const step = (name: string): string | undefined => {
    if (s === undefined) return 'does not refer to a valid field';
    if (s.properties !== undefined) {
      const next: JSONSchemaProps | undefined = Object.hasOwn(s.properties, name)
        ? s.properties[name]
        : undefined;
      if (next === undefined) return 'does not refer to a valid field';
      path = path ? `${path}.${name}` : name;
      s = next;
      return undefined;
    }
    if (s.additionalProperties !== undefined) {
      path = `${path}[${name}]`;
      s = additionalPropertiesOf(s);
      return undefined;
    }
    return 'does not refer to a valid field';
  };
  while (i < fieldPath.length) {
    const c = fieldPath[i];
    if (c === '.') {
      const m = /^[^.[\]]+/.exec(fieldPath.slice(i + 1));
      if (!m) return { ok: false, reason: 'unexpected end of JSON path' };
      const problem = step(m[0]);
      if (problem) return { ok: false, reason: problem };
      i += 1 + m[0].length;
    } else if (c === '[') {
      const m = /^\[('(?:[^'\\]|\\.)*')\]/.exec(fieldPath.slice(i));
      if (!m)
        return {
          ok: false,
          reason: `expected single quoted string but got ${fieldPath.slice(i + 1)}`,
        };
      const name = (m[1] as string).slice(1, -1).replace(/\\(.)/g, '$1');
      const problem = step(name);
      if (problem) return { ok: false, reason: problem };
      i += m[0].length;
    } else {
      return { ok: false, reason: `expected [ or . but got: ${fieldPath.slice(i)}` };
    }
  }
  return { ok: true, path };
}
