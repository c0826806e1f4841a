/**
 * Field paths and field sets as server-side apply records them (structured-merge-diff's
 * fieldpath package): a path is a list of elements — a field name, a map-list key, a set
 * value or a list index — and a set is a tree of them. Owns the FieldsV1 wire form
 * (`{"f:spec":{".":{},"f:replicas":{}}}`) in both directions and the printed form of paths
 * used in conflict messages (`.spec.containers[name="c1"].image`).
 *
 * Element order, used for FieldsV1 output and for iteration, is upstream's: field names before
 * keys before values before indexes; names by bytes, keys field by field, values numbers <
 * strings < booleans < lists < maps < null.
 */
import type { JsonObject, JsonValue } from '../meta.ts';
import { isJsonObject } from '../meta.ts';
import { compareStrings } from '../schema/json.ts';
import { smdJson, smdJsonString, smdValueString } from './go-format.ts';

export type PathElement =
  | { readonly kind: 'field'; readonly name: string }
  /** Key fields sorted by name. */
  | { readonly kind: 'key'; readonly fields: ReadonlyArray<readonly [string, JsonValue]> }
  | { readonly kind: 'value'; readonly value: JsonValue }
  | { readonly kind: 'index'; readonly index: number };

export type Path = readonly PathElement[];

export function fieldElement(name: string): PathElement {
  return { kind: 'field', name };
}

export function keyElement(fields: Readonly<Record<string, JsonValue>>): PathElement {
  const sorted = Object.entries(fields).sort(([a], [b]) => compareStrings(a, b));
  return { kind: 'key', fields: sorted };
}

export function valueElement(value: JsonValue): PathElement {
  return { kind: 'value', value };
}

export function indexElement(index: number): PathElement {
  return { kind: 'index', index };
}

/** The FieldsV1 key of an element: `f:name`, `k:{"name":"c1"}`, `v:"x"`, `i:0`. */
export function serializePathElement(pe: PathElement): string {
  switch (pe.kind) {
    case 'field':
      return `f:${pe.name}`;
    case 'key':
      return `k:{${pe.fields.map(([k, v]) => `${smdJsonString(k)}:${smdJson(v)}`).join(',')}}`;
    case 'value':
      return `v:${smdJson(pe.value)}`;
    case 'index':
      return `i:${pe.index}`;
  }
}

/** Parses a FieldsV1 key; undefined for element kinds this version does not know. */
export function parsePathElement(s: string): PathElement | undefined {
  if (s.length < 2) throw new Error(`key must be 2 characters long: ${s}`);
  if (s[1] !== ':') throw new Error(`missing colon: ${s}`);
  const body = s.slice(2);
  switch (s[0]) {
    case 'f':
      return fieldElement(body);
    case 'v':
      return valueElement(parseJson(body, s));
    case 'k': {
      const v = parseJson(body, s);
      if (!isJsonObject(v)) throw new Error(`invalid key in ${s}: not an object`);
      const fields: Record<string, JsonValue> = {};
      for (const [k, x] of Object.entries(v)) {
        if (x !== undefined) Object.defineProperty(fields, k, { value: x, enumerable: true });
      }
      return keyElement(fields);
    }
    case 'i': {
      if (!/^[-+]?\d+$/.test(body)) throw new Error(`invalid index in ${s}`);
      return indexElement(Number.parseInt(body, 10));
    }
    default:
      return undefined;
  }
}

function parseJson(text: string, key: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    throw new Error(`invalid path element ${key}`);
  }
}

/** How upstream prints an element in a path: `.name`, `[k=v,…]`, `[=v]`, `[0]`. */
export function pathElementString(pe: PathElement): string {
  switch (pe.kind) {
    case 'field':
      return `.${pe.name}`;
    case 'key':
      return `[${pe.fields.map(([k, v]) => `${k}=${smdValueString(v)}`).join(',')}]`;
    case 'value':
      return `[=${smdValueString(pe.value)}]`;
    case 'index':
      return `[${pe.index}]`;
  }
}

export function pathString(path: Path): string {
  return path.map(pathElementString).join('');
}

const ELEMENT_RANK = { field: 0, key: 1, value: 2, index: 3 } as const;

export function comparePathElements(a: PathElement, b: PathElement): number {
  if (a.kind !== b.kind) return ELEMENT_RANK[a.kind] - ELEMENT_RANK[b.kind];
  switch (a.kind) {
    case 'field':
      return compareStrings(a.name, (b as typeof a).name);
    case 'key': {
      const bf = (b as typeof a).fields;
      for (let i = 0; ; i++) {
        const x = a.fields[i];
        const y = bf[i];
        if (x === undefined || y === undefined) {
          return x === undefined ? (y === undefined ? 0 : -1) : 1;
        }
        const c = compareStrings(x[0], y[0]) || compareValues(x[1], y[1]);
        if (c !== 0) return c;
      }
    }
    case 'value':
      return compareValues(a.value, (b as typeof a).value);
    case 'index':
      return Math.sign(a.index - (b as typeof a).index);
  }
}

