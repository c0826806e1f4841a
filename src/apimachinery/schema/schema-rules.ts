/**
 * The per-node rules apiextensions applies to a CRD's openAPIV3Schema before it looks at
 * structure: unsupported JSON-Schema keywords, defaults where they cannot work (top-level
 * metadata, maps inside metadata), the list/map extension combinations, list-map key
 * requirements, and the syntax of x-kubernetes-validations entries (their CEL is compiled
 * separately). Errors carry upstream's paths and wording.
 */
import type { FieldError } from '../field-errors.ts';
import { forbidden, invalid, notSupported, required } from '../field-errors.ts';
import { resolveFieldPath } from './cel/field-path.ts';
import type { JSONSchemaProps } from './types.ts';
import { additionalPropertiesOf, hasDefault, isEmbeddedResource, itemsOf } from './types.ts';

const OPENAPI_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];
const META_FIELDS = new Set(['metadata', 'kind', 'apiVersion']);
const REASONS = [
  'FieldValueDuplicate',
  'FieldValueForbidden',
  'FieldValueInvalid',
  'FieldValueRequired',
];

interface Context {
  readonly allowDefaults: boolean;
  readonly disallowDefaultsReason: string;
  readonly insideResourceMeta: boolean;
}

const ROOT_CONTEXT: Context = {
  allowDefaults: true,
  disallowDefaultsReason: '',
  insideResourceMeta: false,
};

/** All schema-rule errors of the tree rooted at `schema`, whose path is `path`. */
export function checkSchemaRules(schema: JSONSchemaProps, path: string): FieldError[] {
  return walk(schema, path, ROOT_CONTEXT, true);
}

const at = (path: string, name: string) => `${path}.${name}`;
const hasNewlines = (s: string) => /[\n\r]/.test(s);

function forbidDefaults(ctx: Context, reason: string): Context {
  return { ...ctx, allowDefaults: false, disallowDefaultsReason: reason };
}

function walk(s: JSONSchemaProps, path: string, ctx: Context, isRoot: boolean): FieldError[] {
  const errs: FieldError[] = [...standard(s, path, ctx)];
  if (s.uniqueItems === true) {
    errs.push(
      forbidden(
        at(path, 'uniqueItems'),
        'uniqueItems cannot be set to true since the runtime complexity becomes quadratic',
      ),
    );
  }
  const properties = s.properties ?? {};
  const hasProperties = Object.keys(properties).length > 0;
  if (s.additionalProperties !== undefined) {
    if (hasProperties && s.additionalProperties !== true) {
      errs.push(
        forbidden(
          at(path, 'additionalProperties'),
          'additionalProperties and properties are mutual exclusive',
        ),
      );
    }
    const ap = additionalPropertiesOf(s);
    if (ap) {
      const sub = ctx.insideResourceMeta
        ? forbidDefaults(ctx, 'inside additionalProperties applying to object metadata')
        : ctx;
      errs.push(...walk(ap, at(path, 'additionalProperties'), sub, false));
    }
  }
  for (const [k, prop] of Object.entries(properties)) {
    let sub = ctx;
    if ((isRoot || isEmbeddedResource(s)) && META_FIELDS.has(k)) {
      sub = { ...sub, insideResourceMeta: true };
      if (isRoot) sub = forbidDefaults(sub, `in top-level ${k}`);
    }
    errs.push(...walk(prop, `${at(path, 'properties')}[${k}]`, sub, false));
  }
  if (s.not) errs.push(...walk(s.not, at(path, 'not'), ctx, false));
  for (const junctor of ['allOf', 'oneOf', 'anyOf'] as const) {
    s[junctor]?.forEach((sub, i) => {
      errs.push(...walk(sub, `${at(path, junctor)}[${i}]`, ctx, false));
    });
  }
  for (const [k, def] of Object.entries(s.definitions ?? {})) {
    errs.push(...walk(def, `${at(path, 'definitions')}[${k}]`, ctx, false));
  }
  if (Array.isArray(s.items)) {
    s.items.forEach((sub, i) => {
      errs.push(...walk(sub, `${at(path, 'items')}[${i}]`, ctx, false));
    });
  } else if (s.items) {
    errs.push(...walk(s.items, at(path, 'items'), ctx, false));
  }
  for (const [k, dep] of Object.entries(s.dependencies ?? {})) {
    if (!Array.isArray(dep))
      errs.push(...walk(dep, `${at(path, 'dependencies')}[${k}]`, ctx, false));
  }
  errs.push(...extensions(s, path));
  errs.push(...mapListKeys(s, path));
  errs.push(...validationRules(s, path));
  return errs;
}

