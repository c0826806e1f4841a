/**
 * Table tests of the APIBinding reconcile, in the manner of kcp's
 * `apibinding_reconcile_test.go`: a binding, the lookups' answers (export, schemas, other
 * bindings, CRDs), and the status it must end with.
 */
import { describe, expect, it } from 'vitest';
import type {
  APIBinding,
  APIExport,
  APIResourceSchema,
  BindingPermissionClaim,
  BoundResource,
  ExportPermissionClaim,
} from '../../../api/apis/types.ts';
import type { Condition } from '../../../apimachinery/meta.ts';
import {
  type BindingLookups,
  type BindingReconcile,
  finalizeBinding,
  intersectVerbs,
  RETRY_MS,
  reconcileBinding,
} from './apibinding-reconcile.ts';

const WS = 'tenant-lc';
const PROVIDER = 'provider-lc';

const binding = (
  extra: { status?: APIBinding['status']; claims?: BindingPermissionClaim[]; path?: string } = {},
): APIBinding => ({
  apiVersion: 'apis.kcp.io/v1alpha2',
  kind: 'APIBinding',
  metadata: { name: 'db', finalizers: ['apis.kcp.io/apibinding-finalizer'] },
  spec: {
    reference: { export: { path: extra.path ?? 'root:providers:db', name: 'postgresql' } },
    ...(extra.claims ? { permissionClaims: extra.claims } : {}),
  },
  ...(extra.status ? { status: extra.status } : {}),
});

const exportOf = (
  extra: { identity?: string; claims?: ExportPermissionClaim[]; schemas?: string[] } = {},
): APIExport => ({
  apiVersion: 'apis.kcp.io/v1alpha2',
  kind: 'APIExport',
  metadata: { name: 'postgresql' },
  spec: {
    resources: (extra.schemas ?? ['v1.clusters.postgresql.cnpg.io']).map((schema) => ({
      name: schema.split('.')[1] ?? '',
      group: schema.split('.').slice(2).join('.'),
      schema,
      storage: { crd: {} },
    })),
    ...(extra.claims ? { permissionClaims: extra.claims } : {}),
  },
  ...(extra.identity === '' ? {} : { status: { identityHash: extra.identity ?? 'hash-1' } }),
});

const schemaOf = (name: string, storage = 'v1'): APIResourceSchema => ({
  apiVersion: 'apis.kcp.io/v1alpha1',
  kind: 'APIResourceSchema',
  metadata: { name, uid: `uid-${name}` },
  spec: {
    group: name.split('.').slice(2).join('.'),
    names: { plural: name.split('.')[1] ?? '', kind: 'Cluster' },
    scope: 'Namespaced',
    versions: [{ name: storage, served: true, storage: true }],
  },
});

const boundTo = (identity: string, storageVersions = ['v1']): BoundResource => ({
  group: 'postgresql.cnpg.io',
  resource: 'clusters',
  schema: { name: 'v1.clusters.postgresql.cnpg.io', UID: 'uid', identityHash: identity },
  storageVersions,
});

const other = (identity: string): APIBinding => ({
  ...binding(),
  metadata: { name: 'other' },
  status: { boundResources: [boundTo(identity)] },
});

interface World {
  /** Undefined: the path does not resolve. */
  exportCluster?: string;
  export?: APIExport;
  schemas?: APIResourceSchema[];
  bindings?: APIBinding[];
  crds?: Array<{ group: string; resource: string }>;
}

function lookups(world: World): BindingLookups {
  return {
    exportCluster: (cluster, path) => {
      expect(cluster).toBe(WS);
      expect(path).toBe('root:providers:db');
      return world.exportCluster;
    },
    getExport: (cluster, name) =>
      cluster === PROVIDER && name === 'postgresql' ? world.export : undefined,
    getSchema: (cluster, name) =>
      cluster === PROVIDER ? world.schemas?.find((s) => s.metadata.name === name) : undefined,
    listBindings: (cluster) => (cluster === WS ? (world.bindings ?? []) : []),
    crdServes: (cluster, group, resource) =>
      cluster === WS &&
      (world.crds ?? []).some((c) => c.group === group && c.resource === resource),
  };
}

const ready: World = {
  exportCluster: PROVIDER,
  export: exportOf(),
  schemas: [schemaOf('v1.clusters.postgresql.cnpg.io')],
};

/** Each field of a wanted condition that is set must match; the message by containment. */
function expectConditions(actual: Condition[] | undefined, wanted: Array<Partial<Condition>>) {
  for (const w of wanted) {
    const found = (actual ?? []).find((c) => c.type === w.type);
    expect(found, `condition ${w.type}`).toBeDefined();
    if (w.status) expect(found?.status, `${w.type} status`).toBe(w.status);
    if (w.reason) expect(found?.reason, `${w.type} reason`).toBe(w.reason);
    if (w.message) expect(found?.message, `${w.type} message`).toContain(w.message);
  }
}

