/**
 * What makes a schema structural, as apiextensions defines it. The "structural part" of a node
 * is its type, properties, items, additionalProperties and extensions; allOf/anyOf/oneOf/not
 * may only add value validations. So: every specified field and array item has a type (unless
 * int-or-string or preserve-unknown-fields), junctors declare no types, defaults, titles,
 * descriptions, nullability or extensions, the root is an object without additionalProperties,
 * root metadata may only restrict name and generateName, embedded resources are objects, and
 * every field a junctor mentions at the root also exists in the structural part.
 *
 * Errors are sorted by their message text, as upstream sorts them.
 */
import type { FieldError } from '../field-errors.ts';
import { fieldErrorMessage, forbidden, invalid, required } from '../field-errors.ts';
import { goRegexError } from './regex.ts';
import type { JSONSchemaProps } from './types.ts';
import {
  additionalPropertiesOf,
  hasDefault,
  isEmbeddedResource,
  isIntOrString,
  isZero,
  itemsOf,
  preservesUnknownFields,
} from './types.ts';

type Level = 'root' | 'item' | 'field';

export function checkStructuralInvariants(schema: JSONSchemaProps, path: string): FieldError[] {
  const errs = [...invariants(schema, 'root', path), ...completeness(schema, path, schema, path)];
  return errs
    .map((e) => ({ e, text: fieldErrorMessage(e) }))
    .sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0))
    .map(({ e }) => e);
}

const at = (path: string, name: string) => `${path}.${name}`;
const propPath = (path: string, k: string) => `${path}.properties[${k}]`;

function invariants(s: JSONSchemaProps, lvl: Level, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const items = itemsOf(s);
  if (s.type === 'array' && items === undefined)
    errs.push(required(at(path, 'items'), 'must be specified'));
  if (items) errs.push(...invariants(items, 'item', at(path, 'items')));
  for (const [k, prop] of Object.entries(s.properties ?? {}))
    errs.push(...invariants(prop, 'field', propPath(path, k)));
  if (s.additionalProperties !== undefined) {
    if (lvl === 'root')
      errs.push(forbidden(at(path, 'additionalProperties'), 'must not be used at the root'));
    const ap = additionalPropertiesOf(s);
    if (ap) errs.push(...invariants(ap, 'field', at(path, 'additionalProperties')));
  }
  if (isIntOrString(s) && preservesUnknownFields(s)) {
    errs.push(
      invalid(
        at(path, 'x-kubernetes-preserve-unknown-fields'),
        true,
        'must be false if x-kubernetes-int-or-string is true',
      ),
    );
  }
  if (isIntOrString(s) && isEmbeddedResource(s)) {
    errs.push(
      invalid(
        at(path, 'x-kubernetes-embedded-resource'),
        true,
        'must be false if x-kubernetes-int-or-string is true',
      ),
    );
  }
  errs.push(...valueValidation(s, isIntOrStringAnyOf(s), isIntOrStringAllOf(s), lvl, path));

  const embedded = isEmbeddedResource(s);
  if (embedded && s.type !== 'object') {
    const msg = 'must be object if x-kubernetes-embedded-resource is true';
    errs.push(s.type ? invalid(at(path, 'type'), s.type, msg) : required(at(path, 'type'), msg));
  } else if (!s.type && !isIntOrString(s) && !preservesUnknownFields(s)) {
    const where = {
      root: 'at the root',
      item: 'for specified array items',
      field: 'for specified object fields',
    }[lvl];
    errs.push(required(at(path, 'type'), `must not be empty ${where}`));
  }
  if (embedded && s.additionalProperties !== undefined) {
    errs.push(
      forbidden(
        at(path, 'additionalProperties'),
        'must not be used if x-kubernetes-embedded-resource is set',
      ),
    );
  }
  if (lvl === 'root' && s.type && s.type !== 'object') {
    errs.push(invalid(at(path, 'type'), s.type, 'must be object at the root'));
  }
  const checkMetadata = lvl === 'root' || embedded;
  const props = s.properties ?? {};
  for (const k of ['kind', 'apiVersion'] as const) {
    const p = Object.hasOwn(props, k) ? props[k] : undefined;
    if (p && checkMetadata && p.type !== 'string') {
      errs.push(invalid(`${propPath(path, k)}.type`, p.type ?? '', 'must be string'));
    }
  }
  const metadata = Object.hasOwn(props, 'metadata') ? props.metadata : undefined;
  if (metadata)
    errs.push(...metadataInvariants(metadata, checkMetadata, lvl, propPath(path, 'metadata')));
  if (embedded && !preservesUnknownFields(s) && Object.keys(props).length === 0) {
    errs.push(
      required(
        at(path, 'properties'),
        'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields',
      ),
    );
  }
  return errs;
}

function metadataInvariants(
  s: JSONSchemaProps,
  checkMetadata: boolean,
  lvl: Level,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  if (checkMetadata && s.type !== 'object')
    errs.push(invalid(at(path, 'type'), s.type ?? '', 'must be object'));
  if (lvl === 'root') {
    const keys = Object.keys(s.properties ?? {});
    const onlyNames = keys.length > 0 && keys.every((k) => k === 'name' || k === 'generateName');
    // Anything beyond type, a default and name/generateName restrictions is forbidden.
    const rest = Object.entries(s).filter(
      ([k, v]) =>
        !isZero(v) && !(k === 'type' || k === 'default' || (k === 'properties' && onlyNames)),
    );
    if (rest.length > 0) {
      errs.push(
        forbidden(
          path,
          'must not specify anything other than name and generateName, but metadata is implicitly specified',
        ),
      );
    }
  }
  return errs;
}

