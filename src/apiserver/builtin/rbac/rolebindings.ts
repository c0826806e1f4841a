/**
 * RoleBindings (rbac.authorization.k8s.io/v1): grants of a Role or ClusterRole to
 * subjects within one namespace. Owns what ClusterRoleBindings share with them: roleRef
 * and subject defaulting and validation, the immutable roleRef, and the binding table.
 *
 * See also: Admission: RBACEscalation (apiserver/authz/escalation.ts). Read by the RBAC
 * authorizer's index (apiserver/authz/rbac-index.ts).
 */

import {
  GROUP_KIND,
  RBAC_GROUP,
  SERVICE_ACCOUNT_KIND,
  type Subject,
  USER_KIND,
} from '../../../api/rbac/types.ts';
import {
  type ErrorList,
  FieldPath,
  invalid,
  notSupported,
  required,
  typeInvalid,
} from '../../../apimachinery/field-errors.ts';
import {
  isJsonObject,
  type JsonObject,
  type KubeObject,
  objectOrEmpty,
} from '../../../apimachinery/meta.ts';
import {
  AGE_COLUMN,
  column,
  NAME_COLUMN,
  type TableColumnDefinition,
} from '../../../apimachinery/table.ts';
import { isDNS1123Subdomain, isPathSegmentName } from '../../../apimachinery/validation/names.ts';
import { age } from '../age.ts';
import { builtin } from '../define.ts';
import { roleBindingSchema } from './rolebindings.schema.ts';

const ROLE_REF = FieldPath.root('roleRef');
const SUBJECTS = FieldPath.root('subjects');
const SUBJECT_KINDS = [SERVICE_ACCOUNT_KIND, USER_KIND, GROUP_KIND];

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * Defaults applied on every write, as decoding does upstream: roleRef.apiGroup and the
 * apiGroup of User and Group subjects are the RBAC group when left empty.
 */
export function defaultBinding(obj: KubeObject): void {
  if (obj.roleRef === undefined || obj.roleRef === null) obj.roleRef = {};
  if (isJsonObject(obj.roleRef) && !obj.roleRef.apiGroup) obj.roleRef.apiGroup = RBAC_GROUP;
  if (!Array.isArray(obj.subjects)) return;
  for (const subject of obj.subjects) {
    if (!isJsonObject(subject) || subject.apiGroup) continue;
    if (subject.kind === USER_KIND || subject.kind === GROUP_KIND) subject.apiGroup = RBAC_GROUP;
  }
}

function checkStrings(value: JsonObject, fields: readonly string[], path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  for (const f of fields) {
    const v = value[f];
    if (v !== undefined && v !== null && typeof v !== 'string') {
      errs.push(typeInvalid(path.child(f), v, 'must be a string'));
    }
  }
  return errs;
}

function checkShape(obj: KubeObject): ErrorList {
  const errs: ErrorList = [];
  const ref = obj.roleRef;
  if (ref !== undefined && ref !== null) {
    if (!isJsonObject(ref)) errs.push(typeInvalid(ROLE_REF, ref, 'must be an object'));
    else errs.push(...checkStrings(ref, ['apiGroup', 'kind', 'name'], ROLE_REF));
  }
  const subjects = obj.subjects;
  if (subjects !== undefined && subjects !== null) {
    if (!Array.isArray(subjects)) errs.push(typeInvalid(SUBJECTS, subjects, 'must be an array'));
    else {
      subjects.forEach((s, i) => {
        if (s === null) return;
        if (!isJsonObject(s)) errs.push(typeInvalid(SUBJECTS.index(i), s, 'must be an object'));
        else
          errs.push(
            ...checkStrings(s, ['kind', 'apiGroup', 'name', 'namespace'], SUBJECTS.index(i)),
          );
      });
    }
  }
  return errs;
}

function validateSubject(subject: JsonObject, namespaced: boolean, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  const name = str(subject.name);
  const apiGroup = str(subject.apiGroup);
  const kind = str(subject.kind);
  if (name === '') errs.push(required(path.child('name'), ''));
  switch (kind) {
    case SERVICE_ACCOUNT_KIND:
      if (name !== '') {
        for (const msg of isDNS1123Subdomain(name))
          errs.push(invalid(path.child('name'), name, msg));
      }
      if (apiGroup !== '') errs.push(notSupported(path.child('apiGroup'), apiGroup, ['']));
      // A RoleBinding's service accounts default to its own namespace; a cluster-wide
      // binding has none to default to.
      if (!namespaced && str(subject.namespace) === '')
        errs.push(required(path.child('namespace'), ''));
      break;
    case USER_KIND:
    case GROUP_KIND:
      if (name === '') {
        const what = kind === USER_KIND ? 'user' : 'group';
        errs.push(invalid(path.child('name'), name, `${what} name cannot be empty`));
      }
      if (apiGroup !== RBAC_GROUP)
        errs.push(notSupported(path.child('apiGroup'), apiGroup, [RBAC_GROUP]));
      break;
    default:
      errs.push(notSupported(path.child('kind'), kind, SUBJECT_KINDS));
  }
  return errs;
}

