/**
 * Value validation against an OpenAPI v3 schema with kube-openapi's semantics and messages,
 * converted to field errors the way kube-apiserver converts them for custom resources.
 *
 * Two paths travel together: `name` is the go-openapi path that appears inside messages
 * (`spec.replicas in body must be …`, array items as `[0]`, map entries as `.key`), and the
 * field an error is reported at is that name appended to the caller's base path. Every
 * validator that applies to the value's JSON kind runs, so one value can collect several
 * errors, as upstream does.
 *
 * Ratcheting: given the old object, a node whose correlated old value is deeply equal to the
 * new one reports nothing, since its errors predate the update. Values correlate through object
 * fields, map entries, `map` lists by key and `set` lists by value; atomic list items do not.
 */
import type { FieldError } from '../field-errors.ts';
import { invalid, notSupported, required, typeInvalid } from '../field-errors.ts';
import { goQuote } from '../labels.ts';
import type { JsonValue } from '../meta.ts';
import { tooLongBytes, tooManyItems } from './errors.ts';
import { effectiveFormat, stringFormatCheck } from './formats.ts';
import {
  deepEqual,
  goFloat,
  isJsonInteger,
  isJsonObject,
  jsonTypeName,
  member,
  rendered,
} from './json.ts';
import { compileGoRegex, type GoRegexp } from './regex.ts';
import type { JSONSchemaProps } from './types.ts';
import { additionalPropertiesOf, isIntOrString, itemsOf } from './types.ts';

/** An old value correlated with the node being validated; `undefined` means none. */
type Old = JsonValue | undefined;

export interface OpenAPIContext {
  /** The field path errors are reported under ('' for the object root). */
  readonly base: string;
  /** Whether correlated old values suppress errors (update ratcheting). */
  readonly ratcheting: boolean;
}

/** Validates `data` against `schema`, naming the root `name` in messages (usually ''). */
export function validateOpenAPI(
  schema: JSONSchemaProps,
  data: JsonValue,
  ctx: OpenAPIContext,
  old: Old = undefined,
  name = '',
): FieldError[] {
  if (ctx.ratcheting && old !== undefined && deepEqual(old, data)) return [];
  const errs: FieldError[] = [];
  const types = typesOf(schema);
  const format = effectiveFormat(schema.format, types.length === 1 ? types[0] : '');
  const field = fieldFor(ctx.base, name);

  errs.push(...checkType(schema, types, format, data, name, field));
  if (data === null) {
    errs.push(...checkEnum(schema, data, field));
    return errs;
  }
  errs.push(...checkJunctors(schema, data, ctx, old, name));
  if (typeof data === 'string') {
    errs.push(...checkString(schema, data, name, field));
    const check = format ? stringFormatCheck(format) : undefined;
    if (check && !check(data)) {
      errs.push(
        typeInvalid(field, data, `${name} in body must be of type ${format}: ${goQuote(data)}`),
      );
    }
  }
  if (typeof data === 'number') errs.push(...checkNumber(schema, data, name, field));
  if (Array.isArray(data)) errs.push(...checkArray(schema, data, ctx, old, name, field));
  errs.push(...checkEnum(schema, data, field));
  if (isJsonObject(data)) errs.push(...checkObject(schema, data, ctx, old, name, field));
  return errs;
}

/** The field an error for go-openapi name `name` lands on. */
export function fieldFor(base: string, name: string): string {
  const n = name.startsWith('.') ? name.slice(1) : name;
  if (n === '') return rendered(base);
  return base ? `${base}.${n}` : n;
}

function typesOf(s: JSONSchemaProps): string[] {
  if (isIntOrString(s)) return ['integer', 'string'];
  return s.type ? [s.type] : [];
}

function typeError(field: string, name: string, typeName: string, got: string): FieldError {
  return typeInvalid(field, got, `${name} in body must be of type ${typeName}: ${goQuote(got)}`);
}

function checkType(
  s: JSONSchemaProps,
  types: string[],
  format: string,
  data: JsonValue,
  name: string,
  field: string,
): FieldError[] {
  if (types.length === 0 && format === '') return [];
  if (data === null) {
    return types.length > 0 && !s.nullable ? [typeError(field, name, types.join(','), 'null')] : [];
  }
  const schType = jsonTypeName(data);
  const dataFormat = schType === 'integer' ? 'int64' : schType === 'number' ? 'float64' : '';
  const isFloatInt =
    schType === 'number' &&
    Math.abs(data as number) < 2 ** 53 &&
    Number.isInteger(data) &&
    types.includes('integer');
  const isIntFloat = schType === 'integer' && types.includes('number');
  const stringLike = schType === 'string' || schType === 'array';
  if (
    !stringLike &&
    format !== '' &&
    !(types.includes(schType) || dataFormat === format || isFloatInt || isIntFloat)
  ) {
    return [typeError(field, name, format, dataFormat)];
  }
  if (!(types.includes('number') || types.includes('integer')) && format !== '' && stringLike) {
    return [];
  }
  if (types.length > 0 && !(types.includes(schType) || isFloatInt || isIntFloat)) {
    return [typeError(field, name, types.join(','), schType)];
  }
  return [];
}

