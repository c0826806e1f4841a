/** The AGE cell of built-in tables: the object's age, computed on the server. */
import { humanDuration } from '../../apimachinery/duration.ts';
import type { KubeObject } from '../../apimachinery/meta.ts';

export function age(obj: KubeObject, now: number): string {
  const created = obj.metadata.creationTimestamp;
  if (!created) return '<unknown>';
  return humanDuration(now - Date.parse(created));
}

/** A timestamp as the "CREATED AT" columns print it (RFC 3339, UTC). */
export function createdAt(obj: KubeObject): string {
  return obj.metadata.creationTimestamp ?? '';
}
