/**
 * Server-side apply (application/apply-patch+yaml): merges an applied configuration into the
 * live object and settles field ownership in `metadata.managedFields`, as kube-apiserver's
 * field manager does.
 *
 * - The configuration is merged by the schema's list and map types (see typed.ts).
 * - The applier's Apply entry becomes exactly the configuration's fields.
 * - Fields the applier applied last time and leaves out now are removed from the object, unless
 *   another manager owns them too.
 * - A field the configuration changes (or adds) that another manager owns is a conflict: 409,
 *   unless forced, which moves the field to the applier. Applying the value a field already
 *   has is no conflict: the field becomes shared.
 * - An object without managedFields gets them first: everything it has is recorded as owned by
 *   `before-first-apply` (an Update).
 * - The applier's entry keeps its time when neither the object nor its fields changed, so an
 *   unchanged re-apply leaves the object byte-for-byte as it was. (Upstream also leaves the
 *   time unset for a new applier that changes nothing; this sets it.)
 */
import type { JsonObject, JsonValue, KubeObject } from '../meta.ts';
import {
  asJson,
  asKubeObject,
  isJsonObject,
  objectOrEmpty,
  parseApiVersion,
  timestamp,
} from '../meta.ts';
import { compareStrings, deepEqual } from '../schema/json.ts';
import type { JSONSchemaProps } from '../schema/types.ts';
import { badRequest, internalError, StatusError } from '../status.ts';
import { FieldSet, type Path, pathString } from './fieldpath.ts';
import {
  BEFORE_FIRST_APPLY,
  compareIgnoring,
  conflictingFields,
  decodeManagedFields,
  encodeManagedFields,
  type ManagedFieldSets,
  type ManagerEntry,
  managerIdentifier,
  type Operation,
  printManager,
  recordUpdate,
  settleOwnership,
  UNOWNED_FIELDS,
} from './managed-fields.ts';
import { type Schema, withObjectMeta } from './patch-schema.ts';
import {
  ensureNamedFieldsAreMembers,
  mergeApplied,
  problemsError,
  removeFields,
  toFieldSet,
  withoutManagedFields,
} from './typed.ts';

export interface ApplyOptions {
  /** Take over conflicting fields instead of failing. */
  readonly force?: boolean;
  /** The apiVersion of the endpoint; the configuration must be in it. */
  readonly apiVersion: string;
  /** The endpoint's kind; when given the configuration must name it. */
  readonly kind?: string;
  /** The apply's time (RFC 3339); now by default. */
  readonly time?: string;
  /** '' or absent for the main resource. */
  readonly subresource?: string;
  /** Fields this endpoint resets and nobody can own through it (e.g. `.status` on the main resource). */
  readonly ignoredFields?: FieldSet;
}

/** A field the configuration sets that another manager owns with a different value. */
export interface Conflict {
  readonly manager: string;
  readonly operation: Operation;
  readonly apiVersion: string;
  /** '' for the main resource. */
  readonly subresource: string;
  readonly path: Path;
  /** The path as upstream prints it: `.spec.containers[name="c1"].image`. */
  readonly field: string;
}

export interface ApplyResult {
  readonly object: KubeObject;
  /** With `force`: the conflicts that were overridden (ownership moved to the applier). */
  readonly conflicts?: readonly Conflict[];
}

/** The 409 an unforced apply with conflicts fails with; carries the conflicts. */
export class ApplyConflictError extends StatusError {
  readonly conflicts: readonly Conflict[];

  constructor(conflicts: readonly Conflict[]) {
    super({
      code: 409,
      reason: 'Conflict',
      message: conflictMessage(conflicts),
      details: {
        causes: conflicts.map((c) => ({
          reason: 'FieldManagerConflict',
          message: `conflict with ${printManager(c)}`,
          field: c.field,
        })),
      },
    });
    this.conflicts = conflicts;
  }
}