function checkJunctors(
  s: JSONSchemaProps,
  data: JsonValue,
  ctx: OpenAPIContext,
  old: Old,
  name: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const composite = (msg: string) => invalid(rendered(ctx.base), '', msg);
  const run = (sub: JSONSchemaProps) => validateOpenAPI(sub, data, ctx, old, name);
  const quoted = goQuote(name);
  if (s.anyOf?.length) {
    let best: FieldError[] | undefined;
    let ok = false;
    for (const sub of s.anyOf) {
      const r = run(sub);
      if (r.length === 0) {
        ok = true;
        break;
      }
      if (best === undefined || r.length < best.length) best = r;
    }
    if (!ok) {
      errs.push(composite(`${quoted} must validate at least one schema (anyOf)`));
      errs.push(...(best ?? []));
    }
  }
  if (s.oneOf?.length) {
    let best: FieldError[] | undefined;
    let valid = 0;
    for (const sub of s.oneOf) {
      const r = run(sub);
      if (r.length === 0) valid++;
      else if (valid === 0 && (best === undefined || r.length < best.length)) best = r;
    }
    if (valid !== 1) {
      const extra = valid === 0 ? 'Found none valid' : `Found ${valid} valid alternatives`;
      errs.push(composite(`${quoted} must validate one and only one schema (oneOf). ${extra}`));
      if (valid === 0) errs.push(...(best ?? []));
    }
  }
  if (s.allOf?.length) {
    let valid = 0;
    for (const sub of s.allOf) {
      const r = run(sub);
      if (r.length === 0) valid++;
      errs.push(...r);
    }
    if (valid !== s.allOf.length) {
      const extra = valid === 0 ? '. None validated' : '';
      errs.push(composite(`${quoted} must validate all the schemas (allOf)${extra}`));
    }
  }
  if (s.not !== undefined && run(s.not).length === 0) {
    errs.push(composite(`${quoted} must not validate the schema (not)`));
  }
  return errs;
}

function checkString(s: JSONSchemaProps, data: string, name: string, field: string): FieldError[] {
  const length = [...data].length;
  if (s.maxLength !== undefined && length > s.maxLength) return [tooLongBytes(field, s.maxLength)];
  if (s.minLength !== undefined && length < s.minLength) {
    return [invalid(field, data, `${name} in body should be at least ${s.minLength} chars long`)];
  }
  if (s.pattern) {
    let re: GoRegexp;
    try {
      re = compileGoRegex(s.pattern).regexp;
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      return [
        invalid(
          field,
          data,
          `${name} in body should match '${s.pattern}, but pattern is invalid: ${why}'`,
        ),
      ];
    }
    if (!re.test(data))
      return [invalid(field, data, `${name} in body should match '${s.pattern}'`)];
  }
  return [];
}

function checkNumber(s: JSONSchemaProps, data: number, name: string, field: string): FieldError[] {
  const errs: FieldError[] = [];
  // Integers compare against bounds truncated to int64, as go-openapi's native-type path does.
  const asInt = isJsonInteger(data);
  const bound = (b: number) => (asInt ? Math.trunc(b) : b);
  const show = (b: number) => (asInt ? String(Math.trunc(b)) : goFloat(b));
  if (s.multipleOf !== undefined) {
    const f = s.multipleOf;
    if (f < 0) {
      errs.push(
        invalid(field, f, `factor MultipleOf declared for ${name} must be positive: ${show(f)}`),
      );
    } else if (asInt && Math.trunc(f) !== 0) {
      const factor = Math.trunc(f);
      if (data % factor !== 0)
        errs.push(invalid(field, data, `${name} in body should be a multiple of ${factor}`));
    } else if (f > 0) {
      const mult = f < 1 ? (1 / f) * data : data / f;
      if (!(Number.isInteger(mult) && Math.abs(mult) < 2 ** 53)) {
        errs.push(invalid(field, data, `${name} in body should be a multiple of ${goFloat(f)}`));
      }
    }
  }
  if (s.maximum !== undefined) {
    const max = bound(s.maximum);
    if (s.exclusiveMaximum ? data >= max : data > max) {
      const rel = s.exclusiveMaximum ? 'less than' : 'less than or equal to';
      errs.push(invalid(field, data, `${name} in body should be ${rel} ${show(s.maximum)}`));
    }
  }
  if (s.minimum !== undefined) {
    const min = bound(s.minimum);
    if (s.exclusiveMinimum ? data <= min : data < min) {
      const rel = s.exclusiveMinimum ? 'greater than' : 'greater than or equal to';
      errs.push(invalid(field, data, `${name} in body should be ${rel} ${show(s.minimum)}`));
    }
  }
  return errs;
}

