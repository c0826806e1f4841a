/**
 * A compact way for built-in resources to declare their ResourceType.
 *
 * With a `schema` (the kind's own fields, see `*.schema.ts`), the type also gets:
 * - strategic merge patch, which takes list merge keys from the schema;
 * - `openapi`: the schema with apiVersion, kind and metadata, and the upstream definition
 *   name, for `/openapi/v2` and `/openapi/v3` (the document builder puts the ObjectMeta
 *   reference in place of `metadata`);
 * - `schemas[version]`: what the REST layer prunes with on every write, the way a typed
 *   decode drops unknown fields (reported for strict field validation) and turns `null`
 *   into Go's zero values. Built-ins get no schema defaulting (their defaults are in the
 *   strategy) and no schema validation there;
 * - `typedDecode`: values of the wrong JSON type (and int32s out of range, unparsable
 *   timestamps, bytes that are not base64), which upstream's typed decode refuses, as field
 *   errors at upstream's paths (`data[key]`, `rules[0].verbs[1]`); the REST layer refuses
 *   them (400 for a body, 422 for a patch's result) before admission or the strategy.
 */
import type { JsonValue, KubeObject } from '../../apimachinery/meta.ts';
import { asJson, isJsonObject } from '../../apimachinery/meta.ts';
import { typedDecodeErrors } from '../../apimachinery/schema/typed-decode.ts';
import type { JSONSchemaProps } from '../../apimachinery/schema/types.ts';
import { additionalPropertiesOf, itemsOf, schemaAsJson } from '../../apimachinery/schema/types.ts';
import type {
  ObjectSchema,
  ResourceType,
  Strategy,
  Subresources,
  Verb,
} from '../registry/resource-type.ts';
import { ALL_VERBS, kindNames } from '../registry/resource-type.ts';

export interface BuiltinDefinition {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
  readonly subresources?: Subresources;
  readonly verbs?: readonly Verb[];
  readonly strategy: Strategy;
  /** The structural schema of the kind's own fields (no apiVersion, kind or metadata). */
  readonly schema?: JSONSchemaProps;
  /** Upstream's OpenAPI definition name, e.g. `io.k8s.api.core.v1.ConfigMap`. */
  readonly definitionName?: string;
}

/**
 * The `generationChanged` of a kind whose spec is all its desired state: metadata.generation
 * counts changes to `spec`.
 */
export const specChanged = (obj: KubeObject, old: KubeObject): boolean =>
  JSON.stringify(obj.spec) !== JSON.stringify(old.spec);

export function builtin(def: BuiltinDefinition): ResourceType {
  const type: ResourceType = {
    group: def.group,
    versions: [def.version],
    storageVersion: def.version,
    names: kindNames(def),
    namespaced: def.namespaced,
    verbs: def.verbs ?? ALL_VERBS,
    subresources: def.subresources ?? {},
    strategy: def.strategy,
  };
  if (def.schema === undefined) return type;
  const schema = resourceSchema(def.schema);
  const name = def.definitionName;
  return {
    ...type,
    strategy: def.strategy,
    typedDecode: (obj) => typedDecodeErrors(schema, obj),
    schemas: { [def.version]: builtinObjectSchema(schema) },
    // The schema carries the merge keys strategic merge patches need.
    strategicMergePatch: true,
    openapi: {
      schema: (version) => (version === def.version ? schemaAsJson(schema) : undefined),
      ...(name === undefined ? {} : { definitionName: () => name }),
    },
  };
}

// ---------------------------------------------------------------------------------------
// The whole-object schema

const TYPE_META: Record<string, JSONSchemaProps> = {
  apiVersion: {
    type: 'string',
    description:
      'The group/version of the schema this object is written in; the server converts versions it knows.',
  },
  kind: {
    type: 'string',
    description: 'The kind of object, in CamelCase; the server may infer it from the endpoint.',
  },
};

/**
 * The kind's schema as a resource root: apiVersion and kind strings, and `metadata` as a bare
 * object (a structural root may say nothing else about it; the REST layer validates ObjectMeta
 * and OpenAPI documents reference the ObjectMeta definition in its place).
 */
export function resourceSchema(kind: JSONSchemaProps): JSONSchemaProps {
  return {
    ...kind,
    type: 'object',
    properties: { ...TYPE_META, metadata: { type: 'object' }, ...kind.properties },
  };
}

const ROOT_META = new Set(['apiVersion', 'kind', 'metadata']);

function builtinObjectSchema(schema: JSONSchemaProps): ObjectSchema {
  return {
    raw: schema,
    // Built-ins are validated by their strategy (values of the wrong type never reach it:
    // the REST layer refuses what `typedDecode` finds) and defaulted in code.
    validate: () => [],
    applyDefaults: () => {},
    prune: (obj) => pruneLikeDecode(schema, obj),
  };
}

// ---------------------------------------------------------------------------------------
// Pruning as a typed decode prunes

const appendKey = (path: string, k: string) => (path ? `${path}.${k}` : k);

/**
 * Drops fields the schema does not know (returning their paths, `spec.foo`), drops `null`
 * fields (Go leaves them unset), and turns `null` list items and map values into the zero
 * value of their type. Values of the wrong type are left alone for the decode check.
 */
export function pruneLikeDecode(schema: JSONSchemaProps, obj: KubeObject): string[] {
  const unknown: string[] = [];
  walk(asJson(obj), schema, '', unknown, true);
  return unknown.sort();
}

function zeroValue(s: JSONSchemaProps | undefined): JsonValue | undefined {
  switch (s?.type) {
    case 'string':
      return '';
    case 'integer':
    case 'number':
      return 0;
    case 'boolean':
      return false;
    case 'object':
      return {};
    default:
      return undefined;
  }
}

function walk(
  x: JsonValue,
  s: JSONSchemaProps,
  path: string,
  unknown: string[],
  isRoot = false,
): void {
  if (s['x-kubernetes-preserve-unknown-fields'] === true) return;
  if (Array.isArray(x)) {
    const items = s.type === 'array' ? itemsOf(s) : undefined;
    if (items === undefined) return;
    x.forEach((v, i) => {
      if (v === null) {
        const zero = zeroValue(items);
        if (zero !== undefined) x[i] = zero;
      } else walk(v, items, `${path}[${i}]`, unknown);
    });
    return;
  }
  if (!isJsonObject(x) || s.type !== 'object') return;
  const additional = additionalPropertiesOf(s);
  for (const k of Object.keys(x)) {
    const v = x[k];
    if (v === undefined || (isRoot && ROOT_META.has(k))) continue;
    const prop = s.properties && Object.hasOwn(s.properties, k) ? s.properties[k] : undefined;
    if (prop !== undefined) {
      if (v === null) {
        if (!prop.nullable) delete x[k];
      } else walk(v, prop, appendKey(path, k), unknown);
    } else if (additional !== undefined) {
      if (v === null) {
        const zero = zeroValue(additional);
        if (zero !== undefined) x[k] = zero;
      } else walk(v, additional, appendKey(path, k), unknown);
    } else {
      unknown.push(appendKey(path, k));
      delete x[k];
    }
  }
}
