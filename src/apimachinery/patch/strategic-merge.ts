/**
 * Strategic merge patch (application/strategic-merge-patch+json), applied the way
 * kube-apiserver applies it: maps merge key by key and `null` deletes; lists are replaced unless
 * the schema marks them `x-kubernetes-patch-strategy: merge`, in which case lists of objects
 * merge element by element on `x-kubernetes-patch-merge-key` and lists of scalars become a
 * union. The patch may carry directives: `$patch` (replace / delete / merge), `$retainKeys`,
 * `$setElementOrder/<list>` and `$deleteFromPrimitiveList/<list>`.
 *
 * Ordering follows upstream: without `$setElementOrder`, elements named by the patch are placed
 * in the patch's order and interleaved with the server-only elements by their original
 * positions, so an element new to the list comes before the server-only elements that follow
 * the last element it is ordered against (often: first).
 *
 * Malformed patches fail with 400 and upstream's message (upstream answers some of them with a
 * bare 500; the text is the same).
 */
import type { JsonObject, JsonValue } from '../meta.ts';
import { isJsonObject, objectOrEmpty } from '../meta.ts';
import type { JSONSchemaProps } from '../schema/types.ts';
import { badRequest } from '../status.ts';
import { goTypeName, goValue } from './go-format.ts';
import {
  fieldSchema,
  itemSchema,
  patchMergeKey,
  patchStrategies,
  type Schema,
  withObjectMeta,
} from './patch-schema.ts';

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ELEMENT_ORDER = '$setElementOrder';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';

const ERR_PRIMITIVE_LIST = 'invalid patch format of primitive list';
const ERR_RETAIN_KEYS = 'invalid patch format of retainKeys';
const ERR_SET_ELEMENT_ORDER = 'invalid patch format of setElementOrder list';

/** Applies `patch` to `original` (an object; anything else is patched as if it were `{}`). */
export function applyStrategicMergePatch(
  original: JsonValue,
  patch: JsonObject,
  schema: JSONSchemaProps | undefined,
): JsonValue {
  return mergeMap(objectOrEmpty(original), patch, withObjectMeta(schema));
}

function fail(message: string): never {
  throw badRequest(message);
}

function noMergeKey(m: JsonValue, key: string): never {
  fail(`map: ${goValue(m)} does not contain declared merge key: ${key}`);
}

function badArgType(expected: string, actual: JsonValue | undefined): never {
  fail(`expected a ${expected}, but received a ${goTypeName(actual)}`);
}

function own(obj: JsonObject, k: string): JsonValue | undefined {
  return Object.hasOwn(obj, k) ? obj[k] : undefined;
}