/** A RoleBinding (namespaced) or ClusterRoleBinding, after defaulting. */
export function validateBinding(obj: KubeObject, namespaced: boolean): ErrorList {
  const shape = checkShape(obj);
  if (shape.length > 0) return shape;
  const errs: ErrorList = [];
  const ref = objectOrEmpty(obj.roleRef);
  const apiGroup = str(ref.apiGroup);
  if (apiGroup !== RBAC_GROUP)
    errs.push(notSupported(ROLE_REF.child('apiGroup'), apiGroup, [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  const kind = str(ref.kind);
  if (!kinds.includes(kind)) errs.push(notSupported(ROLE_REF.child('kind'), kind, kinds));
  const name = str(ref.name);
  if (name === '') errs.push(required(ROLE_REF.child('name'), ''));
  else
    for (const msg of isPathSegmentName(name))
      errs.push(invalid(ROLE_REF.child('name'), name, msg));
  if (Array.isArray(obj.subjects)) {
    obj.subjects.forEach((s, i) => {
      errs.push(...validateSubject(objectOrEmpty(s), namespaced, SUBJECTS.index(i)));
    });
  }
  return errs;
}

/** The roleRef as the typed struct holds it, fields in its order. */
function typedRoleRef(obj: KubeObject): { apiGroup: string; kind: string; name: string } {
  const ref = objectOrEmpty(obj.roleRef);
  return { apiGroup: str(ref.apiGroup), kind: str(ref.kind), name: str(ref.name) };
}

/** On update the binding is validated again and its roleRef must not change. */
export function validateBindingUpdate(
  obj: KubeObject,
  old: KubeObject,
  namespaced: boolean,
): ErrorList {
  const errs = validateBinding(obj, namespaced);
  const ref = typedRoleRef(obj);
  if (JSON.stringify(ref) !== JSON.stringify(typedRoleRef(old))) {
    errs.push(invalid(ROLE_REF, ref, 'cannot change roleRef'));
  }
  return errs;
}

/** Subjects by kind for display: users, groups, `namespace/name` service accounts. */
export function subjectsStrings(subjects: readonly Subject[]): {
  users: string[];
  groups: string[];
  serviceAccounts: string[];
  others: string[];
} {
  const out = {
    users: [] as string[],
    groups: [] as string[],
    serviceAccounts: [] as string[],
    others: [] as string[],
  };
  for (const s of subjects) {
    if (s.kind === SERVICE_ACCOUNT_KIND) out.serviceAccounts.push(`${s.namespace ?? ''}/${s.name}`);
    else if (s.kind === USER_KIND) out.users.push(s.name);
    else if (s.kind === GROUP_KIND) out.groups.push(s.name);
    else out.others.push(`${s.kind}/${s.namespace ?? ''}/${s.name}`);
  }
  return out;
}

/** The binding table's columns; `what` names the binding type in the descriptions. */
export function bindingColumns(what: string, roleRefDescription: string): TableColumnDefinition[] {
  return [
    NAME_COLUMN,
    column('Role', 'string', roleRefDescription),
    AGE_COLUMN,
    column('Users', 'string', `Users in the ${what}`, 1),
    column('Groups', 'string', `Groups in the ${what}`, 1),
    column('ServiceAccounts', 'string', `ServiceAccounts in the ${what}`, 1),
  ];
}

export function bindingCells(obj: KubeObject, now: number): unknown[] {
  const ref = objectOrEmpty(obj.roleRef);
  const subjects: Subject[] = (Array.isArray(obj.subjects) ? obj.subjects : []).map((s) => {
    const o = objectOrEmpty(s);
    return { kind: str(o.kind), name: str(o.name), namespace: str(o.namespace) };
  });
  const { users, groups, serviceAccounts } = subjectsStrings(subjects);
  return [
    obj.metadata.name,
    `${str(ref.kind)}/${str(ref.name)}`,
    age(obj, now),
    users.join(', '),
    groups.join(', '),
    serviceAccounts.join(', '),
  ];
}

export const roleBindings = builtin({
  group: RBAC_GROUP,
  version: 'v1',
  plural: 'rolebindings',
  singular: 'rolebinding',
  kind: 'RoleBinding',
  namespaced: true,
  schema: roleBindingSchema,
  definitionName: 'io.k8s.api.rbac.v1.RoleBinding',
  strategy: {
    nameValidation: 'PathSegmentName',
    prepareForCreate: defaultBinding,
    prepareForUpdate: defaultBinding,
    validate: (obj) => validateBinding(obj, true),
    validateUpdate: (obj, old) => validateBindingUpdate(obj, old, true),
    allowCreateOnUpdate: true,
    allowUnconditionalUpdate: true,
    columns: bindingColumns(
      'roleBinding',
      'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.',
    ),
    cells: bindingCells,
  },
});
