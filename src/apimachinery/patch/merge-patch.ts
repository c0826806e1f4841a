/**
 * JSON merge patch (RFC 7386): objects merge key by key, `null` deletes a key, anything
 * else (arrays included) replaces the target. Also the inverse: the merge patch that turns
 * one document into another, which server-side apply and kubectl-style diffs need.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../meta.ts';

export function applyMergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return structuredClone(patch);
  const result: JsonObject = isJsonObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else if (value !== undefined) result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

/** The merge patch that turns `from` into `to` (undefined when they are equal). */
export function createMergePatch(
  from: JsonValue | undefined,
  to: JsonValue,
): JsonValue | undefined {
  if (!isJsonObject(from) || !isJsonObject(to)) {
    return JSON.stringify(from) === JSON.stringify(to) ? undefined : structuredClone(to);
  }
  const patch: JsonObject = {};
  for (const key of Object.keys(from)) {
    if (!(key in to) || to[key] === undefined) patch[key] = null;
  }
  for (const [key, value] of Object.entries(to)) {
    if (value === undefined) continue;
    const sub = createMergePatch(from[key], value);
    if (sub !== undefined) patch[key] = sub;
  }
  return Object.keys(patch).length > 0 ? patch : undefined;
}
