/**
 * Objects marked `x-kubernetes-embedded-resource` are whole Kubernetes objects inside a custom
 * resource (a pod template, a raw manifest). They need apiVersion and kind, and their
 * `metadata` must decode as ObjectMeta: this module checks that shape, validates the name like
 * upstream does for embedded objects, and leaves label/annotation rules to a caller-supplied
 * ObjectMeta validator. It also knows which metadata fields exist, for pruning.
 */
import type { FieldError } from '../field-errors.ts';
import { invalid, required } from '../field-errors.ts';
import type { JsonObject, JsonValue } from '../meta.ts';
import { isPathSegmentName, isPathSegmentPrefix } from '../validation/names.ts';
import { OBJECT_META, objectMetaDecodeError } from '../validation/object-meta.ts';
import { child, index, isJsonObject, key, member } from './json.ts';
import type { JSONSchemaProps } from './types.ts';
import { additionalPropertiesOf, isEmbeddedResource, itemsOf } from './types.ts';

/** Validates decoded metadata (labels, annotations, finalizers …); path is `….metadata`. */
export type ObjectMetaValidator = (metadata: JsonObject, path: string) => FieldError[];

export interface EmbeddedOptions {
  /** Treat the value itself as a resource (apiVersion/kind/metadata checked at the root). */
  isResourceRoot?: boolean;
  validateObjectMeta?: ObjectMetaValidator;
}

export function isObjectMetaField(name: string): boolean {
  return Object.hasOwn(OBJECT_META.fields, name);
}

export function validateEmbeddedResources(
  schema: JSONSchemaProps | undefined,
  value: JsonValue | undefined,
  path: string,
  opts: EmbeddedOptions = {},
): FieldError[] {
  return walk(schema, value, path, opts, opts.isResourceRoot === true);
}

function walk(
  s: JSONSchemaProps | undefined,
  x: JsonValue | undefined,
  path: string,
  opts: EmbeddedOptions,
  embedded: boolean,
): FieldError[] {
  if (s === undefined || x === undefined || x === null) return [];
  const errs: FieldError[] = [];
  if (Array.isArray(x)) {
    const items = itemsOf(s);
    x.forEach((v, i) => {
      errs.push(...walk(items, v, index(path, i), opts, isEmbeddedResource(items)));
    });
  } else if (isJsonObject(x)) {
    if (embedded || isEmbeddedResource(s)) errs.push(...validateEmbeddedResource(x, path, opts));
    const props = s.properties ?? {};
    const additional = additionalPropertiesOf(s);
    for (const [k, v] of Object.entries(x)) {
      if (Object.hasOwn(props, k)) {
        const p = props[k];
        errs.push(...walk(p, v, child(path, k), opts, isEmbeddedResource(p)));
      } else if (additional) {
        errs.push(...walk(additional, v, key(path, k), opts, isEmbeddedResource(additional)));
      }
    }
  }
  return errs;
}

function validateEmbeddedResource(
  x: JsonObject,
  path: string,
  opts: EmbeddedOptions,
): FieldError[] {
  const errs: FieldError[] = [];
  if (member(x, 'apiVersion') === undefined)
    errs.push(required(child(path, 'apiVersion'), 'must not be empty'));
  if (member(x, 'kind') === undefined)
    errs.push(required(child(path, 'kind'), 'must not be empty'));
  for (const [k, v] of Object.entries(x)) {
    if (v === undefined) continue;
    if (k === 'apiVersion') errs.push(...checkAPIVersion(v, child(path, k)));
    else if (k === 'kind') errs.push(...checkKind(v, child(path, k)));
    else if (k === 'metadata') errs.push(...checkMetadata(v, child(path, k), opts));
  }
  return errs;
}

function checkAPIVersion(v: JsonValue, path: string): FieldError[] {
  if (typeof v !== 'string') return [invalid(path, v, 'must be a string')];
  if (v === '') return [invalid(path, v, 'must not be empty')];
  if ((v.match(/\//g) ?? []).length > 1) {
    return [invalid(path, v, `unexpected GroupVersion string: ${v}`)];
  }
  return [];
}

const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

function checkKind(v: JsonValue, path: string): FieldError[] {
  if (typeof v !== 'string') return [invalid(path, v, 'must be a string')];
  if (v === '') return [invalid(path, v, 'must not be empty')];
  const problems: string[] = [];
  const lower = v.toLowerCase();
  if (lower.length > 63) problems.push('must be no more than 63 characters');
  if (!DNS1035.test(lower)) {
    problems.push(
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    );
  }
  return problems.length
    ? [invalid(path, v, `may have mixed case, but should otherwise match: ${problems.join(',')}`)]
    : [];
}

function checkMetadata(v: JsonValue, path: string, opts: EmbeddedOptions): FieldError[] {
  if (v === null) return [];
  // Decoded into ObjectMeta on its own, so encoding/json names fields from the metadata down.
  const problem = objectMetaDecodeError(v, '');
  if (problem) return [invalid(path, v, problem.message)];
  if (!isJsonObject(v)) return [];
  const errs: FieldError[] = [];
  // Embedded objects need no name; upstream validates a placeholder when it is missing.
  for (const f of ['name', 'generateName'] as const) {
    const n = member(v, f);
    if (typeof n === 'string' && n !== '') {
      const problems = f === 'generateName' ? isPathSegmentPrefix(n) : isPathSegmentName(n);
      for (const msg of problems) {
        errs.push(invalid(child(path, f), n, msg));
      }
    }
  }
  if (opts.validateObjectMeta) errs.push(...opts.validateObjectMeta(v, path));
  return errs;
}
