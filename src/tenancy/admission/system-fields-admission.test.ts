import { describe, expect, it } from 'vitest';
import type { LogicalCluster, Workspace } from '../../api/tenancy/types.ts';
import type { KubeObject } from '../../apimachinery/meta.ts';
import { isStatusError } from '../../apimachinery/status.ts';
import type { AdmissionRequest, Operation } from '../../apiserver/admission/admission.ts';
import type { ResourceType, Subresource } from '../../apiserver/registry/resource-type.ts';
import type { UserInfo } from '../../apiserver/rest/scope.ts';
import { logicalClusters, workspaces, workspaceTypes } from '../apis/index.ts';
import { systemFieldsAdmission } from './system-fields-admission.ts';

const ADMIN: UserInfo = { username: 'admin', groups: ['system:masters'] };
const ALICE: UserInfo = { username: 'alice', groups: ['system:authenticated'] };

/** Logical clusters that exist: `bobs` belongs to the Workspace with UID bob-ws. */
const EXISTING: Record<string, LogicalCluster> = {
  bobs: lc({ owner: 'bob-ws' }),
  mine: lc({ owner: 'my-ws' }),
};
const plugin = systemFieldsAdmission(async (cluster) => EXISTING[cluster]);

function lc(o: {
  owner?: string;
  phase?: 'Initializing' | 'Ready';
  initializers?: string[];
  path?: string;
  finalizers?: string[];
}): LogicalCluster {
  return {
    apiVersion: 'core.kcp.io/v1alpha1',
    kind: 'LogicalCluster',
    metadata: {
      name: 'cluster',
      annotations: { 'kcp.io/path': o.path ?? 'root:alice' },
      finalizers: o.finalizers ?? ['core.kcp.io/logicalcluster-content'],
    },
    spec: {
      owner: {
        apiVersion: 'tenancy.kcp.io/v1alpha1',
        resource: 'workspaces',
        name: 'alice',
        cluster: 'root',
        uid: o.owner ?? 'alice-ws',
      },
      initializers: ['root:universal'],
    },
    status: { phase: o.phase ?? 'Ready', initializers: o.initializers ?? [] },
  };
}

function ws(o: { cluster?: string; scheduled?: string; owner?: string; uid?: string }): Workspace {
  return {
    apiVersion: 'tenancy.kcp.io/v1alpha1',
    kind: 'Workspace',
    metadata: {
      name: 'w',
      uid: o.uid ?? 'my-ws',
      annotations: {
        ...(o.scheduled ? { 'internal.tenancy.kcp.io/cluster': o.scheduled } : {}),
        ...(o.owner ? { 'experimental.tenancy.kcp.io/owner': o.owner } : {}),
      },
    },
    spec: o.cluster ? { cluster: o.cluster } : {},
  };
}

function request(
  type: ResourceType,
  operation: Operation,
  user: UserInfo,
  object: KubeObject | undefined,
  oldObject?: KubeObject,
  subresource: Subresource = '',
): AdmissionRequest {
  return {
    operation,
    scope: { cluster: 'root', type, version: 'v1alpha1', user },
    name: object?.metadata.name ?? oldObject?.metadata.name ?? '',
    namespace: undefined,
    subresource,
    object,
    oldObject,
    dryRun: false,
    warnings: [],
  };
}

/** `allowed`, or the code and message of the refusal. */
async function decision(r: AdmissionRequest): Promise<string> {
  try {
    await plugin.validate?.(r);
    return 'allowed';
  } catch (err) {
    if (isStatusError(err)) return `${err.code} ${err.status.message}`;
    throw err;
  }
}

