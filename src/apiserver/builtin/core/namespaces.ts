/**
 * Namespaces (core/v1): DNS-label names, the `kubernetes` finalizer in spec that keeps a
 * deleted namespace Terminating until the namespace controller has emptied it, and the
 * `kubernetes.io/metadata.name` label every namespace carries.
 *
 * See also: Admission: NamespaceLifecycle (apiserver/admission/namespace-lifecycle.ts).
 * Controllers: the namespace controller (apiserver/controllers/namespace/), which empties a
 * deleted one; the service account and root CA controllers, which put `default` and
 * `kube-root-ca.crt` in each (apiserver/controllers/serviceaccount/, root-ca-publisher/).
 */
import { type ErrorList, FieldPath, invalid } from '../../../apimachinery/field-errors.ts';
import { isJsonObject, type KubeObject, objectOrEmpty } from '../../../apimachinery/meta.ts';
import { AGE_COLUMN, column, NAME_COLUMN } from '../../../apimachinery/table.ts';
import { isQualifiedName } from '../../../apimachinery/validation/names.ts';
import { age } from '../age.ts';
import { builtin } from '../define.ts';
import { namespaceSchema } from './namespaces.schema.ts';

export const NAMESPACE_FINALIZER = 'kubernetes';
export const NAME_LABEL = 'kubernetes.io/metadata.name';

interface NamespaceFields {
  spec?: { finalizers?: string[] };
  status?: { phase?: 'Active' | 'Terminating'; conditions?: unknown[] };
}

const fields = (obj: KubeObject) => obj as KubeObject & NamespaceFields;

export function specFinalizers(obj: KubeObject): string[] {
  const spec = fields(obj).spec;
  return Array.isArray(spec?.finalizers) ? spec.finalizers : [];
}

export function phase(obj: KubeObject): string {
  return fields(obj).status?.phase ?? 'Active';
}

function labelName(obj: KubeObject): void {
  obj.metadata.labels = { ...obj.metadata.labels, [NAME_LABEL]: obj.metadata.name ?? '' };
}

function validate(obj: KubeObject): ErrorList {
  const errs: ErrorList = [];
  const spec = obj.spec;
  if (spec !== undefined && spec !== null && !isJsonObject(spec)) {
    errs.push(invalid(FieldPath.root('spec'), spec, 'must be an object'));
  }
  specFinalizers(obj).forEach((f, i) => {
    // Standard finalizers (no domain) are allowed here; anything else must be qualified.
    if (f !== NAMESPACE_FINALIZER && (!f.includes('/') || isQualifiedName(f).length > 0)) {
      errs.push(
        invalid(
          FieldPath.root('spec', 'finalizers').index(i),
          f,
          'name is neither a standard finalizer name nor is it fully qualified',
        ),
      );
    }
  });
  return errs;
}

export const namespaces = builtin({
  group: '',
  version: 'v1',
  plural: 'namespaces',
  singular: 'namespace',
  kind: 'Namespace',
  namespaced: false,
  shortNames: ['ns'],
  subresources: { status: true },
  schema: namespaceSchema,
  definitionName: 'io.k8s.api.core.v1.Namespace',
  strategy: {
    nameValidation: 'DNS1123Label',
    prepareForCreate(obj) {
      const ns = fields(obj);
      ns.spec = { ...objectOrEmpty(obj.spec), finalizers: [NAMESPACE_FINALIZER] };
      ns.status = { phase: 'Active' };
      labelName(obj);
    },
    prepareForUpdate(obj, old, ctx) {
      // spec.finalizers change only through /finalize; everything else keeps them.
      if (ctx.subresource === 'finalize') {
        const finalizers = specFinalizers(obj);
        Object.assign(obj, structuredClone({ ...old, metadata: obj.metadata }));
        fields(obj).spec = { ...(fields(old).spec ?? {}), finalizers };
      } else if (ctx.subresource === '') {
        fields(obj).spec = structuredClone(fields(old).spec ?? {});
      }
      labelName(obj);
    },
    validate,
    allowUnconditionalUpdate: true,
    holdsDeletion: (obj) => specFinalizers(obj).length > 0,
    prepareForDelete(obj) {
      fields(obj).status = { ...(fields(obj).status ?? {}), phase: 'Terminating' };
    },
    columns: [NAME_COLUMN, column('Status', 'string', 'The status of the namespace'), AGE_COLUMN],
    cells: (obj, now) => [obj.metadata.name, phase(obj), age(obj, now)],
    fields: (obj) => ({ 'status.phase': phase(obj) }),
    fieldNames: ['status.phase'],
  },
});
