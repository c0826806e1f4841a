/**
 * RBAC policy rules as upstream evaluates them (pkg/apis/rbac/v1/evaluation_helpers.go and
 * pkg/registry/rbac/validation/policy_comparator.go): does a rule allow a request, does a
 * set of rules cover another (escalation checks), and the compact string form upstream
 * prints in escalation errors. Pure functions, no I/O.
 */

import {
  API_GROUP_ALL,
  NON_RESOURCE_ALL,
  type PolicyRule,
  RESOURCE_ALL,
  VERB_ALL,
} from '../../api/rbac/types.ts';
import { goQuoteList } from '../../apimachinery/labels.ts';
import { objectOrEmpty } from '../../apimachinery/meta.ts';

/** A rule with every list present (absent and null lists are empty), as the evaluator reads it. */
export interface Rule {
  readonly verbs: readonly string[];
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly resourceNames: readonly string[];
  readonly nonResourceURLs: readonly string[];
}

/** What a rule is matched against: a resource request or a non-resource one. */
export interface RuleRequest {
  readonly verb: string;
  readonly isResourceRequest: boolean;
  readonly apiGroup: string;
  readonly resource: string;
  readonly subresource: string;
  readonly name: string;
  readonly path: string;
}

const EMPTY: readonly string[] = Object.freeze([]);

function strings(value: unknown): readonly string[] {
  if (!Array.isArray(value) || value.length === 0) return EMPTY;
  return value.filter((v): v is string => typeof v === 'string');
}

/** Normalises a stored rule (lists may be absent, null or hold non-strings after a bad write). */
export function toRule(value: unknown): Rule {
  const r = objectOrEmpty(value);
  return {
    verbs: strings(r.verbs),
    apiGroups: strings(r.apiGroups),
    resources: strings(r.resources),
    resourceNames: strings(r.resourceNames),
    nonResourceURLs: strings(r.nonResourceURLs),
  };
}

export function toRules(value: unknown): Rule[] {
  return Array.isArray(value) ? value.map(toRule) : [];
}

/** The API form of a rule: empty lists left out, as upstream serialises them (omitempty). */
export function fromRule(rule: Rule): PolicyRule {
  return {
    verbs: [...rule.verbs],
    ...(rule.apiGroups.length ? { apiGroups: [...rule.apiGroups] } : {}),
    ...(rule.resources.length ? { resources: [...rule.resources] } : {}),
    ...(rule.resourceNames.length ? { resourceNames: [...rule.resourceNames] } : {}),
    ...(rule.nonResourceURLs.length ? { nonResourceURLs: [...rule.nonResourceURLs] } : {}),
  };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Semantic equality (upstream's equality.Semantic: nil and empty lists are equal). */
export function ruleEquals(a: Rule, b: Rule): boolean {
  return (
    sameList(a.verbs, b.verbs) &&
    sameList(a.apiGroups, b.apiGroups) &&
    sameList(a.resources, b.resources) &&
    sameList(a.resourceNames, b.resourceNames) &&
    sameList(a.nonResourceURLs, b.nonResourceURLs)
  );
}

export function rulesEqual(a: readonly Rule[], b: readonly Rule[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!ruleEquals(a[i] as Rule, b[i] as Rule)) return false;
  return true;
}

// ---- matching a request (RuleAllows) ------------------------------------------------------

export function verbMatches(rule: Rule, verb: string): boolean {
  for (const v of rule.verbs) if (v === VERB_ALL || v === verb) return true;
  return false;
}

export function apiGroupMatches(rule: Rule, group: string): boolean {
  for (const g of rule.apiGroups) if (g === API_GROUP_ALL || g === group) return true;
  return false;
}

/** `combined` is `resource` or `resource/subresource`; `*\/sub` matches any resource's `sub`. */
export function resourceMatches(rule: Rule, combined: string, subresource: string): boolean {
  for (const r of rule.resources) {
    if (r === RESOURCE_ALL || r === combined) return true;
    if (subresource === '') continue;
    if (r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource)) {
      return true;
    }
  }
  return false;
}

/** No resourceNames means every name; otherwise the request's name must be listed. */
export function resourceNameMatches(rule: Rule, name: string): boolean {
  if (rule.resourceNames.length === 0) return true;
  for (const n of rule.resourceNames) if (n === name) return true;
  return false;
}

/** Exact path, `*`, or a prefix when the rule's URL ends in `*` (`/apis/*`). */
export function nonResourceURLMatches(rule: Rule, path: string): boolean {
  for (const url of rule.nonResourceURLs) {
    if (url === NON_RESOURCE_ALL || url === path) return true;
    if (url.endsWith('*') && path.startsWith(trimStars(url))) return true;
  }
  return false;
}

/** strings.TrimRight(s, "*"): every trailing star goes. */
function trimStars(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 42) end--;
  return s.slice(0, end);
}

export function ruleAllows(request: RuleRequest, rule: Rule): boolean {
  if (request.isResourceRequest) {
    const combined = request.subresource
      ? `${request.resource}/${request.subresource}`
      : request.resource;
    return (
      verbMatches(rule, request.verb) &&
      apiGroupMatches(rule, request.apiGroup) &&
      resourceMatches(rule, combined, request.subresource) &&
      resourceNameMatches(rule, request.name)
    );
  }
  return verbMatches(rule, request.verb) && nonResourceURLMatches(rule, request.path);
}

