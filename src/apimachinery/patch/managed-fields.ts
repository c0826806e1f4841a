/**
 * `metadata.managedFields`: decoding and encoding the entries, manager identity, and the
 * ownership bookkeeping of non-apply writes (create, update, every patch type but apply), as
 * kube-apiserver's field manager stack does it.
 *
 * A manager is identified by (manager, operation, subresource) for Apply and by (manager,
 * operation, apiVersion, subresource) for Update. A write by Update takes every field it
 * changes from whoever owned it (Update is always forced), every manager loses fields the write
 * removes, and managers left with nothing are dropped. Its entry gets a new time only when the
 * write changed something. Objects that have no managedFields when they are updated stay
 * untracked until their first apply, and at most ten Update entries are kept: older ones fold
 * into `ancient-changes` per apiVersion.
 *
 * Fields of other apiVersions are compared as if they had this version's paths (the engines
 * see one schema); conversion between versions is the caller's concern.
 */
import { goQuote } from '../labels.ts';
import type { JsonValue, KubeObject, ManagedFieldsEntry } from '../meta.ts';
import { asJson, isJsonObject, timestamp } from '../meta.ts';
import { compareStrings } from '../schema/json.ts';
import type { JSONSchemaProps } from '../schema/types.ts';
import { FieldSet, fieldElement } from './fieldpath.ts';
import { goValue, smdJsonString } from './go-format.ts';
import { type Schema, withObjectMeta } from './patch-schema.ts';
import { type Comparison, compare, withoutManagedFields } from './typed.ts';

export type Operation = 'Apply' | 'Update';

/** One manager's decoded entry. */
export interface ManagerEntry {
  readonly manager: string;
  readonly operation: Operation;
  readonly apiVersion: string;
  /** '' for the main resource. */
  readonly subresource: string;
  readonly time: string | undefined;
  readonly set: FieldSet;
}

/** Decoded managedFields, keyed by manager identifier. */
export type ManagedFieldSets = Map<string, ManagerEntry>;

export const BEFORE_FIRST_APPLY = 'before-first-apply';
export const ANCIENT_CHANGES = 'ancient-changes';
export const MAX_UPDATE_MANAGERS = 10;

/**
 * Fields no manager ever owns: type and identity metadata the server sets or that names the
 * object (upstream's strip set, plus deletionTimestamp, which only the server sets).
 */
export const UNOWNED_FIELDS: FieldSet = FieldSet.of(
  [fieldElement('apiVersion')],
  [fieldElement('kind')],
  [fieldElement('metadata')],
  ...[
    'name',
    'namespace',
    'creationTimestamp',
    'deletionTimestamp',
    'selfLink',
    'uid',
    'clusterName',
    'generation',
    'managedFields',
    'resourceVersion',
  ].map((f) => [fieldElement('metadata'), fieldElement(f)]),
);

/**
 * The identity a manager's entry is keyed by, encoded like upstream (the JSON of the entry's
 * identifying members, which also orders managers in conflict messages). Apply entries leave
 * out the apiVersion so that an applier keeps one entry across versions.
 */
export function managerIdentifier(e: {
  manager: string;
  operation: Operation;
  apiVersion: string;
  subresource?: string;
}): string {
  const parts: string[] = [];
  if (e.manager !== '') parts.push(`"manager":${smdJsonString(e.manager)}`);
  parts.push(`"operation":${smdJsonString(e.operation)}`);
  if (e.operation === 'Update' && e.apiVersion !== '') {
    parts.push(`"apiVersion":${smdJsonString(e.apiVersion)}`);
  }
  if (e.subresource) parts.push(`"subresource":${smdJsonString(e.subresource)}`);
  return `{${parts.join(',')}}`;
}

/** How conflict messages name a manager: `"kubectl"`, `"ctl" using v1`, `… with subresource "status"`. */
export function printManager(
  e: Pick<ManagerEntry, 'manager' | 'operation' | 'apiVersion' | 'subresource'>,
): string {
  let out = goQuote(e.manager);
  if (e.subresource !== '') out += ` with subresource ${goQuote(e.subresource)}`;
  return e.operation === 'Update' ? `${out} using ${e.apiVersion}` : out;
}

