/**
 * ClusterRoles (rbac.authorization.k8s.io/v1): cluster-wide policy rules, which may also
 * cover non-resource URLs, and aggregation rules whose label selectors pick the
 * ClusterRoles the aggregation controller folds in.
 *
 * See also: Admission: RBACEscalation (apiserver/authz/escalation.ts). Controller:
 * apiserver/controllers/clusterrole-aggregation/. Read by apiserver/authz/rbac-index.ts; the
 * bootstrap roles are apiserver/authz/bootstrap-policy.ts.
 */

import { RBAC_GROUP } from '../../../api/rbac/types.ts';
import {
  type ErrorList,
  FieldPath,
  forbidden,
  invalid,
  required,
  typeInvalid,
} from '../../../apimachinery/field-errors.ts';
import {
  isQualifiedName,
  isValidLabelValue,
  labelSelectorFromObject,
} from '../../../apimachinery/labels.ts';
import { isJsonObject, type KubeObject, type LabelSelector } from '../../../apimachinery/meta.ts';
import { validateLabels } from '../../../apimachinery/validation/object-meta.ts';
import { builtin } from '../define.ts';
import { clusterRoleSchema } from './clusterroles.schema.ts';
import {
  CREATED_AT_COLUMNS,
  checkStringList,
  createdAtCells,
  validatePolicyRules,
} from './roles.ts';

const SELECTORS = FieldPath.root('aggregationRule', 'clusterRoleSelectors');

/** Shape of one metav1.LabelSelector, as the typed decode would insist. */
function checkSelectorShape(value: unknown, path: FieldPath): ErrorList {
  if (!isJsonObject(value)) return [typeInvalid(path, value, 'must be an object')];
  const errs: ErrorList = [];
  const labels = value.matchLabels;
  if (labels !== undefined && labels !== null) {
    if (!isJsonObject(labels))
      errs.push(typeInvalid(path.child('matchLabels'), labels, 'must be an object of strings'));
    else {
      for (const [k, v] of Object.entries(labels)) {
        if (typeof v !== 'string')
          errs.push(typeInvalid(path.child('matchLabels').key(k), v, 'must be a string'));
      }
    }
  }
  const exprs = value.matchExpressions;
  if (exprs !== undefined && exprs !== null) {
    if (!Array.isArray(exprs))
      errs.push(typeInvalid(path.child('matchExpressions'), exprs, 'must be an array'));
    else {
      exprs.forEach((e, i) => {
        const at = path.child('matchExpressions').index(i);
        if (!isJsonObject(e)) {
          errs.push(typeInvalid(at, e, 'must be an object'));
          return;
        }
        for (const f of ['key', 'operator']) {
          const v = e[f];
          if (v !== undefined && v !== null && typeof v !== 'string') {
            errs.push(typeInvalid(at.child(f), v, 'must be a string'));
          }
        }
        errs.push(...checkStringList(e.values, at.child('values')));
      });
    }
  }
  return errs;
}

/** metav1 ValidateLabelSelector, with the option to tolerate invalid values on update. */
export function validateLabelSelector(
  selector: LabelSelector,
  path: FieldPath,
  allowInvalidValues: boolean,
): ErrorList {
  const errs = validateLabels(selector.matchLabels, path.child('matchLabels'));
  (selector.matchExpressions ?? []).forEach((expr, i) => {
    const at = path.child('matchExpressions').index(i);
    const values = expr.values ?? [];
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) {
          errs.push(
            required(at.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"),
          );
        }
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) {
          errs.push(
            forbidden(
              at.child('values'),
              "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            ),
          );
        }
        break;
      default:
        errs.push(
          invalid(at.child('operator'), expr.operator ?? '', 'not a valid selector operator'),
        );
    }
    const key = expr.key ?? '';
    for (const msg of isQualifiedName(key)) errs.push(invalid(at.child('key'), key, msg));
    if (!allowInvalidValues) {
      values.forEach((v, j) => {
        for (const msg of isValidLabelValue(v))
          errs.push(invalid(at.child('values').index(j), v, msg));
      });
    }
  });
  return errs;
}

function selectors(obj: KubeObject): unknown[] | undefined {
  const rule = obj.aggregationRule;
  return isJsonObject(rule) && Array.isArray(rule.clusterRoleSelectors)
    ? rule.clusterRoleSelectors
    : undefined;
}

/**
 * Whether a stored ClusterRole already has selector values today's rules refuse; such a
 * role stays updatable (values checks are relaxed) rather than stuck.
 */
function hasInvalidSelectorValues(obj: KubeObject): boolean {
  return (selectors(obj) ?? []).some((s) => {
    if (!isJsonObject(s) || !Array.isArray(s.matchExpressions)) return false;
    return s.matchExpressions.some(
      (e) =>
        isJsonObject(e) &&
        Array.isArray(e.values) &&
        e.values.some((v) => typeof v === 'string' && isValidLabelValue(v).length > 0),
    );
  });
}

export function validateAggregationRule(obj: KubeObject, allowInvalidValues: boolean): ErrorList {
  const rule = obj.aggregationRule;
  if (rule === undefined || rule === null) return [];
  const path = FieldPath.root('aggregationRule');
  if (!isJsonObject(rule)) return [typeInvalid(path, rule, 'must be an object')];
  const list = rule.clusterRoleSelectors;
  if (list !== undefined && list !== null && !Array.isArray(list)) {
    return [typeInvalid(SELECTORS, list, 'must be an array')];
  }
  if (!list || list.length === 0) {
    return [
      required(
        SELECTORS,
        'at least one clusterRoleSelector required if aggregationRule is non-nil',
      ),
    ];
  }
  const errs: ErrorList = [];
  list.forEach((item, i) => {
    const at = SELECTORS.index(i);
    const selector = item === null ? {} : item;
    const shape = checkSelectorShape(selector, at);
    if (shape.length > 0) {
      errs.push(...shape);
      return;
    }
    const typed = selector as LabelSelector;
    errs.push(...validateLabelSelector(typed, at, allowInvalidValues));
    try {
      labelSelectorFromObject(typed);
    } catch {
      // Upstream reports the (nil) converted selector as the value.
      errs.push(invalid(at, null, 'invalid label selector.'));
    }
  });
  return errs;
}

export const clusterRoles = builtin({
  group: RBAC_GROUP,
  version: 'v1',
  plural: 'clusterroles',
  singular: 'clusterrole',
  kind: 'ClusterRole',
  namespaced: false,
  schema: clusterRoleSchema,
  definitionName: 'io.k8s.api.rbac.v1.ClusterRole',
  strategy: {
    nameValidation: 'PathSegmentName',
    validate: (obj) => [
      ...validatePolicyRules(obj.rules, false),
      ...validateAggregationRule(obj, false),
    ],
    validateUpdate: (obj, old) => [
      ...validatePolicyRules(obj.rules, false),
      ...validateAggregationRule(obj, hasInvalidSelectorValues(old)),
    ],
    allowCreateOnUpdate: true,
    allowUnconditionalUpdate: true,
    columns: CREATED_AT_COLUMNS,
    cells: createdAtCells,
  },
});