function checkArray(
  s: JSONSchemaProps,
  data: JsonValue[],
  ctx: OpenAPIContext,
  old: Old,
  name: string,
  field: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const items = itemsOf(s);
  if (items) {
    const correlate = correlator(s, Array.isArray(old) ? old : undefined);
    data.forEach((item, i) => {
      errs.push(...validateOpenAPI(items, item, ctx, correlate(item), `${name}[${i}]`));
    });
  }
  if (s.minItems !== undefined && data.length < s.minItems) {
    errs.push(
      invalid(field, data.length, `${name} in body should have at least ${s.minItems} items`),
    );
  }
  if (s.maxItems !== undefined && data.length > s.maxItems) {
    errs.push(tooManyItems(field, data.length, s.maxItems));
  }
  if (s.uniqueItems && data.some((v, i) => data.slice(0, i).some((u) => deepEqual(u, v)))) {
    errs.push(invalid(field, '', `${name} in body shouldn't contain duplicates`));
  }
  return errs;
}

/** Finds the old list item a new one corresponds to, per the list type. */
export function correlator(
  s: JSONSchemaProps,
  old: JsonValue[] | undefined,
): (item: JsonValue) => Old {
  const listType = s['x-kubernetes-list-type'];
  if (old === undefined || (listType !== 'map' && listType !== 'set')) return () => undefined;
  if (listType === 'set') return (item) => (old.some((o) => deepEqual(o, item)) ? item : undefined);
  const keys = s['x-kubernetes-list-map-keys'] ?? [];
  const byKey = new Map<string, JsonValue>();
  for (const o of old) if (isJsonObject(o)) byKey.set(mapListKey(o, keys), o);
  return (item) => (isJsonObject(item) ? byKey.get(mapListKey(item, keys)) : undefined);
}

function mapListKey(o: Record<string, JsonValue | undefined>, keys: string[]): string {
  return JSON.stringify(keys.map((k) => member(o, k) ?? null));
}

function checkEnum(s: JSONSchemaProps, data: JsonValue, field: string): FieldError[] {
  if (!s.enum?.length) return [];
  if (data === null && s.nullable) return [];
  if (s.enum.some((e) => deepEqual(e, data))) return [];
  return [
    notSupported(
      field,
      data,
      s.enum.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))),
    ),
  ];
}

function checkObject(
  s: JSONSchemaProps,
  data: Record<string, JsonValue | undefined>,
  ctx: OpenAPIContext,
  old: Old,
  name: string,
  field: string,
): FieldError[] {
  const keys = Object.keys(data).filter((k) => data[k] !== undefined);
  if (s.minProperties !== undefined && keys.length < s.minProperties) {
    return [
      invalid(
        field,
        keys.length,
        `${name} in body should have at least ${s.minProperties} properties`,
      ),
    ];
  }
  if (s.maxProperties !== undefined && keys.length > s.maxProperties) {
    return [tooManyItems(field, keys.length, s.maxProperties)];
  }
  const errs: FieldError[] = [];
  const props = s.properties ?? {};
  const additional = additionalPropertiesOf(s);
  const oldObj = isJsonObject(old) ? old : undefined;
  const childOld = (k: string): Old => (oldObj === undefined ? undefined : member(oldObj, k));
  for (const k of keys) {
    const v = data[k] as JsonValue;
    const prop = Object.hasOwn(props, k) ? props[k] : undefined;
    if (prop !== undefined) {
      errs.push(...validateOpenAPI(prop, v, ctx, childOld(k), name ? `${name}.${k}` : k));
    } else if (s.additionalProperties === false) {
      errs.push(invalid(field, k, `${name}.${k} in body is a forbidden property`));
    } else if (additional !== undefined) {
      errs.push(...validateOpenAPI(additional, v, ctx, childOld(k), `${name}.${k}`));
    }
  }
  for (const k of s.required ?? []) {
    if (member(data, k) === undefined) errs.push(required(fieldFor(ctx.base, `${name}.${k}`)));
  }
  return errs;
}