interface Case {
  binding: APIBinding;
  world: World;
  wantPhase: string | undefined;
  wantRequeue?: number;
  wantConditions?: Array<Partial<Condition>>;
  wantBound?: BoundResource[];
  wantExportCluster?: string;
  check?: (result: BindingReconcile) => void;
}

const cases: Record<string, Case> = {
  'an export path that does not resolve: APIExportNotFound, still Binding': {
    binding: binding(),
    world: {},
    wantPhase: 'Binding',
    wantRequeue: RETRY_MS * 4,
    wantConditions: [
      {
        type: 'APIExportValid',
        status: 'False',
        reason: 'APIExportNotFound',
        message: 'APIExport root:providers:db:postgresql not found',
      },
    ],
  },
  'an export that does not exist in its workspace: APIExportNotFound': {
    binding: binding(),
    world: { exportCluster: PROVIDER },
    wantPhase: 'Binding',
    wantRequeue: RETRY_MS * 4,
    wantConditions: [{ type: 'APIExportValid', status: 'False', reason: 'APIExportNotFound' }],
  },
  'a Bound binding whose export went away stays Bound': {
    binding: binding({ status: { phase: 'Bound' } }),
    world: {},
    wantPhase: 'Bound',
    wantRequeue: RETRY_MS * 4,
  },
  'an export without an identity yet: valid, but still Binding': {
    binding: binding(),
    world: { exportCluster: PROVIDER, export: exportOf({ identity: '' }) },
    wantPhase: 'Binding',
    wantRequeue: RETRY_MS,
    wantExportCluster: PROVIDER,
    wantConditions: [{ type: 'APIExportValid', status: 'True' }],
    check: (r) => expect(r.status.boundResources).toBeUndefined(),
  },
  'a schema the export names that does not exist: APIResourceSchemaInvalid, not Ready': {
    binding: binding(),
    world: { ...ready, schemas: [] },
    wantPhase: 'Binding',
    wantRequeue: RETRY_MS,
    wantBound: [],
    wantConditions: [
      {
        type: 'InitialBindingCompleted',
        status: 'False',
        reason: 'APIResourceSchemaInvalid',
        message: 'v1.clusters.postgresql.cnpg.io',
      },
      { type: 'Ready', status: 'False', reason: 'Binding' },
    ],
  },
  'every resource free: bound with the identity, Ready and Bound': {
    binding: binding(),
    world: ready,
    wantPhase: 'Bound',
    wantExportCluster: PROVIDER,
    wantBound: [
      {
        group: 'postgresql.cnpg.io',
        resource: 'clusters',
        schema: {
          name: 'v1.clusters.postgresql.cnpg.io',
          UID: 'uid-v1.clusters.postgresql.cnpg.io',
          identityHash: 'hash-1',
        },
        storageVersions: ['v1'],
      },
    ],
    wantConditions: [
      { type: 'APIExportValid', status: 'True' },
      { type: 'InitialBindingCompleted', status: 'True', reason: 'Bound' },
      { type: 'BindingUpToDate', status: 'True' },
      { type: 'PermissionClaimsValid', status: 'True' },
      { type: 'PermissionClaimsApplied', status: 'True' },
      { type: 'Ready', status: 'True' },
    ],
  },
  'another binding serves the resource under another identity: NamingConflicts, never Bound': {
    binding: binding(),
    world: { ...ready, bindings: [binding(), other('hash-2')] },
    wantPhase: 'Binding',
    wantBound: [],
    wantConditions: [
      {
        type: 'InitialBindingCompleted',
        status: 'False',
        reason: 'NamingConflicts',
        message: 'clusters.postgresql.cnpg.io is already served by another APIBinding',
      },
      { type: 'BindingUpToDate', status: 'False', reason: 'NamingConflicts' },
      { type: 'Ready', status: 'False' },
    ],
  },
  'another binding of the same export (same identity) is no conflict': {
    binding: binding(),
    world: { ...ready, bindings: [binding(), other('hash-1')] },
    wantPhase: 'Bound',
    wantConditions: [{ type: 'BindingUpToDate', status: 'True' }],
  },
  'a CRD of the workspace serves the resource: NamingConflicts': {
    binding: binding(),
    world: { ...ready, crds: [{ group: 'postgresql.cnpg.io', resource: 'clusters' }] },
    wantPhase: 'Binding',
    wantBound: [],
    wantConditions: [
      {
        type: 'InitialBindingCompleted',
        status: 'False',
        message: 'already served by a CustomResourceDefinition',
      },
    ],
  },
  'a conflict arising after the initial binding keeps it Bound, but not up to date': {
    binding: binding({
      status: {
        phase: 'Bound',
        conditions: [
          {
            type: 'InitialBindingCompleted',
            status: 'True',
            reason: 'Bound',
            message: '',
            lastTransitionTime: '2026-01-01T00:00:00Z',
          },
        ],
      },
    }),
    world: { ...ready, crds: [{ group: 'postgresql.cnpg.io', resource: 'clusters' }] },
    wantPhase: 'Bound',
    wantConditions: [
      { type: 'InitialBindingCompleted', status: 'True' },
      { type: 'BindingUpToDate', status: 'False', reason: 'NamingConflicts' },
      { type: 'Ready', status: 'True' },
    ],
  },
  'storage versions accumulate: objects stored in an older one stay readable': {
    binding: binding({ status: { boundResources: [boundTo('hash-1', ['v0', 'v1'])] } }),
    world: { ...ready, schemas: [schemaOf('v1.clusters.postgresql.cnpg.io', 'v2')] },
    wantPhase: 'Bound',
    check: (r) => expect(r.status.boundResources?.[0]?.storageVersions).toEqual(['v0', 'v1', 'v2']),
  },
  'claims: accepted ones the export makes apply with verbs intersected; others do not': {
    binding: binding({
      claims: [
        { group: '', resource: 'secrets', verbs: ['get', 'list', 'delete'], state: 'Accepted' },
        { group: '', resource: 'configmaps', verbs: ['*'], state: 'Accepted' },
        { group: '', resource: 'namespaces', verbs: ['get'], state: 'Rejected' },
        { group: '', resource: 'events', verbs: ['create'], state: 'Accepted' },
      ],
    }),
    world: {
      ...ready,
      export: exportOf({
        claims: [
          { group: '', resource: 'secrets', verbs: ['get', 'list', 'watch'] },
          { group: '', resource: 'configmaps', verbs: ['get'] },
          { group: '', resource: 'namespaces', verbs: ['*'] },
          { group: '', resource: 'events', verbs: ['get'] },
        ],
      }),
    },
    wantPhase: 'Bound',
    wantConditions: [{ type: 'PermissionClaimsValid', status: 'True' }],
    check: (r) => {
      expect(r.status.appliedPermissionClaims).toEqual([
        { group: '', resource: 'secrets', verbs: ['get', 'list'] },
        { group: '', resource: 'configmaps', verbs: ['get'] },
      ]);
      expect(r.status.exportPermissionClaims).toHaveLength(4);
    },
  },
  'a claim the export does not make is reported and not applied': {
    binding: binding({
      claims: [{ group: '', resource: 'pods', verbs: ['*'], state: 'Accepted' }],
    }),
    world: ready,
    wantPhase: 'Bound',
    wantConditions: [
      {
        type: 'PermissionClaimsValid',
        status: 'False',
        reason: 'InvalidPermissionClaims',
        message: 'pods.core',
      },
    ],
    check: (r) => expect(r.status.appliedPermissionClaims).toEqual([]),
  },
};