describe('system-owned fields of Workspaces', () => {
  it.each<[string, AdmissionRequest, string]>([
    [
      'a user naming a scheduling cluster',
      request(workspaces, 'CREATE', ALICE, ws({ scheduled: 'bobs' })),
      '422 Workspace.tenancy.kcp.io "w" is invalid: metadata.annotations[internal.tenancy.kcp.io/cluster]: Forbidden: can only be set by system privileged users',
    ],
    [
      'the admin naming another workspace’s cluster in spec.cluster',
      request(workspaces, 'CREATE', ADMIN, ws({ cluster: 'bobs' })),
      '422 Workspace.tenancy.kcp.io "w" is invalid: spec.cluster: Invalid value: "bobs": names a logical cluster that belongs to another workspace',
    ],
    [
      'the admin naming another workspace’s cluster in the annotation',
      request(workspaces, 'CREATE', ADMIN, ws({ scheduled: 'bobs' })),
      '422 Workspace.tenancy.kcp.io "w" is invalid: metadata.annotations[internal.tenancy.kcp.io/cluster]: Invalid value: "bobs": names a logical cluster that belongs to another workspace',
    ],
    [
      'the admin creating one with its own, new cluster',
      request(workspaces, 'CREATE', ADMIN, ws({ cluster: 'fresh' })),
      'allowed',
    ],
    [
      'the controller setting spec.cluster to the cluster it made for it',
      request(workspaces, 'UPDATE', ADMIN, ws({ cluster: 'mine' }), ws({})),
      'allowed',
    ],
    [
      'the admin pointing a scheduled workspace at another’s cluster',
      request(workspaces, 'UPDATE', ADMIN, ws({ scheduled: 'bobs' }), ws({})),
      '422 Workspace.tenancy.kcp.io "w" is invalid: metadata.annotations[internal.tenancy.kcp.io/cluster]: Invalid value: "bobs": names a logical cluster that belongs to another workspace',
    ],
    [
      'a user changing the creator',
      request(workspaces, 'UPDATE', ALICE, ws({ owner: 'me' }), ws({ owner: 'bob' })),
      '422 Workspace.tenancy.kcp.io "w" is invalid: metadata.annotations[experimental.tenancy.kcp.io/owner]: Forbidden: can only be set by system privileged users',
    ],
    [
      'a user changing the scheduling annotation through /status',
      request(workspaces, 'UPDATE', ALICE, ws({ scheduled: 'x' }), ws({}), 'status'),
      '403 workspaces.tenancy.kcp.io "w" is forbidden: only the system writes this status',
    ],
    [
      'a user writing a status',
      request(workspaces, 'UPDATE', ALICE, ws({}), ws({}), 'status'),
      '403 workspaces.tenancy.kcp.io "w" is forbidden: only the system writes this status',
    ],
    [
      'a user changing labels',
      request(
        workspaces,
        'UPDATE',
        ALICE,
        { ...ws({}), metadata: { name: 'w', labels: { a: 'b' } } },
        ws({}),
      ),
      'allowed',
    ],
    [
      'a user deleting',
      request(workspaces, 'DELETE', ALICE, undefined, ws({ cluster: 'mine' })),
      'allowed',
    ],
  ])('%s', async (_what, r, want) => {
    expect(await decision(r)).toBe(want);
  });

  it('leaves the status of WorkspaceTypes to the system', async () => {
    const type = {
      apiVersion: 'tenancy.kcp.io/v1alpha1',
      kind: 'WorkspaceType',
      metadata: { name: 't' },
    };
    expect(await decision(request(workspaceTypes, 'UPDATE', ALICE, type, type, 'status'))).toBe(
      '403 workspacetypes.tenancy.kcp.io "t" is forbidden: only the system writes this status',
    );
    expect(await decision(request(workspaceTypes, 'UPDATE', ADMIN, type, type, 'status'))).toBe(
      'allowed',
    );
    expect(await decision(request(workspaceTypes, 'UPDATE', ALICE, type, type))).toBe('allowed');
  });
});

