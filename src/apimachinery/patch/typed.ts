/**
 * The schema-driven walks server-side apply is built from (structured-merge-diff's typed
 * package, reimplemented over JSONSchemaProps): the field set of a value, the comparison of
 * two values (added / modified / removed fields), the apply merge of a configuration into a
 * live value, and the removal of a field set from a value.
 *
 * How a node is walked depends on its schema: lists are atomic unless
 * `x-kubernetes-list-type` is `set` (elements named by value) or `map` (named by their
 * `x-kubernetes-list-map-keys`); objects are granular unless `x-kubernetes-map-type: atomic`.
 * Parts without a schema are deduced from the value: granular maps, atomic lists.
 *
 * Atomic lists and maps, empty containers and scalars are leaves: they are owned and compared
 * as a whole. A granular map is never a field of its own in a field set, a list element is.
 */
import { goQuote } from '../labels.ts';
import type { JsonObject, JsonValue } from '../meta.ts';
import { isJsonObject } from '../meta.ts';
import { deepEqual } from '../schema/json.ts';
import type { JSONSchemaProps } from '../schema/types.ts';
import {
  FieldSet,
  fieldElement,
  indexElement,
  keyElement,
  type Path,
  type PathElement,
  pathElementString,
  pathString,
  serializePathElement,
  valueElement,
} from './fieldpath.ts';
import {
  fieldSchema,
  isAtomicMap,
  isNamedField,
  itemSchema,
  listMapKeys,
  listTypeOf,
  type Schema,
  withObjectMeta,
} from './patch-schema.ts';

/**
 * Where element-naming problems go: collected (for an applied configuration, which must be
 * well-formed), or undefined to tolerate them (stored objects), naming such elements by index.
 */
export type Problems = string[] | undefined;

function own(obj: JsonObject, k: string): JsonValue | undefined {
  return Object.hasOwn(obj, k) ? obj[k] : undefined;
}

function put(obj: JsonObject, k: string, v: JsonValue): void {
  Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
}

function entries(obj: JsonObject): Array<[string, JsonValue]> {
  const out: Array<[string, JsonValue]> = [];
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    if (v !== undefined) out.push([k, v]);
  }
  return out;
}

function isEmptyContainer(v: JsonValue): boolean {
  if (Array.isArray(v)) return v.length === 0;
  if (!isJsonObject(v)) return false;
  for (const k of Object.keys(v)) if (v[k] !== undefined) return false;
  return true;
}

/** A granular list: elements are tracked one by one. */
function isGranularList(v: JsonValue, s: Schema): v is JsonValue[] {
  return Array.isArray(v) && listTypeOf(s) !== 'atomic';
}

function isGranularMap(v: JsonValue, s: Schema): v is JsonObject {
  return isJsonObject(v) && !isAtomicMap(s);
}

/** The name of element `index` of a granular list, or undefined when it cannot be named. */
export function listElement(
  listSchema: Schema,
  item: JsonValue,
  index: number,
  path: Path,
  problems: Problems,
): PathElement | undefined {
  const problem = (message: string): PathElement | undefined => {
    if (problems === undefined) return indexElement(index);
    problems.push(`${pathString(path)}: element ${index}: ${message}`);
    return undefined;
  };
  const keys = listTypeOf(listSchema) === 'map' ? listMapKeys(listSchema) : [];
  if (keys.length > 0) {
    if (item === null) return problem('associative list with keys may not have a null element');
    if (!isJsonObject(item)) {
      return problem('associative list with keys may not have non-map elements');
    }
    const fields: Record<string, JsonValue> = {};
    const items = itemSchema(listSchema);
    for (const k of keys) {
      const v = own(item, k) ?? fieldSchema(items, k)?.default ?? undefined;
      if (v === undefined || v === null) {
        return problem(
          `associative list with keys has an element that omits key field ${goQuote(k)} (and doesn't have default value)`,
        );
      }
      Object.defineProperty(fields, k, { value: v, enumerable: true });
    }
    return keyElement(fields);
  }
  if (isJsonObject(item)) {
    return problem("associative list without keys has an element that's a map type");
  }
  if (Array.isArray(item)) {
    return problem('not supported: associative list with lists as elements');
  }
  if (item === null) {
    return problem("associative list without keys has an element that's an explicit null");
  }
  return valueElement(item);
}

