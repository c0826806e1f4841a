import { describe, expect, it } from 'vitest';
import type { APIBinding, APIExport, BindingPermissionClaim } from '../../api/apis/types.ts';
import type { KubeObject } from '../../apimachinery/meta.ts';
import { isStatusError } from '../../apimachinery/status.ts';
import type { AdmissionRequest, Operation } from '../../apiserver/admission/admission.ts';
import { Authorization } from '../../apiserver/authz/authorization.ts';
import type { UserInfo } from '../../apiserver/rest/scope.ts';
import { apiBindings } from '../resources/index.ts';
import { claimAcceptanceAdmission } from './claim-acceptance-admission.ts';

const RBAC = 'rbac.authorization.k8s.io';
const READER: UserInfo = { username: 'reader', groups: ['system:authenticated'] };
const ENABLER: UserInfo = { username: 'enabler', groups: ['system:authenticated'] };
const ADMIN: UserInfo = { username: 'admin', groups: ['system:masters'] };

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

function decide(
  user: UserInfo,
  operation: Operation,
  object: APIBinding,
  oldObject?: APIBinding,
): string {
  const request: AdmissionRequest = {
    operation,
    scope: { cluster: 'tenant', type: apiBindings, version: 'v1alpha2', user },
    name: 'db',
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

describe('accepting a permission claim', () => {
  it('needs the verbs it grants, as the export claims them', () => {
    // `*` in the binding is the export's get and list, which the reader holds.
    expect(decide(READER, 'CREATE', binding([{}]))).toBe('allowed');
    expect(decide(ENABLER, 'CREATE', binding([{}]))).toBe(
      '403 apibindings.apis.kcp.io "db" is forbidden: accepting the claim on secrets needs what it grants: User "enabler" cannot get resource "secrets" in API group "" at the cluster scope',
    );
    // An export Canopy does not know yet: the binding's own verbs count.
    expect(decide(READER, 'CREATE', binding([{ verbs: ['get', 'delete'] }], 'unknown'))).toMatch(
      /cannot delete resource "secrets"/,
    );
  });

  it('is free to reject, to keep, and for the system', () => {
    expect(decide(ENABLER, 'CREATE', binding([{ state: 'Rejected' }]))).toBe('allowed');
    const accepted = binding([{}]);
    expect(decide(ENABLER, 'UPDATE', accepted, accepted)).toBe('allowed');
    expect(decide(ADMIN, 'CREATE', accepted)).toBe('allowed');
  });

  it('is checked when an update accepts a claim or widens it', () => {
    expect(decide(ENABLER, 'UPDATE', binding([{}]), binding([{ state: 'Rejected' }]))).toMatch(
      /^403 .*accepting the claim on secrets/,
    );
    expect(
      decide(
        READER,
        'UPDATE',
        binding([{ verbs: ['get', 'list'] }]),
        binding([{ verbs: ['get'] }]),
      ),
    ).toBe('allowed');
    // A wider selector covers more objects: it is accepted anew.
    expect(
      decide(
        ENABLER,
        'UPDATE',
        binding([{ selector: { matchAll: true } }]),
        binding([{ selector: { matchLabels: { shared: 'yes' } } }]),
      ),
    ).toMatch(/^403 .*accepting the claim on secrets/);
  });
});
