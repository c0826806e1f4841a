/**
 * ServiceAccounts (core/v1): the identities pods and controllers run as. Upstream checks
 * nothing beyond metadata, so this module owns the shape of `secrets`,
 * `imagePullSecrets` and `automountServiceAccountToken`, the reduction of secret
 * references to their names, and the NAME / SECRETS / AGE table.
 *
 * See also: Subresource token: authentication/tokenrequests.ts. Authentication:
 * apiserver/authn/service-accounts.ts. Controllers: apiserver/controllers/serviceaccount/
 * (`default` in every namespace), serviceaccount-token/ (legacy token Secrets).
 */
import { type ErrorList, FieldPath, typeInvalid } from '../../../apimachinery/field-errors.ts';
import { isJsonObject, type KubeObject } from '../../../apimachinery/meta.ts';
import { AGE_COLUMN, column, NAME_COLUMN } from '../../../apimachinery/table.ts';
import { age } from '../age.ts';
import { builtin } from '../define.ts';
import { checkObjectReference, checkString } from './events.ts';
import { serviceAccountSchema } from './serviceaccounts.schema.ts';

const SECRETS = FieldPath.root('secrets');
const PULL_SECRETS = FieldPath.root('imagePullSecrets');
const AUTOMOUNT = FieldPath.root('automountServiceAccountToken');

/**
 * Only a secret's name means anything here (it must be in the service account's
 * namespace), so the rest of each reference is dropped on every write, as upstream does.
 */
function cleanSecretReferences(obj: KubeObject): void {
  if (!Array.isArray(obj.secrets)) return;
  obj.secrets = obj.secrets.map((ref) => {
    if (!isJsonObject(ref)) return ref;
    return ref.name === undefined ? {} : { name: ref.name };
  });
}

function validate(obj: KubeObject): ErrorList {
  // Empty names are accepted, as upstream accepts them (charts often render `- name: ""`).
  const errs: ErrorList = [];
  const secrets = obj.secrets;
  if (secrets !== undefined && secrets !== null) {
    if (!Array.isArray(secrets)) errs.push(typeInvalid(SECRETS, secrets, 'must be an array'));
    else {
      secrets.forEach((ref, i) => {
        errs.push(...checkObjectReference(ref, SECRETS.index(i)));
      });
    }
  }
  const pull = obj.imagePullSecrets;
  if (pull !== undefined && pull !== null) {
    if (!Array.isArray(pull)) errs.push(typeInvalid(PULL_SECRETS, pull, 'must be an array'));
    else {
      pull.forEach((ref, i) => {
        if (ref === null) return;
        if (!isJsonObject(ref))
          errs.push(typeInvalid(PULL_SECRETS.index(i), ref, 'must be an object'));
        else errs.push(...checkString(ref.name, PULL_SECRETS.index(i).child('name')));
      });
    }
  }
  const automount = obj.automountServiceAccountToken;
  if (automount !== undefined && automount !== null && typeof automount !== 'boolean') {
    errs.push(typeInvalid(AUTOMOUNT, automount, 'must be a boolean'));
  }
  return errs;
}

export const serviceAccounts = builtin({
  group: '',
  version: 'v1',
  plural: 'serviceaccounts',
  singular: 'serviceaccount',
  kind: 'ServiceAccount',
  namespaced: true,
  shortNames: ['sa'],
  schema: serviceAccountSchema,
  definitionName: 'io.k8s.api.core.v1.ServiceAccount',
  strategy: {
    prepareForCreate: cleanSecretReferences,
    prepareForUpdate: cleanSecretReferences,
    validate,
    // A PUT cannot create a service account upstream; it answers 404.
    allowCreateOnUpdate: false,
    allowUnconditionalUpdate: true,
    columns: [
      NAME_COLUMN,
      column(
        'Secrets',
        'integer',
        'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. More info: https://kubernetes.io/docs/concepts/configuration/secret',
      ),
      AGE_COLUMN,
    ],
    cells: (obj, now) => [
      obj.metadata.name,
      Array.isArray(obj.secrets) ? obj.secrets.length : 0,
      age(obj, now),
    ],
  },
});