interface Element {
  readonly pe: PathElement;
  readonly id: string;
  readonly item: JsonValue;
}

/** The named elements of a granular list, first occurrence of each name only. */
function elementsOf(list: JsonValue[], s: Schema, path: Path, problems: Problems): Element[] {
  const out: Element[] = [];
  const seen = new Set<string>();
  list.forEach((item, i) => {
    const pe = listElement(s, item, i, path, problems);
    if (pe === undefined) return;
    const id = serializePathElement(pe);
    if (seen.has(id)) {
      problems?.push(`${pathString(path)}: duplicate entries for key ${pathElementString(pe)}`);
      return;
    }
    seen.add(id);
    out.push({ pe, id, item });
  });
  return out;
}

/** The collected problems as one message, aggregated the way upstream joins validation errors. */
export function problemsError(problems: string[]): string {
  if (problems.length === 1) return problems[0] as string;
  return `errors:\n  ${problems.join('\n  ')}`;
}

// ---------------------------------------------------------------------------------------------
// Field sets

/**
 * The fields of `value` at `path`: its leaves and the elements of its granular lists.
 * A null where the schema has a granular list or map contributes nothing, like an absent one.
 */
export function collectFields(
  value: JsonValue,
  s: Schema,
  path: Path,
  out: FieldSet,
  problems: Problems,
): void {
  if (Array.isArray(value)) {
    if (listTypeOf(s) === 'atomic') {
      out.insert(path);
      return;
    }
    const items = itemSchema(s);
    for (const e of elementsOf(value, s, path, problems)) {
      const p = [...path, e.pe];
      collectFields(e.item, items, p, out, problems);
      out.insert(p);
    }
    return;
  }
  if (isJsonObject(value)) {
    if (isAtomicMap(s)) {
      out.insert(path);
      return;
    }
    for (const [k, v] of entries(value)) {
      collectFields(v, fieldSchema(s, k), [...path, fieldElement(k)], out, problems);
    }
    return;
  }
  if (value === null && s?.type === 'object' && !isAtomicMap(s)) return;
  if (value === null && s?.type === 'array' && listTypeOf(s) !== 'atomic') return;
  out.insert(path);
}

/** The field set of a value against a root schema, with no metadata handling. */
export function toFieldSet(value: JsonValue, root: Schema, problems?: Problems): FieldSet {
  const out = new FieldSet();
  collectFields(value, root, [], out, problems);
  return out;
}

/**
 * The fields present in an object: every leaf, every map-list element and set value, per the
 * object's schema (atomic lists and maps count as one field). `metadata` follows ObjectMeta
 * and `metadata.managedFields` is never a field.
 */
export function fieldsOf(obj: JsonValue, schema: JSONSchemaProps | undefined): FieldSet {
  return toFieldSet(withoutManagedFields(obj), withObjectMeta(schema));
}

/** The object without `metadata.managedFields` (which no walk may see). */
export function withoutManagedFields(obj: JsonValue): JsonValue {
  if (!isJsonObject(obj)) return obj;
  const meta = own(obj, 'metadata');
  if (!isJsonObject(meta) || own(meta, 'managedFields') === undefined) return obj;
  const { managedFields: _, ...rest } = meta;
  return { ...obj, metadata: rest };
}

// ---------------------------------------------------------------------------------------------
// Comparison

export interface Comparison {
  /** Fields only in the new value (with every granular container that appeared). */
  readonly added: FieldSet;
  /** Leaves in both values, with different contents. */
  readonly modified: FieldSet;
  /** Fields only in the old value. */
  readonly removed: FieldSet;
}

export function compare(lhs: JsonValue, rhs: JsonValue, root: Schema): Comparison {
  const c: Comparison = {
    added: new FieldSet(),
    modified: new FieldSet(),
    removed: new FieldSet(),
  };
  compareNode(lhs, rhs, root, [], c);
  return c;
}

type Kind = 'list' | 'map' | 'scalar';

function kindOf(v: JsonValue): Kind {
  return Array.isArray(v) ? 'list' : isJsonObject(v) ? 'map' : 'scalar';
}

