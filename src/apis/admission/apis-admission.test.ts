/**
 * The apis.kcp.io admission rules, one table row per rule and side: binding an export
 * needs `bind` on it where it lives (and every refusal reads the same), an export's
 * resources name schemas for themselves, a schema in use is not deleted, status is the
 * system's.
 */
import { describe, expect, it } from 'vitest';
import type { APIExport } from '../../api/apis/types.ts';
import type { KubeObject } from '../../apimachinery/meta.ts';
import type { Operation } from '../../apiserver/admission/admission.ts';
import {
  ADMIN,
  ALICE,
  admissionDecision,
  admissionRequest,
} from '../../apiserver/admission/testing.ts';
import type { Attributes } from '../../apiserver/authz/authorizer.ts';
import type { ResourceType, Subresource } from '../../apiserver/registry/resource-type.ts';
import type { UserInfo } from '../../apiserver/rest/scope.ts';
import {
  apiBindings,
  apiExportEndpointSlices,
  apiExports,
  apiResourceSchemas,
} from '../resources/index.ts';
import { apisAdmission } from './apis-admission.ts';

const TENANT = 'tenant-lc';
const PROVIDER = 'provider-lc';
const OTHER = 'other-lc';

const exportNamed = (name: string, schemas: string[], cluster = PROVIDER): [string, APIExport] => [
  `/apis.kcp.io/apiexports/-/${cluster}/-/${name}`,
  {
    apiVersion: 'apis.kcp.io/v1alpha2',
    kind: 'APIExport',
    metadata: { name },
    spec: {
      resources: schemas.map((schema) => ({
        name: 'clusters',
        group: 'postgresql.cnpg.io',
        schema,
        storage: { crd: {} },
      })),
    },
  },
];

/** Who may bind what: alice may bind `postgresql` in the provider's workspace, nothing else. */
const asked: Attributes[] = [];
const exports = new Map([
  exportNamed('postgresql', ['v1.clusters.postgresql.cnpg.io']),
  exportNamed('elsewhere', ['v2.clusters.postgresql.cnpg.io'], OTHER),
]);
const plugin = apisAdmission(
  {
    exportCluster: (from, path) =>
      path === 'root:providers:db' ? PROVIDER : path === undefined ? from : undefined,
    exports,
    exportExists: (cluster, name) => exports.has(`/apis.kcp.io/apiexports/-/${cluster}/-/${name}`),
  },
  {
    authorize: (attrs) => {
      asked.push(attrs);
      return {
        allowed:
          // system:masters may bind anything, also exports that do not exist.
          attrs.user.groups.includes('system:masters') ||
          (attrs.user.username === 'alice' &&
            attrs.verb === 'bind' &&
            attrs.cluster === PROVIDER &&
            attrs.resource === 'apiexports' &&
            attrs.name === 'postgresql'),
        reason: '',
      };
    },
  },
);

const binding = (path: string | undefined, name: string): KubeObject => ({
  apiVersion: 'apis.kcp.io/v1alpha2',
  kind: 'APIBinding',
  metadata: { name: 'db' },
  spec: { reference: { export: { ...(path ? { path } : {}), name } } },
});
const slice = (path: string, name: string): KubeObject => ({
  apiVersion: 'apis.kcp.io/v1alpha1',
  kind: 'APIExportEndpointSlice',
  metadata: { name: 'db' },
  spec: { export: { path, name } },
});
const exportWith = (schema: string): KubeObject => ({
  apiVersion: 'apis.kcp.io/v1alpha2',
  kind: 'APIExport',
  metadata: { name: 'postgresql' },
  spec: {
    resources: [{ name: 'clusters', group: 'postgresql.cnpg.io', schema, storage: { crd: {} } }],
  },
});
const schema = (name: string): KubeObject => ({
  apiVersion: 'apis.kcp.io/v1alpha1',
  kind: 'APIResourceSchema',
  metadata: { name },
});

interface Case {
  type: ResourceType;
  operation: Operation;
  user: UserInfo;
  object?: KubeObject;
  old?: KubeObject;
  subresource?: Subresource;
  cluster?: string;
  want: string;
}

const NO_BIND =
  'apibindings.apis.kcp.io "db" is forbidden: unable to create APIBinding: no permission to bind to export';

