import { describe, expect, it } from 'vitest';
import type { APIBinding } from '../../api/apis/types.ts';
import type { KubeObject } from '../../apimachinery/meta.ts';
import type { AdmissionRequest } from '../../apiserver/admission/admission.ts';
import { builtinTypes } from '../../apiserver/builtin/index.ts';
import type { ResourceType, Subresource } from '../../apiserver/registry/resource-type.ts';
import { claimLabelKey, claimLabelValue } from '../claims.ts';
import { claimLabelsAdmission } from './claim-labels-admission.ts';

const namespaces = builtinTypes.find(
  (t) => t.group === '' && t.names.plural === 'namespaces',
) as ResourceType;
const CLAIM = { group: '', resource: 'namespaces' };
const KEY = claimLabelKey('provider', 'db');

/** The tenant's binding to provider:db, accepting a claim on namespaces labelled team=a. */
const binding: APIBinding = {
  apiVersion: 'apis.kcp.io/v1alpha2',
  kind: 'APIBinding',
  metadata: { name: 'db' },
  spec: {
    reference: { export: { path: 'root:provider', name: 'db' } },
    permissionClaims: [
      { ...CLAIM, verbs: ['*'], selector: { matchLabels: { team: 'a' } }, state: 'Accepted' },
    ],
  },
  status: {
    phase: 'Bound',
    apiExportClusterName: 'provider',
    appliedPermissionClaims: [{ ...CLAIM, verbs: ['*'] }],
  },
};
const plugin = claimLabelsAdmission({
  hasBindings: (cluster) => cluster === 'tenant',
  bindingsIn: (cluster) => (cluster === 'tenant' ? [{ cluster, binding }] : []),
});

function labelsAfter(labels: Record<string, string>, subresource: Subresource, cluster = 'tenant') {
  const object: KubeObject = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'ns', labels },
  };
  const request: AdmissionRequest = {
    operation: 'UPDATE',
    scope: { cluster, type: namespaces, version: 'v1', user: { username: 'u', groups: [] } },
    name: 'ns',
    namespace: undefined,
    subresource,
    object,
    oldObject: object,
    dryRun: false,
    warnings: [],
  };
  plugin.admit?.(request);
  return object.metadata.labels;
}

describe('claim labels', () => {
  const forged = { [claimLabelKey('other', 'x')]: 'y' };
  it.each<Subresource>(['', 'status'])('are the system’s on %o writes', (subresource) => {
    // Inside the selector: the claim's label, whatever was sent.
    expect(labelsAfter({ team: 'a', ...forged }, subresource)).toEqual({
      team: 'a',
      [KEY]: claimLabelValue(CLAIM),
    });
    // Outside it: none.
    expect(labelsAfter({ team: 'b', [KEY]: claimLabelValue(CLAIM) }, subresource)).toEqual({
      team: 'b',
    });
    // In a workspace without bindings a forged one is dropped too.
    expect(labelsAfter({ ...forged }, subresource, 'elsewhere')).toBeUndefined();
  });
});
