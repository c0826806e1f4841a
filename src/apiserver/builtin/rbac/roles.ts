/**
 * Roles (rbac.authorization.k8s.io/v1): namespaced sets of policy rules. Owns the policy
 * rule validation ClusterRoles share, and the NAME / CREATED AT table both print (RBAC
 * roles have no printer of their own upstream, so they get the default columns).
 *
 * See also: Admission: RBACEscalation (apiserver/authz/escalation.ts). Read by the RBAC
 * authorizer's index (apiserver/authz/rbac-index.ts).
 */

import { type PolicyRule, RBAC_GROUP } from '../../../api/rbac/types.ts';
import {
  type ErrorList,
  FieldPath,
  invalid,
  required,
  typeInvalid,
} from '../../../apimachinery/field-errors.ts';
import { isJsonObject, type KubeObject } from '../../../apimachinery/meta.ts';
import { AGE_COLUMN, column, NAME_COLUMN } from '../../../apimachinery/table.ts';
import { createdAt } from '../age.ts';
import { builtin } from '../define.ts';
import { roleSchema } from './roles.schema.ts';

const RULES = FieldPath.root('rules');
const RULE_LISTS = ['verbs', 'apiGroups', 'resources', 'resourceNames', 'nonResourceURLs'] as const;

/** A list of strings, as the typed decode would insist; null and absent are empty lists. */
export function checkStringList(value: unknown, path: FieldPath): ErrorList {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return [typeInvalid(path, value, 'must be an array of strings')];
  const errs: ErrorList = [];
  value.forEach((item, i) => {
    if (typeof item !== 'string') errs.push(typeInvalid(path.index(i), item, 'must be a string'));
  });
  return errs;
}

const count = (list: readonly string[] | undefined | null) => list?.length ?? 0;

function validatePolicyRule(rule: PolicyRule, namespaced: boolean, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  if (count(rule.verbs) === 0) {
    errs.push(required(path.child('verbs'), 'verbs must contain at least one value'));
  }
  if (count(rule.nonResourceURLs) > 0) {
    const urls = path.child('nonResourceURLs');
    if (namespaced) {
      errs.push(
        invalid(urls, rule.nonResourceURLs, 'namespaced rules cannot apply to non-resource URLs'),
      );
    }
    if (count(rule.apiGroups) > 0 || count(rule.resources) > 0 || count(rule.resourceNames) > 0) {
      errs.push(
        invalid(
          urls,
          rule.nonResourceURLs,
          'rules cannot apply to both regular resources and non-resource URLs',
        ),
      );
    }
    return errs;
  }
  if (count(rule.apiGroups) === 0) {
    errs.push(
      required(path.child('apiGroups'), 'resource rules must supply at least one api group'),
    );
  }
  if (count(rule.resources) === 0) {
    errs.push(
      required(path.child('resources'), 'resource rules must supply at least one resource'),
    );
  }
  if (count(rule.resourceNames) > 0 && count(rule.resources) > 1) {
    // Upstream reports this one as a missing value, odd as that reads.
    errs.push(
      required(path.child('resourceNames'), 'resource names cannot apply to multiple resources'),
    );
  }
  return errs;
}

/** `rules` of a Role (namespaced) or a ClusterRole. */
export function validatePolicyRules(rules: unknown, namespaced: boolean): ErrorList {
  if (rules === undefined || rules === null) return [];
  if (!Array.isArray(rules)) return [typeInvalid(RULES, rules, 'must be an array')];
  const errs: ErrorList = [];
  rules.forEach((item, i) => {
    const path = RULES.index(i);
    // A null entry decodes to an empty rule, which then lacks its verbs.
    const rule = item === null ? {} : item;
    if (!isJsonObject(rule)) {
      errs.push(typeInvalid(path, rule, 'must be an object'));
      return;
    }
    const shape = RULE_LISTS.flatMap((f) => checkStringList(rule[f], path.child(f)));
    if (shape.length > 0) errs.push(...shape);
    else errs.push(...validatePolicyRule(rule as PolicyRule, namespaced, path));
  });
  return errs;
}

/** The default table columns, which RBAC roles use for want of a printer. */
export const CREATED_AT_COLUMNS = [
  NAME_COLUMN,
  column('Created At', 'date', AGE_COLUMN.description),
];

export function createdAtCells(obj: KubeObject): unknown[] {
  return [obj.metadata.name, createdAt(obj)];
}

/** A Role has no aggregation rule; a typed decode would drop one, so it is dropped here. */
function dropAggregationRule(obj: KubeObject): void {
  delete obj.aggregationRule;
}

export const roles = builtin({
  group: RBAC_GROUP,
  version: 'v1',
  plural: 'roles',
  singular: 'role',
  kind: 'Role',
  namespaced: true,
  schema: roleSchema,
  definitionName: 'io.k8s.api.rbac.v1.Role',
  strategy: {
    nameValidation: 'PathSegmentName',
    prepareForCreate: dropAggregationRule,
    prepareForUpdate: dropAggregationRule,
    validate: (obj) => validatePolicyRules(obj.rules, true),
    allowCreateOnUpdate: true,
    allowUnconditionalUpdate: true,
    columns: CREATED_AT_COLUMNS,
    cells: createdAtCells,
  },
});
