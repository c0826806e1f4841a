import { describe, expect, it } from 'vitest';
import { type KubeObject, nameOf } from '../../apimachinery/meta.ts';
import { isStatusError } from '../../apimachinery/status.ts';
import { builtinTypes } from '../builtin/index.ts';
import type { ResourceType } from '../registry/resource-type.ts';
import type { AdmissionRequest, Operation } from './admission.ts';
import { servedResources } from './served-resources.ts';

const byName = (group: string, plural: string) =>
  builtinTypes.find((t) => t.group === group && t.names.plural === plural) as ResourceType;
const CRDS = byName('apiextensions.k8s.io', 'customresourcedefinitions');
const ROLES = byName('rbac.authorization.k8s.io', 'roles');
/** A type a CRD of the cluster already defines. */
const GADGETS = { ...ROLES, group: 'example.com', names: { ...ROLES.names, plural: 'gadgets' } };

const plugin = servedResources({
  types: () => [...builtinTypes, GADGETS],
  crdTypes: () => [GADGETS],
});

const crd = (group: string, plural: string): KubeObject => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${plural}.${group}` },
  spec: { group, names: { plural, kind: 'X' }, scope: 'Cluster', versions: [] },
});

function decide(operation: Operation, object: KubeObject, oldObject?: KubeObject): string {
  const request: AdmissionRequest = {
    operation,
    scope: { cluster: 'c', type: CRDS, version: 'v1', user: { username: 'u', groups: [] } },
    name: nameOf(object),
    namespace: undefined,
    subresource: '',
    object,
    oldObject,
    dryRun: false,
    warnings: [],
  };
  try {
    plugin.validate?.(request);
    return 'allowed';
  } catch (err) {
    if (isStatusError(err)) return `${err.code} ${err.status.message}`;
    throw err;
  }
}

describe('CRDs and the resources a workspace already serves', () => {
  it('refuses a CRD for a resource served otherwise, in any version', () => {
    expect(decide('CREATE', crd('rbac.authorization.k8s.io', 'roles'))).toBe(
      '422 CustomResourceDefinition.apiextensions.k8s.io "roles.rbac.authorization.k8s.io" is invalid: spec.names.plural: Invalid value: "roles": roles.rbac.authorization.k8s.io is already served in this workspace; a CustomResourceDefinition cannot define it',
    );
  });

  it('leaves other resources of the group, and the CRDs’ own conflicts, alone', () => {
    expect(decide('CREATE', crd('rbac.authorization.k8s.io', 'roleviews'))).toBe('allowed');
    // Two CRDs of one name are the CRD controller's NamesAccepted business.
    expect(decide('CREATE', crd('example.com', 'gadgets'))).toBe('allowed');
    const roles = crd('rbac.authorization.k8s.io', 'roles');
    expect(decide('UPDATE', roles, roles)).toBe('allowed');
  });
});