function put(obj: JsonObject, k: string, v: JsonValue): void {
  Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** Scalar equality as Go's `==` on decoded interface values; containers by content. */
function same(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A string equal for two values exactly when `same` says they are. */
function identity(v: JsonValue | undefined): string {
  return `${v !== null && typeof v === 'object' ? 'o' : 's'}${JSON.stringify(v)}`;
}

/**
 * Where each element of a list (by its merge key, or by value without one) first occurs, so
 * that merging lists costs time in proportion to their lengths: scanning one list for each
 * element of another made a patch of 20,000 containers take half a minute of the event loop.
 */
class ListIndex {
  private readonly first = new Map<string, number>();
  /** The first element that is not a map, where a scan by merge key fails. */
  private notMap = -1;

  private readonly mergeKey: string;

  constructor(list: readonly JsonValue[], mergeKey: string) {
    this.mergeKey = mergeKey;
    for (const [i, x] of list.entries()) this.add(x, i);
  }

  add(x: JsonValue, i: number): void {
    let key: string;
    if (this.mergeKey === '') key = identity(x);
    else if (!isJsonObject(x)) {
      if (this.notMap < 0) this.notMap = i;
      return;
    } else if (!Object.hasOwn(x, this.mergeKey)) return;
    else key = identity(x[this.mergeKey]);
    if (!this.first.has(key)) this.first.set(key, i);
  }

  /** The first element with this merge key (or value), or -1. */
  position(key: JsonValue | undefined): number {
    return this.first.get(identity(key)) ?? -1;
  }

  /** As `position`, failing where a scan matching by merge key would: at a non-map first. */
  find(key: JsonValue | undefined): number {
    const at = this.position(key);
    if (this.notMap >= 0 && (at < 0 || at > this.notMap)) {
      fail(`value for key ${this.notMap} is not a map.`);
    }
    return at;
  }
}

/** `merge`, `replace` or '' (default), after setting aside a `retainKeys` strategy. */
function strategyOf(s: Schema): string {
  const parts = patchStrategies(s);
  if (parts.length === 0) return '';
  if (parts.length === 1) return parts[0] === 'retainKeys' ? '' : (parts[0] as string);
  if (parts.length === 2) {
    if (parts[0] === 'retainKeys') return parts[1] as string;
    if (parts[1] === 'retainKeys') return parts[0] as string;
  }
  return fail(`unexpected patch strategy: ${goValue(parts)}`);
}

/** The field a `$prefix/<field>` directive key names. */
function directiveField(key: string, prefix: string, error: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) fail(error);
  return key.slice(slash + 1);
}

function mergeMap(original: JsonObject, patchIn: JsonObject, s: Schema): JsonObject {
  let patch = patchIn;
  if (Object.hasOwn(patch, DIRECTIVE)) {
    const directive = patch[DIRECTIVE];
    if (directive === 'delete') return {};
    const rest = withoutKey(patch, DIRECTIVE);
    if (directive === 'replace') return mergeMap({}, rest, s);
    // Upstream rejects an explicit `$patch: merge` on a map; it is the default, so accept it.
    if (directive !== 'merge') {
      fail(`unknown patch type: ${goValue(directive)} in map: ${goValue(patch)}`);
    }
    patch = rest;
  }

  const out: JsonObject = {};
  for (const [k, v] of Object.entries(original)) if (v !== undefined) put(out, k, v);
  const pending: JsonObject = {};
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) put(pending, k, v);

  applyRetainKeys(out, pending);
  applyElementOrder(out, pending, s);

  const deletions: Array<[string, JsonValue]> = [];
  for (const [k, patchV] of Object.entries(pending)) {
    if (patchV === undefined) continue;
    if (k.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      deletions.push([directiveField(k, DELETE_FROM_PRIMITIVE_LIST, ERR_PRIMITIVE_LIST), patchV]);
      continue;
    }
    if (patchV === null) {
      delete out[k];
      continue;
    }
    const fs = fieldSchema(s, k);
    const origV = own(out, k);
    if (origV === undefined || kindOf(origV) !== kindOf(patchV)) {
      setOrDrop(out, k, fresh(patchV, fs));
    } else if (isJsonObject(origV) && isJsonObject(patchV)) {
      setOrDrop(
        out,
        k,
        strategyOf(fs) === 'replace' ? freshMap(patchV, fs) : mergeMap(origV, patchV, fs),
      );
    } else if (Array.isArray(origV) && Array.isArray(patchV)) {
      put(out, k, mergeListField(origV, patchV, fs, false, k));
    } else {
      put(out, k, patchV);
    }
  }
  // Deletions run after the merges so that an explicit delete of a value wins.
  for (const [k, patchV] of deletions) {
    if (patchV === null) {
      delete out[k];
      continue;
    }
    const origV = own(out, k);
    if (Array.isArray(origV) && Array.isArray(patchV)) {
      put(out, k, mergeListField(origV, patchV, fieldSchema(s, k), true, k));
    }
  }
  return out;
}

function withoutKey(obj: JsonObject, key: string): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) if (k !== key && v !== undefined) put(out, k, v);
  return out;
}

function setOrDrop(obj: JsonObject, k: string, v: JsonValue | undefined): void {
  if (v === undefined) delete obj[k];
  else put(obj, k, v);
}

/** `$retainKeys`: every key of the original not listed is cleared. */
function applyRetainKeys(out: JsonObject, patch: JsonObject): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
  const list = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(list)) fail(ERR_RETAIN_KEYS);
  const keep = new Set(list);
  const retained = (k: string) => keep.has(k);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) {
      continue;
    }
    if (!retained(k)) fail(ERR_RETAIN_KEYS);
  }
  for (const k of Object.keys(out)) if (!retained(k)) delete out[k];
}

