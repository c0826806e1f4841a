/**
 * The CEL type a schema node has inside x-kubernetes-validations rules, following
 * apiextensions' SchemaDeclType: integers are `int`, numbers `double`, strings with format
 * byte/duration/date/date-time are bytes/duration/timestamp, int-or-string is `dyn`, objects
 * with properties are object types with (escaped) fields, additionalProperties maps are
 * `map<string, T>`. Resource roots and embedded resources always expose apiVersion, kind and
 * metadata.name/generateName. Nodes without a usable type have no CEL type (undefined).
 */
import type { JSONSchemaProps } from '../types.ts';
import { additionalPropertiesOf, isEmbeddedResource, isIntOrString, itemsOf } from '../types.ts';

export type ScalarKind =
  | 'int'
  | 'double'
  | 'string'
  | 'bool'
  | 'bytes'
  | 'duration'
  | 'timestamp'
  | 'dyn';

export type CelType =
  | { readonly kind: ScalarKind }
  | { readonly kind: 'list'; readonly elem: CelType }
  | { readonly kind: 'map'; readonly value: CelType }
  | { readonly kind: 'object'; readonly fields: readonly CelField[] };

export interface CelField {
  /** The escaped CEL identifier. */
  readonly name: string;
  /** The JSON property name. */
  readonly json: string;
  readonly type: CelType;
}

const RESERVED = new Set([
  'true',
  'false',
  'null',
  'in',
  'as',
  'break',
  'const',
  'continue',
  'else',
  'for',
  'function',
  'if',
  'import',
  'let',
  'loop',
  'package',
  'namespace',
  'return',
  'var',
  'void',
  'while',
]);

/**
 * The CEL identifier a property is reachable under, or undefined when it cannot be
 * expressed: `__` → `__underscores__`, `.` → `__dot__`, `-` → `__dash__`, `/` → `__slash__`,
 * reserved words → `__word__`.
 */
export function escapeFieldName(name: string): string | undefined {
  if (name === '' || /^[0-9]/.test(name)) return undefined;
  if (RESERVED.has(name)) return `__${name}__`;
  if (!/^[a-zA-Z_.\-/][a-zA-Z0-9_.\-/]*$/.test(name)) return undefined;
  return name.replace(/__|[-./]/g, (m) => {
    switch (m) {
      case '__':
        return '__underscores__';
      case '.':
        return '__dot__';
      case '-':
        return '__dash__';
      default:
        return '__slash__';
    }
  });
}

const STRING: JSONSchemaProps = { type: 'string' };

/** The schema as rules at a resource root see it: apiVersion, kind and metadata name fields. */
export function withTypeAndObjectMeta(s: JSONSchemaProps): JSONSchemaProps {
  const p = s.properties ?? {};
  const meta = p.metadata;
  if (
    p.kind?.type === 'string' &&
    p.apiVersion?.type === 'string' &&
    meta?.type === 'object' &&
    meta.properties?.name?.type === 'string' &&
    meta.properties.generateName?.type === 'string'
  ) {
    return s;
  }
  return {
    ...s,
    properties: {
      ...p,
      kind: STRING,
      apiVersion: STRING,
      metadata: { type: 'object', properties: { name: STRING, generateName: STRING } },
    },
  };
}

export function celTypeOf(s: JSONSchemaProps, isResourceRoot: boolean): CelType | undefined {
  if (isIntOrString(s)) return { kind: 'dyn' };
  const node = isResourceRoot ? withTypeAndObjectMeta(s) : s;
  switch (node.type) {
    case 'array': {
      const items = itemsOf(node);
      const elem = items && celTypeOf(items, isEmbeddedResource(items));
      return elem && { kind: 'list', elem };
    }
    case 'object': {
      const additional = additionalPropertiesOf(node);
      if (additional !== undefined) {
        const value = celTypeOf(additional, isEmbeddedResource(additional));
        return value && { kind: 'map', value };
      }
      const fields: CelField[] = [];
      for (const [json, prop] of Object.entries(node.properties ?? {})) {
        const name = escapeFieldName(json);
        const type = celTypeOf(prop, isEmbeddedResource(prop));
        if (name !== undefined && type !== undefined) fields.push({ name, json, type });
      }
      return { kind: 'object', fields };
    }
    case 'string':
      switch (node.format) {
        case 'byte':
          return { kind: 'bytes' };
        case 'duration':
          return { kind: 'duration' };
        case 'date':
        case 'date-time':
          return { kind: 'timestamp' };
        default:
          return { kind: 'string' };
      }
    case 'boolean':
      return { kind: 'bool' };
    case 'number':
      return { kind: 'double' };
    case 'integer':
      return { kind: 'int' };
    default:
      return undefined;
  }
}

/** A stable identity for a type, used to share environments between equal node types. */
export function typeSignature(t: CelType): string {
  switch (t.kind) {
    case 'list':
      return `list<${typeSignature(t.elem)}>`;
    case 'map':
      return `map<${typeSignature(t.value)}>`;
    case 'object':
      return `{${t.fields.map((f) => `${JSON.stringify(f.json)}:${typeSignature(f.type)}`).join(',')}}`;
    default:
      return t.kind;
  }
}