// ---- covering rules (escalation checks) ---------------------------------------------------

/** Splits a rule into rules of one group, resource, verb and name (BreakdownRule). */
export function breakdownRule(rule: Rule): Rule[] {
  const out: Rule[] = [];
  for (const group of rule.apiGroups) {
    for (const resource of rule.resources) {
      for (const verb of rule.verbs) {
        if (rule.resourceNames.length > 0) {
          for (const name of rule.resourceNames) {
            out.push({
              verbs: [verb],
              apiGroups: [group],
              resources: [resource],
              resourceNames: [name],
              nonResourceURLs: EMPTY,
            });
          }
        } else {
          out.push({
            verbs: [verb],
            apiGroups: [group],
            resources: [resource],
            resourceNames: EMPTY,
            nonResourceURLs: EMPTY,
          });
        }
      }
    }
  }
  for (const url of rule.nonResourceURLs) {
    for (const verb of rule.verbs) {
      out.push({
        verbs: [verb],
        apiGroups: EMPTY,
        resources: EMPTY,
        resourceNames: EMPTY,
        nonResourceURLs: [url],
      });
    }
  }
  return out;
}

const has = (set: readonly string[], item: string) => set.includes(item);
const hasAll = (set: readonly string[], items: readonly string[]) =>
  items.every((i) => set.includes(i));

function resourceCoversAll(owner: readonly string[], wanted: readonly string[]): boolean {
  if (has(owner, RESOURCE_ALL) || hasAll(owner, wanted)) return true;
  for (const path of wanted) {
    if (has(owner, path)) continue;
    const slash = path.indexOf('/');
    if (slash < 0) return false;
    if (!has(owner, `*/${path.slice(slash + 1)}`)) return false;
  }
  return true;
}

function nonResourceURLCovers(owner: string, sub: string): boolean {
  if (owner === sub) return true;
  return owner.endsWith('*') && sub.startsWith(trimStars(owner));
}

function nonResourceURLsCoverAll(owner: readonly string[], wanted: readonly string[]): boolean {
  return wanted.every((path) => owner.some((o) => nonResourceURLCovers(o, path)));
}

/** Does `owner` cover `sub` (a rule of at most one verb, resource and name)? */
export function ruleCovers(owner: Rule, sub: Rule): boolean {
  const verbs = has(owner.verbs, VERB_ALL) || hasAll(owner.verbs, sub.verbs);
  const groups = has(owner.apiGroups, API_GROUP_ALL) || hasAll(owner.apiGroups, sub.apiGroups);
  const resources = resourceCoversAll(owner.resources, sub.resources);
  const urls = nonResourceURLsCoverAll(owner.nonResourceURLs, sub.nonResourceURLs);
  const names =
    sub.resourceNames.length === 0
      ? owner.resourceNames.length === 0
      : owner.resourceNames.length === 0 || hasAll(owner.resourceNames, sub.resourceNames);
  return verbs && groups && resources && names && urls;
}

/** Whether `owner` rules cover every `servant` rule; the uncovered pieces when not. */
export function covers(
  owner: readonly Rule[],
  servant: readonly Rule[],
): { covered: boolean; missing: Rule[] } {
  const missing: Rule[] = [];
  for (const rule of servant) {
    for (const sub of breakdownRule(rule)) {
      if (!owner.some((o) => ruleCovers(o, sub))) missing.push(sub);
    }
  }
  return { covered: missing.length === 0, missing };
}

/**
 * Merges rules of one group and resource (and at most one name) that differ only in their
 * verbs (CompactRules), so an escalation error lists `Verbs:["get" "list"]` once.
 */
export function compactRules(rules: readonly Rule[]): Rule[] {
  const out: Rule[] = [];
  const simple = new Map<string, { verbs: string[]; rule: Rule }>();
  for (const rule of rules) {
    const isSimple =
      rule.resourceNames.length <= 1 &&
      rule.nonResourceURLs.length === 0 &&
      rule.apiGroups.length === 1 &&
      rule.resources.length === 1;
    if (!isSimple) {
      out.push(rule);
      continue;
    }
    const key = JSON.stringify([rule.apiGroups[0], rule.resources[0], rule.resourceNames[0]]);
    const existing = simple.get(key);
    if (existing) existing.verbs.push(...rule.verbs);
    else simple.set(key, { verbs: [...rule.verbs], rule });
  }
  for (const { verbs, rule } of simple.values()) out.push({ ...rule, verbs });
  return out;
}

/** `{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}` (rbacv1helpers.CompactString). */
export function compactString(rule: Rule): string {
  const parts: string[] = [];
  if (rule.apiGroups.length) parts.push(`APIGroups:${goQuoteList(rule.apiGroups)}`);
  if (rule.resources.length) parts.push(`Resources:${goQuoteList(rule.resources)}`);
  if (rule.nonResourceURLs.length)
    parts.push(`NonResourceURLs:${goQuoteList(rule.nonResourceURLs)}`);
  if (rule.resourceNames.length) parts.push(`ResourceNames:${goQuoteList(rule.resourceNames)}`);
  if (rule.verbs.length) parts.push(`Verbs:${goQuoteList(rule.verbs)}`);
  return `{${parts.join(', ')}}`;
}