/** Decodes managedFields; throws an Error with upstream's message for a malformed entry. */
export function decodeManagedFields(
  entries: readonly ManagedFieldsEntry[] | null | undefined,
): ManagedFieldSets {
  const out: ManagedFieldSets = new Map();
  (entries ?? []).forEach((e, i) => {
    const operation: unknown = e.operation;
    if (operation !== 'Apply' && operation !== 'Update') {
      throw new Error('operation must be `Apply` or `Update`');
    }
    if (!e.apiVersion) throw new Error('apiVersion must not be empty');
    const fieldsType: unknown = e.fieldsType;
    if (fieldsType === undefined || fieldsType === '') {
      throw new Error(`missing fieldsType in managed fields entry ${i}`);
    }
    if (fieldsType !== 'FieldsV1') {
      throw new Error(
        `invalid fieldsType ${goQuote(String(fieldsType))} in managed fields entry ${i}`,
      );
    }
    let set: FieldSet;
    try {
      set = FieldSet.fromFieldsV1(e.fieldsV1);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new Error(`error decoding versioned set from ${goValue(e)}: ${why}`);
    }
    const entry: ManagerEntry = {
      manager: e.manager ?? '',
      operation,
      apiVersion: e.apiVersion,
      subresource: e.subresource ?? '',
      time: e.time,
      set,
    };
    out.set(managerIdentifier(entry), entry);
  });
  return out;
}