describe('APIBinding reconcile', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      const result = reconcileBinding(WS, c.binding, lookups(c.world));
      expect(result.status.phase).toBe(c.wantPhase);
      expect(result.requeueAfterMs).toBe(c.wantRequeue);
      if (c.wantExportCluster) expect(result.status.apiExportClusterName).toBe(c.wantExportCluster);
      if (c.wantBound) expect(result.status.boundResources).toEqual(c.wantBound);
      expectConditions(result.status.conditions, c.wantConditions ?? []);
      c.check?.(result);
    });
  }

  it('leaves the binding it was given untouched (the wiring compares before it writes)', () => {
    const before = binding();
    const copy = structuredClone(before);
    reconcileBinding(WS, before, lookups(ready));
    expect(before).toEqual(copy);
  });

  it('intersects verbs, * yielding the other side', () => {
    expect(intersectVerbs(['*'], ['get'])).toEqual(['get']);
    expect(intersectVerbs(['get', 'list'], ['*'])).toEqual(['get', 'list']);
    expect(intersectVerbs(['get'], ['list'])).toEqual([]);
  });
});

describe('APIBinding deletion', () => {
  const deleting = (exportCluster: string | undefined) =>
    binding({
      status: {
        ...(exportCluster ? { apiExportClusterName: exportCluster } : {}),
        boundResources: [boundTo('hash-1')],
      },
    });

  it('deletes the objects of every bound resource and waits while some are left', async () => {
    const asked: string[] = [];
    const result = await finalizeBinding(deleting(PROVIDER), async (cluster, resource) => {
      asked.push(`${cluster} ${resource.resource}`);
      return 2;
    });
    expect(asked).toEqual([`${PROVIDER} clusters`]);
    expect(result).toEqual({ requeueAfterMs: RETRY_MS });
  });

  it('lets the binding go once none are left', async () => {
    expect(await finalizeBinding(deleting(PROVIDER), async () => 0)).toEqual({
      removeFinalizer: true,
    });
  });

  it('lets a binding that never resolved its export go at once', async () => {
    const result = await finalizeBinding(deleting(undefined), async () => {
      throw new Error('nothing to delete');
    });
    expect(result).toEqual({ removeFinalizer: true });
  });
});
