import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apimachinery/meta.ts';
import { builtinTypes } from '../builtin/index.ts';
import type { ResourceType } from '../registry/resource-type.ts';
import type { Operation } from './admission.ts';
import { servedResources } from './served-resources.ts';
import { admissionDecision, admissionRequest } from './testing.ts';

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

const decide = (operation: Operation, object: KubeObject, oldObject?: KubeObject) =>
  admissionDecision(
    plugin,
    admissionRequest({
      type: CRDS,
      operation,
      user: { username: 'u', groups: [] },
      object,
      ...(oldObject ? { oldObject } : {}),
      cluster: 'c',
    }),
  );

describe('CRDs and the resources a workspace already serves', () => {
  it('refuses a CRD for a resource served otherwise, in any version', async () => {
    expect(await decide('CREATE', crd('rbac.authorization.k8s.io', 'roles'))).toBe(
      '422 CustomResourceDefinition.apiextensions.k8s.io "roles.rbac.authorization.k8s.io" is invalid: spec.names.plural: Invalid value: "roles": roles.rbac.authorization.k8s.io is already served in this workspace; a CustomResourceDefinition cannot define it',
    );
  });

  it('leaves other resources of the group, and the CRDs’ own conflicts, alone', async () => {
    expect(await decide('CREATE', crd('rbac.authorization.k8s.io', 'roleviews'))).toBe('allowed');
    // Two CRDs of one name are the CRD controller's NamesAccepted business.
    expect(await decide('CREATE', crd('example.com', 'gadgets'))).toBe('allowed');
    const roles = crd('rbac.authorization.k8s.io', 'roles');
    expect(await decide('UPDATE', roles, roles)).toBe('allowed');
  });
});