describe('LogicalClusters, as a workspace admin sees them', () => {
  const forbidden = (why: string) =>
    `403 logicalclusters.core.kcp.io "cluster" is forbidden: ${why}`;
  const initializing = lc({ phase: 'Initializing', initializers: ['root:universal', 'root:x'] });
  it.each<[string, AdmissionRequest, string]>([
    [
      'create',
      request(logicalClusters, 'CREATE', ALICE, lc({})),
      forbidden('LogicalCluster cannot be created'),
    ],
    [
      'delete',
      request(logicalClusters, 'DELETE', ALICE, undefined, lc({})),
      forbidden('LogicalCluster cannot be deleted'),
    ],
    [
      'delete when directly deletable',
      request(logicalClusters, 'DELETE', ALICE, undefined, {
        ...lc({}),
        spec: { directlyDeletable: true },
      }),
      'allowed',
    ],
    [
      'change its path',
      request(logicalClusters, 'UPDATE', ALICE, lc({ path: 'root:bob' }), lc({})),
      forbidden('metadata.annotations[kcp.io/path] can only be set by system privileged users'),
    ],
    [
      'change its path through /status',
      request(logicalClusters, 'UPDATE', ALICE, lc({ path: 'root:bob' }), lc({}), 'status'),
      forbidden('metadata.annotations[kcp.io/path] can only be set by system privileged users'),
    ],
    [
      'change its owner',
      request(logicalClusters, 'UPDATE', ALICE, lc({ owner: 'other' }), lc({})),
      forbidden('spec.owner is immutable'),
    ],
    [
      'drop the content finalizer',
      request(logicalClusters, 'UPDATE', ALICE, lc({ finalizers: [] }), lc({})),
      forbidden(
        'the finalizer core.kcp.io/logicalcluster-content can only be removed by the system',
      ),
    ],
    [
      'go back to Initializing',
      request(logicalClusters, 'UPDATE', ALICE, lc({ phase: 'Initializing' }), lc({}), 'status'),
      forbidden('cannot transition from "Ready" to "Initializing"'),
    ],
    [
      'add an initializer',
      request(
        logicalClusters,
        'UPDATE',
        ALICE,
        lc({ phase: 'Initializing', initializers: ['root:universal', 'root:x', 'root:y'] }),
        initializing,
        'status',
      ),
      forbidden('status.initializers must not grow'),
    ],
    [
      'remove its initializer while Initializing',
      request(
        logicalClusters,
        'UPDATE',
        ALICE,
        lc({ phase: 'Initializing', initializers: ['root:universal'] }),
        initializing,
        'status',
      ),
      'allowed',
    ],
    [
      'become Ready with initializers left',
      request(
        logicalClusters,
        'UPDATE',
        ALICE,
        lc({ phase: 'Ready', initializers: ['root:universal'] }),
        initializing,
        'status',
      ),
      forbidden('status.initializers is not empty'),
    ],
    [
      'become Ready once none is left',
      request(
        logicalClusters,
        'UPDATE',
        ALICE,
        lc({ phase: 'Ready' }),
        lc({ phase: 'Initializing', initializers: ['root:x'] }),
        'status',
      ),
      'allowed',
    ],
    [
      'set its URL',
      request(
        logicalClusters,
        'UPDATE',
        ALICE,
        { ...lc({}), status: { phase: 'Ready', URL: 'https://evil' } },
        lc({}),
        'status',
      ),
      forbidden('status can only be changed by removing initializers'),
    ],
    [
      'label it',
      request(
        logicalClusters,
        'UPDATE',
        ALICE,
        { ...lc({}), metadata: { ...lc({}).metadata, labels: { a: 'b' } } },
        lc({}),
      ),
      'allowed',
    ],
  ])('%s', async (_what, r, want) => {
    expect(await decision(r)).toBe(want);
  });

  it('lets the system do all of it', async () => {
    expect(await decision(request(logicalClusters, 'CREATE', ADMIN, lc({})))).toBe('allowed');
    expect(await decision(request(logicalClusters, 'DELETE', ADMIN, undefined, lc({})))).toBe(
      'allowed',
    );
    expect(
      await decision(
        request(logicalClusters, 'UPDATE', ADMIN, lc({ phase: 'Initializing' }), lc({}), 'status'),
      ),
    ).toBe('allowed');
  });
});