/** What the OpenAPI v3 "standard validator" rejects outright. */
function standard(s: JSONSchemaProps, path: string, ctx: Context): FieldError[] {
  const errs: FieldError[] = [];
  if (s.type && !OPENAPI_TYPES.includes(s.type))
    errs.push(notSupported(at(path, 'type'), s.type, OPENAPI_TYPES));
  if (hasDefault(s) && !ctx.allowDefaults) {
    const reason = ctx.disallowDefaultsReason ? ` ${ctx.disallowDefaultsReason}` : '';
    errs.push(forbidden(at(path, 'default'), `must not be set${reason}`));
  }
  if (s.id) errs.push(forbidden(at(path, 'id'), 'id is not supported'));
  if (s.additionalItems !== undefined)
    errs.push(forbidden(at(path, 'additionalItems'), 'additionalItems is not supported'));
  if (s.patternProperties && Object.keys(s.patternProperties).length > 0) {
    errs.push(forbidden(at(path, 'patternProperties'), 'patternProperties is not supported'));
  }
  if (s.definitions && Object.keys(s.definitions).length > 0) {
    errs.push(forbidden(at(path, 'definitions'), 'definitions is not supported'));
  }
  if (s.dependencies !== undefined)
    errs.push(forbidden(at(path, 'dependencies'), 'dependencies is not supported'));
  if (s.$ref !== undefined) errs.push(forbidden(at(path, '$ref'), '$ref is not supported'));
  if (s.type === 'null') {
    errs.push(
      forbidden(at(path, 'type'), 'type cannot be set to null, use nullable as an alternative'),
    );
  }
  if (Array.isArray(s.items) && s.items.length > 0) {
    errs.push(forbidden(at(path, 'items'), 'items must be a schema object and not an array'));
  }
  if (ctx.insideResourceMeta && isEmbeddedResource(s)) {
    errs.push(
      forbidden(
        at(path, 'x-kubernetes-embedded-resource'),
        'must not be used inside of resource meta',
      ),
    );
  }
  return errs;
}

function extensions(s: JSONSchemaProps, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const typeRequirement = (needed: string, why: string) => {
    if (!s.type) errs.push(required(at(path, 'type'), `must be ${needed} if ${why} is specified`));
    else errs.push(invalid(at(path, 'type'), s.type, `must be ${needed} if ${why} is specified`));
  };
  if (s['x-kubernetes-preserve-unknown-fields'] === false) {
    errs.push(
      invalid(at(path, 'x-kubernetes-preserve-unknown-fields'), false, 'must be true or undefined'),
    );
  }
  const mapType = s['x-kubernetes-map-type'];
  if (mapType !== undefined && s.type !== 'object')
    typeRequirement('object', 'x-kubernetes-map-type');
  if (mapType !== undefined && mapType !== 'atomic' && mapType !== 'granular') {
    errs.push(notSupported(at(path, 'x-kubernetes-map-type'), mapType, ['atomic', 'granular']));
  }
  const listType = s['x-kubernetes-list-type'] as string | undefined;
  const items = itemsOf(s);
  if (listType !== undefined && s.type !== 'array')
    typeRequirement('array', 'x-kubernetes-list-type');
  else if (listType === 'set' && items) {
    const set = 'must be atomic as item of a list with x-kubernetes-list-type=set';
    if (items.type === 'array') {
      const itemListType = items['x-kubernetes-list-type'];
      if (itemListType !== undefined && itemListType !== 'atomic') {
        errs.push(invalid(at(path, 'items.x-kubernetes-list-type'), itemListType, set));
      }
    } else if (items.type === 'object' && items['x-kubernetes-map-type'] !== 'atomic') {
      // Upstream reports the items' list type here, which is unset for objects.
      errs.push(
        invalid(
          at(path, 'items.x-kubernetes-map-type'),
          items['x-kubernetes-list-type'] ?? null,
          set,
        ),
      );
    }
  }
  if (listType !== undefined && !['atomic', 'set', 'map'].includes(listType)) {
    errs.push(notSupported(at(path, 'x-kubernetes-list-type'), listType, ['atomic', 'set', 'map']));
  }
  const keys = s['x-kubernetes-list-map-keys'] ?? [];
  if (keys.length > 0) {
    if (listType === undefined) {
      errs.push(
        required(
          at(path, 'x-kubernetes-list-type'),
          'must be map if x-kubernetes-list-map-keys is non-empty',
        ),
      );
    } else if (listType !== 'map') {
      errs.push(
        invalid(
          at(path, 'x-kubernetes-list-type'),
          listType,
          'must be map if x-kubernetes-list-map-keys is non-empty',
        ),
      );
    }
  }
  if (listType === 'map') {
    if (keys.length === 0) {
      errs.push(
        required(
          at(path, 'x-kubernetes-list-map-keys'),
          'must not be empty if x-kubernetes-list-type is map',
        ),
      );
    }
    if (s.items === undefined) {
      errs.push(required(at(path, 'items'), 'must have a schema if x-kubernetes-list-type is map'));
    } else if (Array.isArray(s.items)) {
      errs.push(
        invalid(
          at(path, 'items'),
          s.items,
          'must only have a single schema if x-kubernetes-list-type is map',
        ),
      );
    } else if (s.items.type !== 'object') {
      errs.push(
        invalid(
          at(path, 'items.type'),
          s.items.type ?? '',
          "must be object if parent array's x-kubernetes-list-type is map",
        ),
      );
    } else {
      const seen = new Set<string>();
      for (const k of keys) {
        const props = s.items.properties ?? {};
        const prop = Object.hasOwn(props, k) ? props[k] : undefined;
        if (prop) {
          if (prop.type === 'array' || prop.type === 'object') {
            errs.push(
              invalid(
                `${at(path, 'items.properties')}[${k}].type`,
                s.items.type,
                "must be a scalar type if parent array's x-kubernetes-list-type is map",
              ),
            );
          }
        } else {
          errs.push(
            invalid(
              at(path, 'x-kubernetes-list-map-keys'),
              keys,
              'entries must all be names of item properties',
            ),
          );
        }
        if (seen.has(k)) {
          errs.push(
            invalid(
              at(path, 'x-kubernetes-list-map-keys'),
              keys,
              'must not contain duplicate entries',
            ),
          );
        }
        seen.add(k);
      }
    }
  }
  return errs;
}