function compareNode(
  l: JsonValue | undefined,
  r: JsonValue | undefined,
  s: Schema,
  path: Path,
  c: Comparison,
): void {
  if (l === undefined) {
    if (r !== undefined) oneSided(r, s, path, c.added);
    return;
  }
  if (r === undefined) {
    oneSided(l, s, path, c.removed);
    return;
  }
  if (kindOf(l) !== kindOf(r)) {
    // A change of shape: the node itself changed, its old contents went and new ones came.
    c.modified.insert(path);
    descendOneSided(l, s, path, c.removed);
    descendOneSided(r, s, path, c.added);
    return;
  }
  const leaf =
    kindOf(l) === 'scalar' ||
    (isEmptyContainer(l) && isEmptyContainer(r)) ||
    (Array.isArray(l) && listTypeOf(s) === 'atomic') ||
    (isJsonObject(l) && isAtomicMap(s));
  if (leaf) {
    if (!deepEqual(l, r)) c.modified.insert(path);
    return;
  }
  if (Array.isArray(l) && Array.isArray(r)) {
    const items = itemSchema(s);
    const left = new Map(elementsOf(l, s, path, undefined).map((e) => [e.id, e]));
    const right = elementsOf(r, s, path, undefined);
    const rightIds = new Set(right.map((e) => e.id));
    for (const e of right) compareNode(left.get(e.id)?.item, e.item, items, [...path, e.pe], c);
    for (const e of left.values()) {
      if (!rightIds.has(e.id)) compareNode(e.item, undefined, items, [...path, e.pe], c);
    }
    return;
  }
  if (isJsonObject(l) && isJsonObject(r)) {
    for (const [k, v] of entries(l)) {
      compareNode(v, own(r, k), fieldSchema(s, k), [...path, fieldElement(k)], c);
    }
    for (const [k, v] of entries(r)) {
      if (own(l, k) === undefined) {
        compareNode(undefined, v, fieldSchema(s, k), [...path, fieldElement(k)], c);
      }
    }
  }
}

/** A node present on one side only: its fields, and the node itself. */
function oneSided(v: JsonValue, s: Schema, path: Path, into: FieldSet): void {
  descendOneSided(v, s, path, into);
  into.insert(path);
}

function descendOneSided(v: JsonValue, s: Schema, path: Path, into: FieldSet): void {
  if (isGranularList(v, s)) {
    const items = itemSchema(s);
    for (const e of elementsOf(v, s, path, undefined))
      oneSided(e.item, items, [...path, e.pe], into);
  } else if (isGranularMap(v, s)) {
    for (const [k, x] of entries(v))
      oneSided(x, fieldSchema(s, k), [...path, fieldElement(k)], into);
  }
}

// ---------------------------------------------------------------------------------------------
// Apply merge

/**
 * Merges an applied configuration into a live value: the configuration wins on leaves and
 * atomic parts; granular maps merge member by member and granular lists element by element.
 * Merged lists keep the configuration's order for the elements it names, with live-only
 * elements staying where they were relative to them.
 */
export function mergeApplied(live: JsonValue, config: JsonValue, root: Schema): JsonValue {
  return mergeNode(live, config, root, []);
}

function mergeNode(l: JsonValue, r: JsonValue, s: Schema, path: Path): JsonValue {
  if (Array.isArray(l) && Array.isArray(r)) {
    if (listTypeOf(s) === 'atomic' || (l.length === 0 && r.length === 0)) return r;
    return mergeLists(l, r, s, path);
  }
  if (isJsonObject(l) && isJsonObject(r)) {
    if (isAtomicMap(s) || (isEmptyContainer(l) && isEmptyContainer(r))) return r;
    const out: JsonObject = {};
    for (const [k, v] of entries(l)) {
      const rv = own(r, k);
      put(
        out,
        k,
        rv === undefined ? v : mergeNode(v, rv, fieldSchema(s, k), [...path, fieldElement(k)]),
      );
    }
    for (const [k, v] of entries(r)) if (own(l, k) === undefined) put(out, k, v);
    return out;
  }
  return r;
}