/**
 * `$setElementOrder/<field>`: merges the list it names (when the patch has it) and then orders
 * the result: listed elements in the listed order, server-only elements kept at their places.
 */
function applyElementOrder(out: JsonObject, patch: JsonObject, s: Schema): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = patch[key];
    delete patch[key];
    if (!Array.isArray(order)) badArgType('[]interface {}', order);
    const field = directiveField(key, SET_ELEMENT_ORDER, ERR_SET_ELEMENT_ORDER);
    const origV = own(out, field);
    const patchV = own(patch, field);
    if (origV !== undefined && !Array.isArray(origV)) badArgType('[]interface {}', origV);
    if (patchV !== undefined && !Array.isArray(patchV)) {
      badArgType('[]interface {}', patchV);
    }
    const fs = fieldSchema(s, field);
    strategyOf(fs);
    const mergeKey = patchMergeKey(fs);
    const patchList = Array.isArray(patchV) ? patchV : undefined;
    validateOrderList(patchList ?? [], order, mergeKey);

    let merged: JsonValue[];
    if (origV !== undefined && patchList === undefined) merged = origV;
    else if (origV === undefined && patchList !== undefined) merged = freshList(patchList, fs);
    else if (origV !== undefined && patchList !== undefined) {
      merged = mergeListField(origV, patchList, fs, false, field);
    } else continue;
    delete patch[field];

    const elements = [...(origV ?? []), ...(patchList ?? [])];
    if (elements.length === 0) {
      put(out, field, merged);
      continue;
    }
    const [inOrder, serverOnly] = partition(merged, order, mergeKey);
    const sortKey = elements.some(isJsonObject) ? mergeKey : '';
    put(out, field, normalizeOrder(inOrder, serverOnly, order, origV ?? [], sortKey));
  }
}