function onlyType(s: JSONSchemaProps | undefined, type: string): boolean {
  return s !== undefined && Object.keys(s).length === 1 && s.type === type;
}

function isIntOrStringAnyOf(s: JSONSchemaProps): boolean {
  const a = s.anyOf;
  return a?.length === 2 && onlyType(a[0], 'integer') && onlyType(a[1], 'string');
}

function isIntOrStringAllOf(s: JSONSchemaProps): boolean {
  const first = s.allOf?.[0];
  return first !== undefined && isIntOrStringAnyOf({ anyOf: first.anyOf });
}

/** Junctors of a node (and the pattern it declares). */
function valueValidation(
  s: JSONSchemaProps,
  skipAnyOf: boolean,
  skipFirstAllOfAnyOf: boolean,
  lvl: Level,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  if (!skipAnyOf) {
    s.anyOf?.forEach((v, i) => {
      errs.push(...nested(v, false, lvl, `${at(path, 'anyOf')}[${i}]`));
    });
  }
  s.allOf?.forEach((v, i) => {
    errs.push(...nested(v, skipFirstAllOfAnyOf && i === 0, lvl, `${at(path, 'allOf')}[${i}]`));
  });
  s.oneOf?.forEach((v, i) => {
    errs.push(...nested(v, false, lvl, `${at(path, 'oneOf')}[${i}]`));
  });
  if (s.not) errs.push(...nested(s.not, false, lvl, at(path, 'not')));
  if (s.pattern) {
    const problem = goRegexError(s.pattern);
    if (problem !== undefined) {
      errs.push(
        invalid(
          at(path, 'pattern'),
          s.pattern,
          `must be a valid regular expression, but isn't: ${problem}`,
        ),
      );
    }
  }
  return errs;
}

/** A schema inside a junctor: value validations only. */
function nested(v: JSONSchemaProps, skipAnyOf: boolean, lvl: Level, path: string): FieldError[] {
  const errs = valueValidation(v, skipAnyOf, false, lvl, path);
  const items = itemsOf(v);
  if (items) errs.push(...nested(items, false, lvl, at(path, 'items')));
  for (const [k, p] of Object.entries(v.properties ?? {}))
    errs.push(...nested(p, false, 'field', propPath(path, k)));
  const mustBe = (name: string, what: string) =>
    errs.push(forbidden(at(path, name), `must be ${what} to be structural`));
  if (v.type) mustBe('type', 'empty');
  if (v.additionalProperties !== undefined) mustBe('additionalProperties', 'undefined');
  if (hasDefault(v)) mustBe('default', 'undefined');
  if (v.title) mustBe('title', 'empty');
  if (v.description) mustBe('description', 'empty');
  if (v.nullable) mustBe('nullable', 'false');
  if (preservesUnknownFields(v)) mustBe('x-kubernetes-preserve-unknown-fields', 'false');
  if (isEmbeddedResource(v)) mustBe('x-kubernetes-embedded-resource', 'false');
  if (isIntOrString(v)) mustBe('x-kubernetes-int-or-string', 'false');
  if (v['x-kubernetes-list-map-keys']?.length) mustBe('x-kubernetes-list-map-keys', 'empty');
  if (v['x-kubernetes-list-type'] !== undefined) mustBe('x-kubernetes-list-type', 'undefined');
  if (v['x-kubernetes-map-type'] !== undefined) mustBe('x-kubernetes-map-type', 'undefined');
  if (v['x-kubernetes-validations']?.length) mustBe('x-kubernetes-validations', 'empty');
  if (v.properties && Object.hasOwn(v.properties, 'metadata')) {
    errs.push(forbidden(propPath(path, 'metadata'), 'must not be specified in a nested context'));
  }
  return errs;
}

/** Junctors at the root may only mention fields the structural part specifies. */
function completeness(
  v: JSONSchemaProps,
  vPath: string,
  s: JSONSchemaProps | undefined,
  sPath: string,
): FieldError[] {
  const hasJunctors = v.not !== undefined || v.allOf?.length || v.anyOf?.length || v.oneOf?.length;
  if (!hasJunctors) return [];
  if (s === undefined) return [required(sPath, `because it is defined in ${vPath}`)];
  const errs: FieldError[] = [];
  if (v.not) errs.push(...nestedCompleteness(v.not, at(vPath, 'not'), s, sPath));
  for (const junctor of ['allOf', 'anyOf', 'oneOf'] as const) {
    v[junctor]?.forEach((sub, i) => {
      errs.push(...nestedCompleteness(sub, `${at(vPath, junctor)}[${i}]`, s, sPath));
    });
  }
  return errs;
}

function nestedCompleteness(
  v: JSONSchemaProps,
  vPath: string,
  s: JSONSchemaProps | undefined,
  sPath: string,
): FieldError[] {
  if (s === undefined) return [required(sPath, `because it is defined in ${vPath}`)];
  const errs = completeness(v, vPath, s, sPath);
  const items = itemsOf(v);
  if (items)
    errs.push(...nestedCompleteness(items, at(vPath, 'items'), itemsOf(s), at(sPath, 'items')));
  const sProps = s.properties ?? {};
  for (const [k, p] of Object.entries(v.properties ?? {})) {
    if (Object.hasOwn(sProps, k))
      errs.push(...nestedCompleteness(p, propPath(vPath, k), sProps[k], propPath(sPath, k)));
    else errs.push(required(propPath(sPath, k), `because it is defined in ${propPath(vPath, k)}`));
  }
  return errs;
}