function mergeLists(l: JsonValue[], r: JsonValue[], s: Schema, path: Path): JsonValue[] {
  const items = itemSchema(s);
  // Every live element, duplicates included: a duplicate the configuration does not name is
  // kept as it is; one it names collapses into the single merged element.
  const left = l.map((item, i) => {
    const pe = listElement(s, item, i, path, undefined) ?? indexElement(i);
    return { pe, id: serializePathElement(pe), item };
  });
  const right = elementsOf(r, s, path, undefined);
  const firstLive = new Map<string, JsonValue>();
  for (const e of left) if (!firstLive.has(e.id)) firstLive.set(e.id, e.item);
  const rightIds = new Set(right.map((e) => e.id));
  // The configuration's elements that are also live, in the configuration's order: a live
  // element is only emitted at its live position when it is the next of these.
  const shared = right.filter((e) => firstLive.has(e.id)).map((e) => e.id);
  let nextShared = 0;
  const emitted = new Set<string>();
  const out: JsonValue[] = [];
  const emitConfigured = (e: Element) => {
    const lv = firstLive.get(e.id);
    out.push(lv === undefined ? e.item : mergeNode(lv, e.item, items, [...path, e.pe]));
    emitted.add(e.id);
    if (shared[nextShared] === e.id) nextShared++;
  };
  let li = 0;
  let ri = 0;
  while (li < left.length || ri < right.length) {
    const le = left[li];
    const re = right[ri];
    if (le !== undefined && re !== undefined) {
      if (le.id === re.id) {
        emitConfigured(re);
        li++;
        ri++;
        continue;
      }
      if (rightIds.has(le.id) && nextShared < shared.length && shared[nextShared] !== le.id) {
        li++;
        continue;
      }
    }
    if (le !== undefined) {
      if (!rightIds.has(le.id)) {
        out.push(le.item);
        li++;
        continue;
      }
      if (emitted.has(le.id)) {
        li++;
        continue;
      }
    }
    if (re !== undefined) {
      if (!emitted.has(re.id)) emitConfigured(re);
      ri++;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Removal

/**
 * `value` without the fields of `set`: a member drops the whole field or element, a subtree is
 * removed within it. A container emptied by the removal goes too (upstream leaves a null
 * there, which typed objects drop on encoding), except the root.
 */
export function removeFields(value: JsonValue, set: FieldSet, root: Schema): JsonValue {
  if (set.isEmpty()) return value;
  return removeNode(value, set, root, []) ?? {};
}

function removeNode(v: JsonValue, set: FieldSet, s: Schema, path: Path): JsonValue | undefined {
  if (isGranularList(v, s)) {
    if (v.length === 0) return v;
    const items = itemSchema(s);
    const out: JsonValue[] = [];
    let changed = false;
    v.forEach((item, i) => {
      const pe = listElement(s, item, i, path, undefined) ?? indexElement(i);
      if (set.hasMember(pe)) {
        changed = true;
        return;
      }
      const sub = set.child(pe);
      if (sub === undefined) {
        out.push(item);
        return;
      }
      const x = removeNode(item, sub, items, [...path, pe]);
      if (x !== item) changed = true;
      if (x !== undefined) out.push(x);
    });
    if (!changed) return v;
    return out.length === 0 ? undefined : out;
  }
  if (isGranularMap(v, s)) {
    const all = entries(v);
    if (all.length === 0) return v;
    const out: JsonObject = {};
    let changed = false;
    for (const [k, x] of all) {
      const pe = fieldElement(k);
      if (set.hasMember(pe)) {
        changed = true;
        continue;
      }
      const sub = set.child(pe);
      const y = sub === undefined ? x : removeNode(x, sub, fieldSchema(s, k), [...path, pe]);
      if (y !== x) changed = true;
      if (y !== undefined) put(out, k, y);
    }
    if (!changed) return v;
    return entries(out).length === 0 ? undefined : out;
  }
  return v;
}

/**
 * The set with every declared property that has fields below it made a member too, so that
 * removing the set removes such a property whole (upstream's EnsureNamedFieldsAreMembers).
 */
export function ensureNamedFieldsAreMembers(set: FieldSet, s: Schema): FieldSet {
  const out = new FieldSet();
  for (const pe of set.members()) out.addMember(pe);
  for (const { pe, set: sub } of set.children()) {
    if (pe.kind === 'field' && isNamedField(s, pe.name)) out.addMember(pe);
    const cs = pe.kind === 'field' ? fieldSchema(s, pe.name) : itemSchema(s);
    out.setChild(pe, ensureNamedFieldsAreMembers(sub, cs));
  }
  return out;
}