const cases: Record<string, Case> = {
  'binding an export one may bind': {
    type: apiBindings,
    operation: 'CREATE',
    user: ALICE,
    object: binding('root:providers:db', 'postgresql'),
    want: 'allowed',
  },
  'binding an export one may not bind': {
    type: apiBindings,
    operation: 'CREATE',
    user: { username: 'bob', groups: ['system:authenticated'] },
    object: binding('root:providers:db', 'postgresql'),
    want: `403 ${NO_BIND} root:providers:db:postgresql`,
  },
  'binding an export that does not exist is refused even for system:masters (a typo fails at once)':
    {
      type: apiBindings,
      operation: 'CREATE',
      user: ADMIN,
      object: binding('root:providers:db', 'postgersql'),
      want: `403 ${NO_BIND} root:providers:db:postgersql`,
    },
  'an export of one’s own workspace or of root is not looked up (bootstrapping)': {
    type: apiBindings,
    operation: 'CREATE',
    user: ADMIN,
    object: binding(undefined, 'not-yet'),
    want: 'allowed',
  },
  'binding an export in a workspace that does not resolve reads the same': {
    type: apiBindings,
    operation: 'CREATE',
    user: ALICE,
    object: binding('root:nowhere', 'postgresql'),
    want: `403 ${NO_BIND} root:nowhere:postgresql`,
  },
  'binding an export of one’s own workspace needs bind too': {
    type: apiBindings,
    operation: 'CREATE',
    user: ALICE,
    object: binding(undefined, 'postgresql'),
    want: `403 ${NO_BIND} postgresql`,
  },
  'an endpoint slice of an export one may not bind': {
    type: apiExportEndpointSlices,
    operation: 'CREATE',
    user: { username: 'bob', groups: ['system:authenticated'] },
    object: slice('root:providers:db', 'postgresql'),
    want: '403 apiexportendpointslices.apis.kcp.io "db" is forbidden: unable to create APIExportEndpointSlice: no permission to bind to export root:providers:db:postgresql',
  },
  'an endpoint slice of an export one may bind': {
    type: apiExportEndpointSlices,
    operation: 'CREATE',
    user: ALICE,
    object: slice('root:providers:db', 'postgresql'),
    want: 'allowed',
  },
  'an export whose resource names a schema for another resource': {
    type: apiExports,
    operation: 'CREATE',
    user: ALICE,
    object: exportWith('v1.databases.postgresql.cnpg.io'),
    want: '422 APIExport.apis.kcp.io "postgresql" is invalid: spec.resources[0].schema: Invalid value: "v1.databases.postgresql.cnpg.io": must end in .clusters.postgresql.cnpg.io',
  },
  'an export changed to name such a schema': {
    type: apiExports,
    operation: 'UPDATE',
    user: ADMIN,
    object: exportWith('v1.clusters.example.com'),
    old: exportWith('v1.clusters.postgresql.cnpg.io'),
    want: '422 APIExport.apis.kcp.io "postgresql" is invalid: spec.resources[0].schema: Invalid value: "v1.clusters.example.com": must end in .clusters.postgresql.cnpg.io',
  },
  'an export naming its own schemas': {
    type: apiExports,
    operation: 'CREATE',
    user: ALICE,
    object: exportWith('v1.clusters.postgresql.cnpg.io'),
    want: 'allowed',
  },
  'deleting a schema an export of its workspace uses': {
    type: apiResourceSchemas,
    operation: 'DELETE',
    user: ADMIN,
    old: schema('v1.clusters.postgresql.cnpg.io'),
    cluster: PROVIDER,
    want: '403 apiresourceschemas.apis.kcp.io "v1.clusters.postgresql.cnpg.io" is forbidden: the schema is used by APIExport "postgresql"; remove it from the export first',
  },
  'deleting a schema only another workspace’s export names': {
    type: apiResourceSchemas,
    operation: 'DELETE',
    user: ADMIN,
    old: schema('v2.clusters.postgresql.cnpg.io'),
    cluster: PROVIDER,
    want: 'allowed',
  },
  'a user writing an export’s status': {
    type: apiExports,
    operation: 'UPDATE',
    user: ALICE,
    object: exportWith('v1.clusters.postgresql.cnpg.io'),
    subresource: 'status',
    want: '403 apiexports/status.apis.kcp.io "postgresql" is forbidden: only the system writes this status',
  },
  'a user writing a binding’s status': {
    type: apiBindings,
    operation: 'UPDATE',
    user: ALICE,
    object: binding('root:providers:db', 'postgresql'),
    subresource: 'status',
    want: '403 apibindings/status.apis.kcp.io "db" is forbidden: only the system writes this status',
  },
  'a user writing an endpoint slice’s status': {
    type: apiExportEndpointSlices,
    operation: 'UPDATE',
    user: ALICE,
    object: slice('root:providers:db', 'postgresql'),
    subresource: 'status',
    want: '403 apiexportendpointslices/status.apis.kcp.io "db" is forbidden: only the system writes this status',
  },
  'the system writing a binding’s status': {
    type: apiBindings,
    operation: 'UPDATE',
    user: ADMIN,
    object: binding('root:providers:db', 'postgresql'),
    subresource: 'status',
    want: 'allowed',
  },
};

describe('apis.kcp.io admission', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(name, async () => {
      const request = admissionRequest({
        type: c.type,
        operation: c.operation,
        user: c.user,
        ...(c.object ? { object: c.object } : {}),
        ...(c.old ? { oldObject: c.old } : {}),
        ...(c.subresource ? { subresource: c.subresource } : {}),
        cluster: c.cluster ?? TENANT,
      });
      expect(await admissionDecision(plugin, request)).toBe(c.want);
    });
  }

  it('asks for bind on the export by name, in the export’s workspace', async () => {
    asked.length = 0;
    await admissionDecision(
      plugin,
      admissionRequest({
        type: apiBindings,
        operation: 'CREATE',
        user: ALICE,
        object: binding('root:providers:db', 'postgresql'),
        cluster: TENANT,
      }),
    );
    expect(asked).toEqual([
      expect.objectContaining({
        verb: 'bind',
        cluster: PROVIDER,
        apiGroup: 'apis.kcp.io',
        resource: 'apiexports',
        name: 'postgresql',
      }),
    ]);
  });
});
