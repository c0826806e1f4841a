/**
 * JSON patch (RFC 6902) with the bounds kube-apiserver puts on it: at most 10,000 operations
 * (413), and `copy` operations together adding at most 3 MiB (the request body limit; 422).
 * Without the second, a patch of a few dozen bytes whose ops each copy a value into itself
 * doubles the object per op: 24 ops held the event loop for seconds and hundreds of MB, 30
 * would exhaust the process, for everyone it serves.
 */
import jsonpatch from 'fast-json-patch';
import type { JsonValue } from '../meta.ts';
import { badRequest, requestEntityTooLarge, StatusError } from '../status.ts';

/** Upstream's maxJSONPatchOperations. */
export const MAX_JSON_PATCH_OPERATIONS = 10_000;
/** Upstream's default JSONPatchMaxCopyBytes: the bytes all `copy` ops may add together. */
export const MAX_JSON_PATCH_COPY_BYTES = 3 * 1024 * 1024;

/** The failures of a patch's form (400); any other is the patch not applying (422). */
const MALFORMED = new Set([
  'OPERATION_VALUE_REQUIRED',
  'OPERATION_OP_INVALID',
  'SEQUENCE_NOT_AN_ARRAY',
  'OPERATION_NOT_AN_OBJECT',
  'OPERATION_PATH_INVALID',
  'OPERATION_FROM_REQUIRED',
]);

/**
 * The size of `value` as JSON, counted until it passes `budget` (then any larger number):
 * measuring never costs more than the budget allows the copy to cost.
 */
export function jsonSizeWithin(value: unknown, budget: number): number {
  let size = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && size <= budget) {
    const v = stack.pop();
    if (typeof v === 'string') size += JSON.stringify(v).length;
    else if (Array.isArray(v)) {
      size += 1 + Math.max(v.length, 1);
      for (const item of v) stack.push(item);
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v);
      size += 1 + Math.max(entries.length, 1);
      for (const [k, item] of entries) {
        size += JSON.stringify(k).length + 1;
        stack.push(item);
      }
    } else size += String(v).length;
  }
  return size;
}

/** `doc` patched by `ops` (a new document; `doc` is left as it was), or a Status saying why not. */
export function applyJsonPatch(
  doc: JsonValue,
  ops: readonly JsonValue[],
  maxCopyBytes = MAX_JSON_PATCH_COPY_BYTES,
): JsonValue {
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    throw requestEntityTooLarge(
      `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`,
    );
  }
  let document = structuredClone(doc);
  let copied = 0;
  try {
    for (const [i, op] of ops.entries()) {
      const operation = op as unknown as jsonpatch.Operation;
      if (operation?.op === 'copy' && typeof operation.from === 'string') {
        const from = valueAt(document, operation.from);
        if (from !== undefined) {
          copied += jsonSizeWithin(from, maxCopyBytes - copied);
          if (copied > maxCopyBytes) {
            throw new StatusError({
              code: 422,
              reason: 'Invalid',
              message: `Unable to copy, the accumulated size increase of copy is ${copied}, exceeding the limit ${maxCopyBytes}`,
            });
          }
        }
      }
      document = jsonpatch.applyOperation(document, operation, true, true, true, i).newDocument;
    }
  } catch (err) {
    if (err instanceof StatusError) throw err;
    const message = (err as Error).message.split('\n')[0] ?? 'invalid patch';
    if (MALFORMED.has((err as { name?: string }).name ?? '')) throw badRequest(message);
    throw new StatusError({ code: 422, reason: 'Invalid', message });
  }
  return document;
}

/** The value a pointer names, or undefined when it names none (the op then fails as it will). */
function valueAt(doc: JsonValue, pointer: string): unknown {
  try {
    return jsonpatch.getValueByPointer(doc, pointer);
  } catch {
    return undefined;
  }
}