function seconds(time: string | undefined): number {
  if (time === undefined) return 0;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

/** Encodes managedFields in upstream's order: Apply before Update, then by time, name, … */
export function encodeManagedFields(managed: ManagedFieldSets): ManagedFieldsEntry[] {
  const entries = [...managed.values()].filter((e) => !e.set.isEmpty());
  entries.sort(
    (p, q) =>
      compareStrings(p.operation, q.operation) ||
      seconds(p.time) - seconds(q.time) ||
      compareStrings(p.manager, q.manager) ||
      compareStrings(p.apiVersion, q.apiVersion) ||
      compareStrings(p.subresource, q.subresource),
  );
  return entries.map((e) => ({
    ...(e.manager !== '' ? { manager: e.manager } : {}),
    operation: e.operation,
    apiVersion: e.apiVersion,
    ...(e.time !== undefined ? { time: e.time } : {}),
    fieldsType: 'FieldsV1',
    fieldsV1: e.set.toFieldsV1(),
    ...(e.subresource !== '' ? { subresource: e.subresource } : {}),
  }));
}

/** The comparison with fields the endpoint ignores (reset fields) taken out. */
export function compareIgnoring(
  lhs: JsonValue,
  rhs: JsonValue,
  root: Schema,
  ignored: FieldSet | undefined,
): Comparison {
  const c = compare(lhs, rhs, root);
  if (ignored === undefined || ignored.isEmpty()) return c;
  return {
    added: c.added.recursiveDifference(ignored),
    modified: c.modified.recursiveDifference(ignored),
    removed: c.removed.recursiveDifference(ignored),
  };
}

/** Per manager (other than `except`), the fields a write modifies or adds that it owns. */
export function conflictingFields(
  managed: ManagedFieldSets,
  c: Comparison,
  except: string | undefined,
): Map<string, FieldSet> {
  const changed = c.modified.union(c.added);
  const out = new Map<string, FieldSet>();
  for (const [id, e] of managed) {
    if (id === except) continue;
    const conflict = e.set.intersection(changed);
    if (!conflict.isEmpty()) out.set(id, conflict);
  }
  return out;
}

/**
 * After a write: the managers in `taken` lose those fields, every manager but `except` loses
 * the fields the write removed, and managers left owning nothing are dropped.
 */
export function settleOwnership(
  managed: ManagedFieldSets,
  c: Comparison,
  taken: Map<string, FieldSet>,
  except: string | undefined,
): void {
  for (const [id, e] of [...managed]) {
    if (id === except) continue;
    let set = e.set;
    const lost = taken.get(id);
    if (lost !== undefined) set = set.difference(lost);
    set = set.difference(c.removed);
    if (set.isEmpty()) managed.delete(id);
    else if (!set.equals(e.set)) managed.set(id, { ...e, set });
  }
}

export interface UpdateIdentity {
  readonly manager: string;
  readonly apiVersion: string;
  readonly subresource: string;
  readonly time: string;
}

/**
 * Records a non-apply write from `oldObj` to `newObj` (neither carrying managedFields) by
 * `who`: it takes what it changed, and its entry keeps what it owned before.
 */
export function recordUpdate(
  managed: ManagedFieldSets,
  oldObj: JsonValue,
  newObj: JsonValue,
  who: UpdateIdentity,
  root: Schema,
  ignored?: FieldSet,
): void {
  const c = compareIgnoring(oldObj, newObj, root, ignored);
  // The write is its own manager while it runs, so the writer's earlier entry loses changed
  // fields like any other before taking them back below. (A create has no managers yet.)
  if (managed.size > 0) {
    settleOwnership(managed, c, conflictingFields(managed, c, undefined), undefined);
  }
  // Set operations copy whole trees: skip those with an empty side (every create's case).
  let owned = c.modified.isEmpty() ? c.added : c.modified.union(c.added);
  if (!c.removed.isEmpty()) owned = owned.difference(c.removed);
  if (ignored !== undefined && !ignored.isEmpty()) owned = owned.recursiveDifference(ignored);
  owned = owned.difference(UNOWNED_FIELDS);
  if (owned.isEmpty()) return;
  const entry = {
    manager: who.manager,
    operation: 'Update' as const,
    apiVersion: who.apiVersion,
    subresource: who.subresource,
  };
  const id = managerIdentifier(entry);
  const previous = managed.get(id);
  managed.set(id, {
    ...entry,
    time: who.time,
    set: previous === undefined ? owned : owned.union(previous.set),
  });
}

/** Folds the oldest Update entries into `ancient-changes` buckets (one per apiVersion). */
export function capUpdateManagers(managed: ManagedFieldSets, max = MAX_UPDATE_MANAGERS): void {
  const updaters = [...managed].filter(([, e]) => e.operation === 'Update');
  if (updaters.length <= max) return;
  updaters.sort(([a, x], [b, y]) => seconds(x.time) - seconds(y.time) || compareStrings(a, b));
  const firstOfVersion = new Map<string, string>();
  let length = updaters.length;
  for (const [id, e] of updaters) {
    if (length <= max) break;
    const bucketEntry = {
      manager: ANCIENT_CHANGES,
      operation: 'Update' as const,
      apiVersion: e.apiVersion,
      subresource: '',
    };
    const bucket = managerIdentifier(bucketEntry);
    const first = firstOfVersion.get(e.apiVersion);
    if (first === undefined) {
      firstOfVersion.set(e.apiVersion, id);
      continue;
    }
    let into = managed.get(bucket);
    if (into === undefined) {
      const moved = managed.get(first);
      managed.delete(first);
      into = { ...bucketEntry, time: moved?.time, set: moved?.set ?? new FieldSet() };
    }
    managed.set(bucket, { ...into, time: e.time, set: e.set.union(into.set) });
    managed.delete(id);
    length--;
  }
}

export interface UpdateOptions {
  readonly operation?: 'Update';
  /** The apiVersion the write was made in. */
  readonly apiVersion: string;
  /** '' or absent for the main resource. */
  readonly subresource?: string;
  /** The write's time (RFC 3339); now by default. */
  readonly time?: string;
  /** Fields this endpoint resets and nobody can own through it (e.g. `.status` on the main resource). */
  readonly ignoredFields?: FieldSet;
}

function decodeOrEmpty(entries: readonly ManagedFieldsEntry[] | undefined): ManagedFieldSets {
  try {
    return decodeManagedFields(entries);
  } catch {
    return new Map();
  }
}

/** `managedFields: []` or `[{}]` in a write clears the record. */
function isReset(entries: unknown): boolean {
  if (!Array.isArray(entries)) return false;
  if (entries.length === 0) return true;
  return entries.length === 1 && isJsonObject(entries[0]) && Object.keys(entries[0]).length === 0;
}

/**
 * `next` with the managedFields a non-apply write (a create when `old` is undefined) leaves.
 * The write may carry managedFields of its own: `[]` (or `[{}]`) clears them, a valid
 * non-empty list replaces them (except through a subresource); otherwise they come from `old`.
 */
export function updateManagedFields(
  old: KubeObject | undefined,
  next: KubeObject,
  manager: string,
  options: UpdateOptions,
  schema: JSONSchemaProps | undefined,
): KubeObject {
  const subresource = options.subresource ?? '';
  const given = next.metadata?.managedFields;
  let managed: ManagedFieldSets;
  if (subresource !== '') managed = decodeOrEmpty(old?.metadata?.managedFields);
  else if (isReset(given)) managed = new Map();
  else {
    managed = decodeOrEmpty(given);
    if (managed.size === 0) managed = decodeOrEmpty(old?.metadata?.managedFields);
  }

  const { managedFields: _, ...meta } = next.metadata ?? {};
  const out: KubeObject = { ...next, metadata: meta };
  // Upstream only starts tracking an existing object at its first apply.
  if (old !== undefined && managed.size === 0) return out;

  recordUpdate(
    managed,
    old === undefined ? {} : withoutManagedFields(asJson(old)),
    withoutManagedFields(asJson(next)),
    {
      manager,
      apiVersion: options.apiVersion,
      subresource,
      time: options.time ?? timestamp(),
    },
    withObjectMeta(schema),
    options.ignoredFields,
  );
  capUpdateManagers(managed);
  const entries = encodeManagedFields(managed);
  if (entries.length > 0) out.metadata = { ...meta, managedFields: entries };
  return out;
}