/** Map-list keys must be present (required or defaulted) and set/map items non-null. */
function mapListKeys(s: JSONSchemaProps, path: string): FieldError[] {
  const items = itemsOf(s);
  const listType = s['x-kubernetes-list-type'];
  if (!items || (listType !== 'set' && listType !== 'map')) return [];
  const errs: FieldError[] = [];
  if (items.nullable) {
    errs.push(
      forbidden(
        at(path, 'items.nullable'),
        `cannot be nullable when x-kubernetes-list-type is ${listType}`,
      ),
    );
  }
  if (listType === 'map') {
    const requiredKeys = new Set(items.required ?? []);
    const props = items.properties ?? {};
    for (const k of s['x-kubernetes-list-map-keys'] ?? []) {
      const prop = Object.hasOwn(props, k) ? props[k] : undefined;
      if (!prop) continue;
      const keyPath = `${at(path, 'items.properties')}[${k}]`;
      if (!requiredKeys.has(k) && !hasDefault(prop)) {
        errs.push(
          required(
            `${keyPath}.default`,
            'this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property',
          ),
        );
      }
      if (prop.nullable) {
        errs.push(
          forbidden(
            `${keyPath}.nullable`,
            'this property is in x-kubernetes-list-map-keys, so it cannot be nullable',
          ),
        );
      }
    }
  }
  return errs;
}

function validationRules(s: JSONSchemaProps, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (s['x-kubernetes-validations'] ?? []).forEach((rule, i) => {
    const p = `${at(path, 'x-kubernetes-validations')}[${i}]`;
    const text = (rule.rule ?? '').trim();
    const message = rule.message ?? '';
    const trimmedMessage = message.trim();
    if (text === '') errs.push(required(`${p}.rule`, 'rule is not specified'));
    else if (message.length > 0 && trimmedMessage === '') {
      errs.push(invalid(`${p}.message`, message, 'must be non-empty if specified'));
    } else if (hasNewlines(trimmedMessage)) {
      errs.push(invalid(`${p}.message`, message, 'must not contain line breaks'));
    } else if (hasNewlines(text) && trimmedMessage === '') {
      errs.push(required(`${p}.message`, 'message must be specified if rule contains line breaks'));
    }
    const msgExpr = rule.messageExpression ?? '';
    if (msgExpr.length > 0 && msgExpr.trim() === '') {
      errs.push(
        required(`${p}.messageExpression`, 'messageExpression must be non-empty if specified'),
      );
    }
    if (rule.reason !== undefined && !REASONS.includes(rule.reason)) {
      errs.push(notSupported(`${p}.reason`, rule.reason, REASONS));
    }
    const fieldPath = rule.fieldPath ?? '';
    if (fieldPath.length > 0 && fieldPath.trim() === '') {
      errs.push(invalid(`${p}.fieldPath`, fieldPath, 'must be non-empty if specified'));
    }
    if (hasNewlines(fieldPath))
      errs.push(invalid(`${p}.fieldPath`, fieldPath, 'must not contain line breaks'));
    if (fieldPath.length > 0 && !resolveFieldPath(s, fieldPath.trim()).ok) {
      errs.push(invalid(`${p}.fieldPath`, fieldPath, 'must be a valid path'));
    }
  });
  return errs;
}
