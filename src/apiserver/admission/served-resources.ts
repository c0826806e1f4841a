/**
 * A CustomResourceDefinition may not define a resource the workspace already serves by
 * other means — a built-in, one of kcp's or the hub's system APIs, or a resource bound
 * from an APIExport. Canopy keys objects by group and resource (not by who defines them),
 * so such a CRD, served at a version of its own, would read and write the very objects of
 * that resource without its strategy, status subresource or admission: a tenant could
 * write an APIBinding's status (binding an export it may not bind), an export's identity,
 * or bypass RBAC validation, and deleting the CRD would delete them all. kcp reserves its
 * API groups for the same reason (ReservedCRDGroups).
 */
import { CRD_GVR, type CustomResourceDefinition } from '../../api/apiextensions/types.ts';
import { invalid } from '../../apimachinery/status.ts';
import type { ResourceType } from '../registry/resource-type.ts';
import type { AdmissionPlugin } from './admission.ts';

export interface ServedTypes {
  /** Every type the cluster serves. */
  types(cluster: string): readonly ResourceType[];
  /** The types its CRDs define. */
  crdTypes(cluster: string): readonly ResourceType[];
}

export function servedResources(served: ServedTypes): AdmissionPlugin {
  return {
    name: 'ServedResources',
    validate({ operation, scope, object, oldObject, name }) {
      const t = scope.type;
      if (t.group !== CRD_GVR.group || t.names.plural !== CRD_GVR.resource) return;
      if (operation === 'DELETE' || !object) return;
      const crd = object as CustomResourceDefinition;
      const old = oldObject as CustomResourceDefinition | undefined;
      const group = crd.spec?.group;
      const plural = crd.spec?.names?.plural;
      if (old && old.spec?.group === group && old.spec?.names?.plural === plural) return;
      const own = new Set(served.crdTypes(scope.cluster));
      const taken = served
        .types(scope.cluster)
        .some((s) => s.group === group && s.names.plural === plural && !own.has(s));
      if (!taken) return;
      throw invalid({ group: CRD_GVR.group, kind: 'CustomResourceDefinition' }, name, [
        {
          type: 'FieldValueInvalid',
          field: 'spec.names.plural',
          value: plural,
          detail: `${plural}.${group} is already served in this workspace; a CustomResourceDefinition cannot define it`,
        },
      ]);
    },
  };
}
