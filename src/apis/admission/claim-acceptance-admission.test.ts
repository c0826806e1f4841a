import { describe, expect, it } from 'vitest';
import type { APIBinding, APIExport, BindingPermissionClaim } from '../../api/apis/types.ts';
import type { KubeObject } from '../../apimachinery/meta.ts';
import type { Operation } from '../../apiserver/admission/admission.ts';
import { ADMIN, admissionDecision, admissionRequest } from '../../apiserver/admission/testing.ts';
import { Authorization } from '../../apiserver/authz/authorization.ts';
import type { UserInfo } from '../../apiserver/rest/scope.ts';
import { apiBindings } from '../resources/index.ts';
import { claimAcceptanceAdmission } from './claim-acceptance-admission.ts';

const RBAC = 'rbac.authorization.k8s.io';
const READER: UserInfo = { username: 'reader', groups: ['system:authenticated'] };
const ENABLER: UserInfo = { username: 'enabler', groups: ['system:authenticated'] };

/** reader may read Secrets in the tenant's workspace; enabler may only write bindings. */
function authorization(): Authorization {
  const a = new Authorization();
  const role = (name: string, rules: unknown[]) =>
    a.index.set('tenant', 'clusterroles', '', name, {
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRole',
      metadata: { name },
      rules,
    } as KubeObject);
  const bind = (name: string, user: string) =>
    a.index.set('tenant', 'clusterrolebindings', '', name, {
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name },
      subjects: [{ kind: 'User', name: user }],
    } as KubeObject);
  role('reader', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] }]);
  bind('reader', 'reader');
  role('enabler', [{ apiGroups: ['apis.kcp.io'], resources: ['apibindings'], verbs: ['*'] }]);
  bind('enabler', 'enabler');
  return a;
}

const exp: APIExport = {
  apiVersion: 'apis.kcp.io/v1alpha2',
  kind: 'APIExport',
  metadata: { name: 'db' },
  spec: { permissionClaims: [{ group: '', resource: 'secrets', verbs: ['get', 'list'] }] },
};
const plugin = claimAcceptanceAdmission(authorization(), (_c, _p, name) =>
  name === 'db' ? exp : undefined,
);

const binding = (
  claims: Array<Partial<BindingPermissionClaim>>,
  exportName = 'db',
): APIBinding => ({
  apiVersion: 'apis.kcp.io/v1alpha2',
  kind: 'APIBinding',
  metadata: { name: 'db' },
  spec: {
    reference: { export: { path: 'root:provider', name: exportName } },
    permissionClaims: claims.map((c) => ({
      group: '',
      resource: 'secrets',
      verbs: ['*'],
      state: 'Accepted' as const,
      ...c,
    })),
  },
});

const decide = (user: UserInfo, operation: Operation, object: APIBinding, oldObject?: APIBinding) =>
  admissionDecision(
    plugin,
    admissionRequest({
      type: apiBindings,
      operation,
      user,
      object,
      ...(oldObject ? { oldObject } : {}),
      cluster: 'tenant',
    }),
  );

describe('accepting a permission claim', () => {
  it('needs the verbs it grants, as the export claims them', async () => {
    // `*` in the binding is the export's get and list, which the reader holds.
    expect(await decide(READER, 'CREATE', binding([{}]))).toBe('allowed');
    expect(await decide(ENABLER, 'CREATE', binding([{}]))).toBe(
      '403 apibindings.apis.kcp.io "db" is forbidden: accepting the claim on secrets needs what it grants: User "enabler" cannot get resource "secrets" in API group "" at the cluster scope',
    );
    // An export Canopy does not know yet: the binding's own verbs count.
    expect(
      await decide(READER, 'CREATE', binding([{ verbs: ['get', 'delete'] }], 'unknown')),
    ).toMatch(/cannot delete resource "secrets"/);
  });

  it('is free to reject, to keep, and for the system', async () => {
    expect(await decide(ENABLER, 'CREATE', binding([{ state: 'Rejected' }]))).toBe('allowed');
    const accepted = binding([{}]);
    expect(await decide(ENABLER, 'UPDATE', accepted, accepted)).toBe('allowed');
    expect(await decide(ADMIN, 'CREATE', accepted)).toBe('allowed');
  });

  it('is checked when an update accepts a claim or widens it', async () => {
    expect(
      await decide(ENABLER, 'UPDATE', binding([{}]), binding([{ state: 'Rejected' }])),
    ).toMatch(/^403 .*accepting the claim on secrets/);
    expect(
      await decide(
        READER,
        'UPDATE',
        binding([{ verbs: ['get', 'list'] }]),
        binding([{ verbs: ['get'] }]),
      ),
    ).toBe('allowed');
    // A wider selector covers more objects: it is accepted anew.
    expect(
      await decide(
        ENABLER,
        'UPDATE',
        binding([{ selector: { matchAll: true } }]),
        binding([{ selector: { matchLabels: { shared: 'yes' } } }]),
      ),
    ).toMatch(/^403 .*accepting the claim on secrets/);
  });
});
