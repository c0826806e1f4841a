/** Conditions (metav1.Condition) as controllers maintain them. */
import { type Condition, timestamp } from './meta.ts';

/** Sets a condition, keeping its transition time when its status did not change. */
export function setCondition(
  conditions: Condition[],
  condition: Omit<Condition, 'lastTransitionTime'>,
): void {
  const i = conditions.findIndex((c) => c.type === condition.type);
  const existing = conditions[i];
  const lastTransitionTime =
    existing && existing.status === condition.status && existing.lastTransitionTime
      ? existing.lastTransitionTime
      : timestamp();
  const next = { ...condition, lastTransitionTime };
  if (i < 0) conditions.push(next);
  else conditions[i] = { ...existing, ...next };
}

/** The condition of a type, if present. */
export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isConditionTrue(
  conditions: readonly Condition[] | undefined,
  type: string,
): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/**
 * Whether two statuses say the same, transition times aside: a controller that rebuilt its
 * conditions need not write a status that only their timestamps would change.
 */
export function sameStatusIgnoringTimes(a: unknown, b: unknown): boolean {
  const strip = (s: unknown) =>
    JSON.stringify(s, (k, v) => (k === 'lastTransitionTime' ? undefined : v));
  return strip(a) === strip(b);
}