function valueRank(v: JsonValue): number {
  if (typeof v === 'number') return 0;
  if (typeof v === 'string') return 1;
  if (typeof v === 'boolean') return 2;
  if (Array.isArray(v)) return 3;
  if (v !== null) return 4;
  return 5;
}

/** structured-merge-diff's total order on values. */
export function compareValues(a: JsonValue, b: JsonValue): number {
  const ra = valueRank(a);
  const rb = valueRank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number') return Math.sign(a - (b as number));
  if (typeof a === 'string') return compareStrings(a, b as string);
  if (typeof a === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (Array.isArray(a)) {
    const bl = b as JsonValue[];
    for (let i = 0; ; i++) {
      if (i >= a.length || i >= bl.length) return Math.sign(a.length - bl.length);
      const c = compareValues(a[i] as JsonValue, bl[i] as JsonValue);
      if (c !== 0) return c;
    }
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const ak = Object.keys(a)
      .filter((k) => a[k] !== undefined)
      .sort(compareStrings);
    const bk = Object.keys(b)
      .filter((k) => b[k] !== undefined)
      .sort(compareStrings);
    for (let i = 0; ; i++) {
      const x = ak[i];
      const y = bk[i];
      if (x === undefined || y === undefined) return Math.sign(ak.length - bk.length);
      const c = compareStrings(x, y) || compareValues(a[x] as JsonValue, b[y] as JsonValue);
      if (c !== 0) return c;
    }
  }
  return 0;
}

interface Child {
  readonly pe: PathElement;
  readonly set: FieldSet;
}

/**
 * A set of field paths, stored as a tree: `members` are paths ending at this node, `children`
 * lead deeper. An empty child is never stored, so `isEmpty` is structural.
 *
 * A set is built with `insert` and not changed after: the set operations share the subtrees
 * they leave as they were with their operands instead of copying them (copying made every
 * write of a large object copy its field tree several times: seconds for 3 MiB).
 */
export class FieldSet {
  readonly #members = new Map<string, PathElement>();
  readonly #children = new Map<string, Child>();

  static of(...paths: Path[]): FieldSet {
    const set = new FieldSet();
    for (const p of paths) set.insert(p);
    return set;
  }

  /** Adds a path (the empty path, the root itself, is never a member). */
  insert(path: Path): this {
    if (path.length === 0) return this;
    let node: FieldSet = this;
    for (let i = 0; i < path.length - 1; i++) {
      const pe = path[i] as PathElement;
      const id = serializePathElement(pe);
      let child = node.#children.get(id);
      if (child === undefined) {
        child = { pe, set: new FieldSet() };
        node.#children.set(id, child);
      }
      node = child.set;
    }
    const last = path[path.length - 1] as PathElement;
    node.#members.set(serializePathElement(last), last);
    return this;
  }

  has(path: Path): boolean {
    const [head, ...rest] = path;
    if (head === undefined) return false;
    const id = serializePathElement(head);
    if (rest.length === 0) return this.#members.has(id);
    return this.#children.get(id)?.set.has(rest) ?? false;
  }

  hasMember(pe: PathElement): boolean {
    return this.#members.has(serializePathElement(pe));
  }

  /** The paths below `pe`, relative to it (upstream's WithPrefix). */
  child(pe: PathElement): FieldSet | undefined {
    return this.#children.get(serializePathElement(pe))?.set;
  }

  isEmpty(): boolean {
    return this.#members.size === 0 && this.#children.size === 0;
  }

  /** Number of paths in the set. */
  get size(): number {
    let n = this.#members.size;
    for (const c of this.#children.values()) n += c.set.size;
    return n;
  }

  union(other: FieldSet): FieldSet {
    if (other.isEmpty()) return this;
    if (this.isEmpty()) return other;
    const out = new FieldSet();
    for (const s of [this, other]) {
      for (const [id, pe] of s.#members) out.#members.set(id, pe);
    }
    for (const [id, a] of this.#children) {
      const b = other.#children.get(id);
      out.#children.set(id, b === undefined ? a : { pe: a.pe, set: a.set.union(b.set) });
    }
    for (const [id, b] of other.#children) {
      if (!this.#children.has(id)) out.#children.set(id, b);
    }
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [id, pe] of this.#members) if (other.#members.has(id)) out.#members.set(id, pe);
    for (const [id, c] of this.#children) {
      const o = other.#children.get(id);
      if (o === undefined) continue;
      const set = c.set.intersection(o.set);
      if (!set.isEmpty()) out.#children.set(id, { pe: c.pe, set });
    }
    return out;
  }

  difference(other: FieldSet): FieldSet {
    if (other.isEmpty()) return this;
    const out = new FieldSet();
    for (const [id, pe] of this.#members) if (!other.#members.has(id)) out.#members.set(id, pe);
    for (const [id, c] of this.#children) {
      const o = other.#children.get(id);
      if (o === undefined) {
        out.#children.set(id, c);
        continue;
      }
      const set = c.set.difference(o.set);
      if (!set.isEmpty()) out.#children.set(id, { pe: c.pe, set });
    }
    return out;
  }

  /** The difference that also drops every path below a member of `other`. */
  recursiveDifference(other: FieldSet): FieldSet {
    if (other.isEmpty()) return this;
    const out = new FieldSet();
    for (const [id, pe] of this.#members) if (!other.#members.has(id)) out.#members.set(id, pe);
    for (const [id, c] of this.#children) {
      if (other.#members.has(id)) continue;
      const o = other.#children.get(id);
      if (o === undefined) {
        out.#children.set(id, c);
        continue;
      }
      const set = c.set.recursiveDifference(o.set);
      if (!set.isEmpty()) out.#children.set(id, { pe: c.pe, set });
    }
    return out;
  }

  equals(other: FieldSet): boolean {
    if (this.#members.size !== other.#members.size) return false;
    if (this.#children.size !== other.#children.size) return false;
    for (const id of this.#members.keys()) if (!other.#members.has(id)) return false;
    for (const [id, c] of this.#children) {
      const o = other.#children.get(id);
      if (o === undefined || !c.set.equals(o.set)) return false;
    }
    return true;
  }

  /** Adds `pe` as a member (used to mark a node itself). */
  addMember(pe: PathElement): void {
    this.#members.set(serializePathElement(pe), pe);
  }

  /** Replaces the subtree below `pe`; an empty set removes it. */
  setChild(pe: PathElement, set: FieldSet): void {
    const id = serializePathElement(pe);
    if (set.isEmpty()) this.#children.delete(id);
    else this.#children.set(id, { pe, set });
  }

  /** Members of this node, in element order. */
  members(): PathElement[] {
    return [...this.#members.values()].sort(comparePathElements);
  }

  /** Subtrees of this node, in element order. */
  children(): Array<{ pe: PathElement; set: FieldSet }> {
    return [...this.#children.values()].sort((a, b) => comparePathElements(a.pe, b.pe));
  }

  /** Every path, in upstream's iteration order: a node's members, then its subtrees. */
  paths(): Path[] {
    const out: Path[] = [];
    this.#collect([], out);
    return out;
  }

  #collect(prefix: Path, out: Path[]): void {
    for (const pe of this.members()) out.push([...prefix, pe]);
    for (const c of this.children()) c.set.#collect([...prefix, c.pe], out);
  }

  toString(): string {
    return this.paths().map(pathString).join('\n');
  }

  /** The FieldsV1 form: one nested object per element, `"."` where a node is also a member. */
  toFieldsV1(): JsonObject {
    return this.#emit(false);
  }

  #emit(includeSelf: boolean): JsonObject {
    const out: JsonObject = {};
    if (includeSelf && !this.isEmpty()) put(out, '.', {});
    const entries = new Map<string, { pe: PathElement; member: boolean; set?: FieldSet }>();
    for (const [id, pe] of this.#members) entries.set(id, { pe, member: true });
    for (const [id, c] of this.#children) {
      entries.set(id, { pe: c.pe, member: this.#members.has(id), set: c.set });
    }
    const sorted = [...entries].sort(([, a], [, b]) => comparePathElements(a.pe, b.pe));
    for (const [id, e] of sorted) put(out, id, e.set ? e.set.#emit(e.member) : {});
    return out;
  }

  /** Reads FieldsV1; unknown element kinds are skipped, malformed ones throw. */
  static fromFieldsV1(v: JsonValue | undefined): FieldSet {
    if (v === undefined || v === null) return new FieldSet();
    if (!isJsonObject(v)) throw new Error('FieldsV1 must be an object');
    return FieldSet.#read(v).set ?? new FieldSet();
  }

  static #read(obj: JsonObject): { set: FieldSet | undefined; member: boolean } {
    let set: FieldSet | undefined;
    let member = false;
    for (const [key, value] of Object.entries(obj)) {
      if (value === undefined) continue;
      if (key === '.') {
        member = true;
        continue;
      }
      const pe = parsePathElement(key);
      if (pe === undefined) continue;
      if (!isJsonObject(value)) throw new Error(`value of ${key} must be an object`);
      const sub = FieldSet.#read(value);
      if (sub.member) {
        set ??= new FieldSet();
        set.addMember(pe);
      }
      if (sub.set !== undefined && !sub.set.isEmpty()) {
        set ??= new FieldSet();
        set.setChild(pe, sub.set);
      }
    }
    return { set, member: member || set === undefined };
  }
}

/** Keys here are `.` or an element's `f:`/`k:`/`v:`/`i:` form, never `__proto__`. */
function put(obj: JsonObject, k: string, v: JsonValue): void {
  obj[k] = v;
}