/** The patch list must not order its elements differently from `$setElementOrder`. */
function validateOrderList(patchList: JsonValue[], order: JsonValue[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  let items = patchList;
  if (mergeKey !== '') {
    items = patchList.filter((v) => {
      if (!isJsonObject(v)) return badArgType('map[string]interface {}', v);
      return v[DIRECTIVE] !== 'delete';
    });
  }
  let p = 0;
  let o = 0;
  while (p < items.length && o < order.length) {
    const item = items[p] as JsonValue;
    if (isJsonObject(item) && Object.hasOwn(item, DIRECTIVE)) {
      p++;
      continue;
    }
    if (mergeKeyEqual(item, order[o] as JsonValue, mergeKey)) p++;
    o++;
  }
  if (p < items.length && o >= order.length) {
    fail(
      `the order in patch list:\n${goValue(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goValue(order)}`,
    );
  }
}

function mergeKeyEqual(left: JsonValue, right: JsonValue, mergeKey: string): boolean {
  if (mergeKey === '') return same(left, right);
  if (!isJsonObject(left)) return badArgType('map[string]interface {}', left);
  if (!isJsonObject(right)) return badArgType('map[string]interface {}', right);
  if (!Object.hasOwn(left, mergeKey)) noMergeKey(left, mergeKey);
  if (!Object.hasOwn(right, mergeKey)) noMergeKey(right, mergeKey);
  return same(left[mergeKey], right[mergeKey]);
}

/** A list value under patch strategy of field schema `fs`. */
function mergeListField(
  original: JsonValue[],
  patch: JsonValue[],
  fs: Schema,
  isDeleteList: boolean,
  name: string,
): JsonValue[] {
  if (strategyOf(fs) !== 'merge') return freshList(patch, fs);
  return mergeList(original, patch, fs, isDeleteList, name);
}

type ElementKind = 'map' | 'list' | 'string' | 'number' | 'bool' | 'nil';

function kindOf(v: JsonValue): ElementKind {
  if (v === null) return 'nil';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'map';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  return 'bool';
}

/** The one element kind of both lists; lists of lists and mixed lists cannot be merged. */
function elementKind(original: JsonValue[], patch: JsonValue[]): ElementKind {
  let kind: ElementKind | undefined;
  for (const v of [...original, ...patch]) {
    const k = kindOf(v);
    if (kind === undefined) {
      if (k === 'list') fail('lists of lists are not supported');
      kind = k;
    } else if (k !== kind) {
      fail(`list element types are not identical: ${goValue([original, patch])}`);
    }
  }
  return kind ?? 'nil';
}

function mergeList(
  originalIn: JsonValue[],
  patchIn: JsonValue[],
  fs: Schema,
  isDeleteList: boolean,
  name: string,
): JsonValue[] {
  if (originalIn.length === 0 && patchIn.length === 0) return originalIn;
  const kind = elementKind(originalIn, patchIn);
  let original = originalIn;
  let patch = patchIn;
  let merged: JsonValue[];
  let mergeKey = '';
  if (kind !== 'map') {
    if (isDeleteList) {
      const deleted = new ListIndex(patch, '');
      return original.filter((v) => deleted.position(v) < 0);
    }
    merged = union(original, patch);
  } else {
    mergeKey = patchMergeKey(fs);
    if (mergeKey === '') fail(`cannot merge lists without merge key for ${name}`);
    [original, patch] = applyElementDirectives(original, patch, mergeKey, itemSchema(fs));
    merged = mergeByKey(original, patch, mergeKey, itemSchema(fs));
  }
  const [inPatch, serverOnly] = partition(merged, patch, mergeKey);
  return normalizeOrder(inPatch, serverOnly, patch, original, mergeKey);
}

function union(a: JsonValue[], b: JsonValue[]): JsonValue[] {
  const seen = new Set<string>();
  const out: JsonValue[] = [];
  for (const v of [...a, ...b]) {
    const key = identity(v);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(v);
  }
  return out;
}

/**
 * Elements carrying `$patch`: `delete` removes the original elements with that key,
 * `replace` makes the patch's other elements the whole list.
 */
function applyElementDirectives(
  original: JsonValue[],
  patch: JsonValue[],
  mergeKey: string,
  items: Schema,
): [JsonValue[], JsonValue[]] {
  const plain: JsonValue[] = [];
  let replace = false;
  const deleted = new Set<string>();
  for (const v of patch) {
    if (!isJsonObject(v) || !Object.hasOwn(v, DIRECTIVE)) {
      plain.push(v);
      continue;
    }
    const directive = v[DIRECTIVE];
    if (directive === 'delete') {
      if (!Object.hasOwn(v, mergeKey)) noMergeKey(v, mergeKey);
      // Deleting by key reads every element of the list as a map.
      if (deleted.size === 0) new ListIndex(original, mergeKey).find(undefined);
      deleted.add(identity(v[mergeKey]));
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      fail('merging lists cannot yet be specified in the patch');
    } else {
      fail(`unknown patch type: ${goValue(directive)} in map: ${goValue(v)}`);
    }
  }
  if (replace) {
    const whole: JsonValue[] = [];
    for (const v of plain) {
      const x = isJsonObject(v) ? freshMap(v, items) : v;
      if (x !== undefined) whole.push(x);
    }
    return [whole, []];
  }
  const kept =
    deleted.size === 0
      ? original
      : original.filter(
          (x) =>
            !(isJsonObject(x) && Object.hasOwn(x, mergeKey) && deleted.has(identity(x[mergeKey]))),
        );
  return [kept, plain];
}

function mergeByKey(
  original: JsonValue[],
  patch: JsonValue[],
  mergeKey: string,
  items: Schema,
): JsonValue[] {
  const out = [...original];
  const index = new ListIndex(out, mergeKey);
  for (const v of patch) {
    if (!isJsonObject(v)) return badArgType('map[string]interface {}', v);
    if (!Object.hasOwn(v, mergeKey)) noMergeKey(v, mergeKey);
    const at = index.find(v[mergeKey]);
    if (at >= 0) out[at] = mergeMap(out[at] as JsonObject, v, items);
    else {
      const added = freshMap(v, items);
      if (added !== undefined) index.add(added, out.push(added) - 1);
    }
  }
  return out;
}

/** Splits `list` into the elements that `by` names (by merge key, or by value) and the rest. */
function partition(
  list: JsonValue[],
  by: JsonValue[],
  mergeKey: string,
): [JsonValue[], JsonValue[]] {
  const named: JsonValue[] = [];
  const rest: JsonValue[] = [];
  const index = new ListIndex(by, mergeKey);
  for (const v of list) {
    let found: boolean;
    if (mergeKey === '') found = index.position(v) >= 0;
    else {
      if (!isJsonObject(v)) return badArgType('map[string]interface {}', v);
      if (!Object.hasOwn(v, mergeKey)) noMergeKey(v, mergeKey);
      found = index.find(v[mergeKey]) >= 0;
    }
    (found ? named : rest).push(v);
  }
  return [named, rest];
}

/** The position of `v` in the list `index` was made of (by merge key, or by value). */
function positionIn(index: ListIndex, v: JsonValue, mergeKey: string): number {
  if (mergeKey === '') return index.position(v);
  return index.position(isJsonObject(v) ? v[mergeKey] : undefined);
}

function sortBy(list: JsonValue[], order: JsonValue[], mergeKey: string): JsonValue[] {
  if (mergeKey !== '') {
    for (const v of [...list, ...order]) {
      if (!isJsonObject(v) || !Object.hasOwn(v, mergeKey)) noMergeKey(v, mergeKey);
    }
  }
  const orderIndex = new ListIndex(order, mergeKey);
  const ranked = list.map((v, i) => ({ v, i, at: positionIn(orderIndex, v, mergeKey) }));
  ranked.sort((a, b) => {
    if (a.at >= 0 && b.at >= 0 && a.at !== b.at) return a.at - b.at;
    if (a.at < 0 !== b.at < 0) return a.at < 0 ? 1 : -1;
    return a.i - b.i;
  });
  return ranked.map((r) => r.v);
}

/**
 * Orders the patch's elements by `patchOrder` and the server-only ones by `serverOrder`, then
 * interleaves them: a server-only element goes first only when both it and the next patch
 * element are in the original list and it came first there.
 */
function normalizeOrder(
  patchItems: JsonValue[],
  serverOnlyItems: JsonValue[],
  patchOrder: JsonValue[],
  serverOrder: JsonValue[],
  mergeKey: string,
): JsonValue[] {
  const right = sortBy(patchItems, patchOrder, mergeKey);
  const left = sortBy(serverOnlyItems, serverOrder, mergeKey);
  const out: JsonValue[] = [];
  const serverIndex = new ListIndex(serverOrder, mergeKey);
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++] as JsonValue);
    else if (j >= right.length) out.push(left[i++] as JsonValue);
    else {
      const li = positionIn(serverIndex, left[i] as JsonValue, mergeKey);
      const ri = positionIn(serverIndex, right[j] as JsonValue, mergeKey);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++] as JsonValue);
      else out.push(right[j++] as JsonValue);
    }
  }
  return out;
}

/**
 * A patch value with nothing to merge into (a new key, or one whose type changes): directives
 * are resolved against nothing and nulls dropped, as the patch would read once applied.
 * Undefined when the value deletes itself.
 */
function fresh(v: JsonValue, s: Schema): JsonValue | undefined {
  if (isJsonObject(v)) return freshMap(v, s);
  if (Array.isArray(v)) return freshList(v, s);
  return v;
}

function freshMap(v: JsonObject, s: Schema): JsonObject | undefined {
  if (v[DIRECTIVE] === 'delete') return undefined;
  return mergeMap({}, v, s);
}

/** A replacing list: marker elements (`{$patch: …}`) go, nested patches are resolved. */
function freshList(list: JsonValue[], s: Schema): JsonValue[] {
  const items = itemSchema(s);
  const out: JsonValue[] = [];
  for (const v of list) {
    if (isJsonObject(v)) {
      if (Object.hasOwn(v, DIRECTIVE)) continue;
      const x = mergeMap({}, v, items);
      out.push(x);
    } else if (Array.isArray(v)) out.push(freshList(v, items));
    else out.push(v);
  }
  return out;
}
