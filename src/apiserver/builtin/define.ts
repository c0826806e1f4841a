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
 * - a decode check merged into the strategy's validation: values of the wrong JSON type (and
 *   int32s out of range, unparsable timestamps, bytes that are not base64), which upstream's
 *   typed decode refuses, become field errors at upstream's field paths (`data[key]`,
 *   `rules[0].verbs[1]`) with the messages the strategies use (`must be a string`). The
 *   strategy's own verdict on a value wins over the schema's.
 */
import type { ErrorList, FieldError } from '../../apimachinery/field-errors.ts';
import { FieldPath, invalid, typeInvalid } from '../../apimachinery/field-errors.ts';
import type { JsonValue, KubeObject } from '../../apimachinery/meta.ts';
import { asJson, isJsonObject } from '../../apimachinery/meta.ts';
import { stringFormatCheck } from '../../apimachinery/schema/formats.ts';
import type { JSONSchemaProps } from '../../apimachinery/schema/types.ts';
import { additionalPropertiesOf, itemsOf, schemaAsJson } from '../../apimachinery/schema/types.ts';
import type {
  ObjectSchema,
  ResourceType,
  Strategy,
  Subresources,
  Verb,
} from '../registry/resource-type.ts';
import { ALL_VERBS } from '../registry/resource-type.ts';

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

export function builtin(def: BuiltinDefinition): ResourceType {
  const type: ResourceType = {
    group: def.group,
    versions: [def.version],
    storageVersion: def.version,
    names: {
      plural: def.plural,
      singular: def.singular,
      kind: def.kind,
      listKind: `${def.kind}List`,
      ...(def.shortNames ? { shortNames: def.shortNames } : {}),
      ...(def.categories ? { categories: def.categories } : {}),
    },
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
    strategy: withDecodeCheck(def.strategy, schema),
    typedDecode: (obj) => decodeErrors(schema, obj),
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
    // Built-ins are validated by their strategy (see withDecodeCheck) and defaulted in code.
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

// ---------------------------------------------------------------------------------------
// The decode check

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const isDateTime = stringFormatCheck('date-time');
const isBase64 = stringFormatCheck('byte');

/**
 * What upstream's typed decode would refuse: a value whose JSON type does not match the field,
 * an int32 out of range, a timestamp that does not parse or bytes that are not base64. `null`
 * always decodes (to the zero value). apiVersion, kind and metadata are the REST layer's.
 */
export function decodeErrors(schema: JSONSchemaProps, obj: KubeObject): ErrorList {
  const errs: ErrorList = [];
  const props = schema.properties ?? {};
  for (const [k, v] of Object.entries(obj)) {
    if (ROOT_META.has(k) || !Object.hasOwn(props, k)) continue;
    const prop = props[k];
    if (prop !== undefined) check(v as JsonValue, prop, FieldPath.root(k), errs);
  }
  return errs;
}

function check(v: JsonValue | undefined, s: JSONSchemaProps, path: FieldPath, errs: ErrorList) {
  if (v === undefined || v === null) return;
  switch (s.type) {
    case 'string':
      if (typeof v !== 'string') errs.push(typeInvalid(path, v, 'must be a string'));
      else if (s.format === 'date-time' && isDateTime && !isDateTime(v)) {
        errs.push(
          typeInvalid(
            path,
            v,
            'must be a timestamp in RFC 3339 format (e.g. 2006-01-02T15:04:05Z)',
          ),
        );
      } else if (s.format === 'byte' && isBase64 && !isBase64(v)) {
        // Like the strategies, never echo what may be secret content.
        errs.push(invalid(path, '<binary>', 'must be base64 encoded'));
      }
      return;
    case 'integer':
      if (typeof v !== 'number' || !Number.isInteger(v)) {
        errs.push(typeInvalid(path, v, 'must be an integer'));
      } else if (s.format === 'int32' && (v < INT32_MIN || v > INT32_MAX)) {
        errs.push(typeInvalid(path, v, 'must be a 32-bit integer'));
      }
      return;
    case 'number':
      if (typeof v !== 'number') errs.push(typeInvalid(path, v, 'must be a number'));
      return;
    case 'boolean':
      if (typeof v !== 'boolean') errs.push(typeInvalid(path, v, 'must be a boolean'));
      return;
    case 'array': {
      if (!Array.isArray(v)) {
        errs.push(typeInvalid(path, v, 'must be an array'));
        return;
      }
      const items = itemsOf(s);
      if (items) {
        v.forEach((item, i) => {
          check(item, items, path.index(i), errs);
        });
      }
      return;
    }
    case 'object': {
      if (!isJsonObject(v)) {
        errs.push(typeInvalid(path, v, 'must be an object'));
        return;
      }
      if (s['x-kubernetes-preserve-unknown-fields'] === true) return;
      const additional = additionalPropertiesOf(s);
      for (const [k, child] of Object.entries(v)) {
        const prop = s.properties && Object.hasOwn(s.properties, k) ? s.properties[k] : undefined;
        if (prop !== undefined) check(child, prop, path.child(k), errs);
        else if (additional !== undefined) check(child, additional, path.key(k), errs);
      }
      return;
    }
    default:
      return;
  }
}

/** Whether `field` is `at` or lies inside the value at `at`. */
function within(field: string, at: string): boolean {
  return at !== '' && (field === at || field.startsWith(`${at}.`) || field.startsWith(`${at}[`));
}

/**
 * Merges the strategy's errors with the decode errors. The strategy's own verdict on a value
 * (an invalid or wrong-type error, often with a more specific message) wins over the schema's
 * for that value; its other errors about a value that would not have decoded (`Required` for
 * a list that is a string, say) are dropped, since upstream never gets to validate it.
 */
function mergeDecodeErrors(own: ErrorList, shape: ErrorList): ErrorList {
  const onValue = (e: FieldError) =>
    e.type === 'FieldValueTypeInvalid' || e.type === 'FieldValueInvalid';
  const kept = own.filter((o) => onValue(o) || !shape.some((e) => within(o.field, e.field)));
  return [
    ...kept,
    ...shape.filter((e) => !kept.some((o) => onValue(o) && within(e.field, o.field))),
  ];
}

/**
 * The strategy's validation with the decode check merged in: the strategy checks the shape of
 * the fields it looks at, the schema covers the rest, and a strategy that trips over a value
 * it did not expect (upstream would not have decoded the object) yields to the decode errors.
 * The strategy's other hooks are left as they are; they tolerate malformed values.
 */
function withDecodeCheck(strategy: Strategy, schema: JSONSchemaProps): Strategy {
  const merged = (obj: KubeObject, run: () => ErrorList): ErrorList => {
    const shape = decodeErrors(schema, obj);
    if (shape.length === 0) return run();
    let own: ErrorList;
    try {
      own = run();
    } catch {
      return shape;
    }
    return mergeDecodeErrors(own, shape);
  };
  const { validate, validateUpdate } = strategy;
  return {
    ...strategy,
    validate: (obj, ctx) => merged(obj, () => validate(obj, ctx)),
    ...(validateUpdate === undefined
      ? {}
      : {
          validateUpdate: (obj, old, ctx) => merged(obj, () => validateUpdate(obj, old, ctx)),
        }),
  };
}