function conflictMessage(conflicts: readonly Conflict[]): string {
  const [only] = conflicts;
  if (conflicts.length === 1 && only !== undefined) {
    return `Apply failed with 1 conflict: conflict with ${printManager(only)}: ${only.field}`;
  }
  const lines: string[] = [];
  let current: string | undefined;
  for (const c of conflicts) {
    const id = managerIdentifier(c);
    if (id !== current) {
      lines.push(`conflicts with ${printManager(c)}:`);
      current = id;
    }
    lines.push(`- ${c.field}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

function gvkString(apiVersion: string, kind: string): string {
  const { group, version } = parseApiVersion(apiVersion);
  return `${group}/${version}, Kind=${kind}`;
}

function str(v: JsonValue | undefined): string {
  return typeof v === 'string' ? v : '';
}

/** Applies `applied` by `manager` to `live` (undefined: the object is being created). */
export function apply(
  live: KubeObject | undefined,
  applied: JsonObject,
  manager: string,
  options: ApplyOptions,
  schema: JSONSchemaProps | undefined,
): ApplyResult {
  const root = withObjectMeta(schema);
  const subresource = options.subresource ?? '';
  const time = options.time ?? timestamp();
  const meta = objectOrEmpty(applied.metadata);
  const appliedVersion = str(applied.apiVersion);
  if (
    options.kind !== undefined &&
    (appliedVersion !== options.apiVersion || applied.kind !== options.kind)
  ) {
    throw badRequest(`invalid object type: ${gvkString(appliedVersion, str(applied.kind))}`);
  }
  if (appliedVersion !== options.apiVersion) {
    throw badRequest(
      `Incorrect version specified in apply patch. Specified patch version: ${appliedVersion}, expected: ${options.apiVersion}`,
    );
  }
  if (meta.managedFields !== undefined && meta.managedFields !== null) {
    throw badRequest('metadata.managedFields must be nil');
  }

  // An explicit `managedFields: null` is allowed and means nothing.
  const configObj = withoutManagedFields(applied);
  const problems: string[] = [];
  let configSet = toFieldSet(configObj, root, problems);
  if (problems.length > 0) {
    const who = `${str(meta.namespace)}/${str(meta.name)}; ${gvkString(appliedVersion, str(applied.kind))}`;
    throw badRequest(`failed to create typed patch object (${who}): ${problemsError(problems)}`);
  }
  if (options.ignoredFields !== undefined) {
    configSet = configSet.recursiveDifference(options.ignoredFields);
  }

  let managed: ManagedFieldSets;
  try {
    managed = decodeManagedFields(live?.metadata?.managedFields);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw internalError(new Error(`failed to decode managed fields: ${why}`));
  }
  const liveObj: JsonValue = live === undefined ? {} : withoutManagedFields(asJson(live));
  if (live !== undefined && managed.size === 0) {
    recordUpdate(
      managed,
      {},
      liveObj,
      { manager: BEFORE_FIRST_APPLY, apiVersion: options.apiVersion, subresource, time },
      root,
      options.ignoredFields,
    );
  }

  const entry = {
    manager,
    operation: 'Apply' as const,
    apiVersion: options.apiVersion,
    subresource,
  };
  const id = managerIdentifier(entry);
  const last = managed.get(id);
  managed.set(id, { ...entry, time: last?.time, set: configSet });

  const merged = mergeApplied(liveObj, configObj, root);
  const next = prune(merged, managed, last?.set, root);

  const c = compareIgnoring(liveObj, next, root, options.ignoredFields);
  const taken = conflictingFields(managed, c, id);
  const conflicts = listConflicts(managed, taken);
  if (conflicts.length > 0 && options.force !== true) throw new ApplyConflictError(conflicts);
  settleOwnership(managed, c, taken, id);

  const owned = configSet.difference(UNOWNED_FIELDS);
  if (owned.isEmpty()) managed.delete(id);
  else {
    const changed = !deepEqual(liveObj, next) || last === undefined || !last.set.equals(owned);
    managed.set(id, { ...entry, time: changed ? time : last?.time, set: owned });
  }

  // Merging an object into an object yields one.
  if (!isJsonObject(next)) throw internalError('the applied object is not a JSON object');
  const object = asKubeObject(structuredClone(next));
  const { managedFields: _, ...objectMeta } = objectOrEmpty(object.metadata);
  const entries = encodeManagedFields(managed);
  object.metadata = entries.length > 0 ? { ...objectMeta, managedFields: entries } : objectMeta;
  return conflicts.length > 0 ? { object, conflicts } : { object };
}

/** Conflicts in message order: by manager identifier, then by field. */
function listConflicts(managed: ManagedFieldSets, taken: Map<string, FieldSet>): Conflict[] {
  const out: Conflict[] = [];
  const ids = [...taken.keys()].sort(compareStrings);
  for (const id of ids) {
    const e = managed.get(id) as ManagerEntry;
    for (const path of (taken.get(id) as FieldSet).paths()) {
      out.push({
        manager: e.manager,
        operation: e.operation,
        apiVersion: e.apiVersion,
        subresource: e.subresource,
        path,
        field: pathString(path),
      });
    }
  }
  return out;
}

/**
 * Removes what the applier applied last time but not now, unless another manager (or the new
 * configuration) owns it, keeping fields nobody owned. Declared properties count as owned
 * wholes, so a property the applier alone filled goes away entirely.
 */
function prune(
  merged: JsonValue,
  managed: ManagedFieldSets,
  lastSet: FieldSet | undefined,
  root: Schema,
): JsonValue {
  if (lastSet === undefined || lastSet.isEmpty()) return merged;
  const ensure = (set: FieldSet) => ensureNamedFieldsAreMembers(set, root);
  const fields = (v: JsonValue) => ensure(toFieldSet(v, root));
  const last = ensure(lastSet);
  let owned = new FieldSet();
  for (const e of managed.values()) owned = owned.union(e.set);
  owned = ensure(owned);
  const all = fields(merged);

  const removed = removeFields(merged, last, root);
  const ownedBack = removeFields(merged, all.difference(fields(removed).union(owned)), root);
  return removeFields(merged, all.difference(fields(ownedBack)).intersection(last), root);
}
