/**
 * Table tests of the workspace reconcile, in the manner of kcp's reconciler tests: a
 * Workspace, what the lookups answer (parent path, its LogicalCluster, type, initializers)
 * and what the fake writes record, and each case states the writes it must make and the
 * result.
 */
import { describe, expect, it } from 'vitest';
import {
  CLUSTER_NAME_ANNOTATION,
  LOGICAL_CLUSTER_FINALIZER,
  type LogicalCluster,
  OWNER_ANNOTATION,
  PATH_ANNOTATION,
  TYPE_ANNOTATION,
  type Workspace,
} from '../../../api/tenancy/types.ts';
import type { Condition } from '../../../apimachinery/meta.ts';
import { alreadyExists } from '../../../apimachinery/status.ts';
import type { ResolvedType } from '../../workspace-types.ts';
import {
  mirroredStatus,
  parseOwner,
  RETRY_MS,
  reconcileWorkspace,
  type WorkspaceLookups,
  type WorkspaceOps,
  type WorkspaceResult,
} from './workspace-reconcile.ts';

const PARENT = 'parent-lc';
const CHILD = 'child-lc';
const UID = 'ws-uid';

const workspace = (extra: {
  chosen?: string;
  finalizer?: boolean;
  cluster?: string;
  deleting?: boolean;
  owner?: string;
  type?: boolean;
  mount?: boolean;
  status?: Workspace['status'];
}): Workspace => ({
  apiVersion: 'tenancy.kcp.io/v1alpha1',
  kind: 'Workspace',
  metadata: {
    name: 'team',
    uid: UID,
    annotations: {
      ...(extra.chosen ? { [CLUSTER_NAME_ANNOTATION]: extra.chosen } : {}),
      ...(extra.owner ? { [OWNER_ANNOTATION]: extra.owner } : {}),
    },
    ...(extra.finalizer ? { finalizers: [LOGICAL_CLUSTER_FINALIZER] } : {}),
    ...(extra.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
  },
  spec: {
    ...(extra.cluster ? { cluster: extra.cluster } : {}),
    ...(extra.type ? { type: { name: 'universal', path: 'root' } } : {}),
    ...(extra.mount
      ? { mount: { ref: { apiVersion: 'example.io/v1', kind: 'Mount', name: 'm' } } }
      : {}),
  },
  ...(extra.status ? { status: extra.status } : {}),
});

const logicalCluster = (extra: {
  owner?: string;
  phase?: 'Initializing' | 'Ready';
  initializers?: string[];
  deleting?: boolean;
}): LogicalCluster => ({
  apiVersion: 'core.kcp.io/v1alpha1',
  kind: 'LogicalCluster',
  metadata: {
    name: 'cluster',
    ...(extra.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
  },
  spec: {
    owner: {
      apiVersion: 'tenancy.kcp.io/v1alpha1',
      resource: 'workspaces',
      name: 'team',
      cluster: PARENT,
      uid: extra.owner ?? UID,
    },
  },
  status: {
    ...(extra.phase ? { phase: extra.phase } : {}),
    ...(extra.initializers ? { initializers: extra.initializers } : {}),
  },
});

const universal: ResolvedType = {
  name: 'universal',
  path: 'root',
  cluster: 'root',
  object: {
    apiVersion: 'tenancy.kcp.io/v1alpha1',
    kind: 'WorkspaceType',
    metadata: { name: 'universal' },
    spec: {},
  },
};

interface Setup {
  /** The parent's path (undefined: not indexed yet). */
  parentPath?: string;
  /** The LogicalCluster of CHILD, as the informer and a fresh read see it. */
  lc?: LogicalCluster;
  initializers?: string[];
  /** What is left in CHILD at each count (children, then content). */
  children?: number;
  content?: number;
}

function fake(setup: Setup) {
  const writes: string[] = [];
  const created: LogicalCluster[] = [];
  const statuses: Array<Workspace['status']> = [];
  let lc = setup.lc;
  const lookups: WorkspaceLookups = {
    pathOf: (cluster) => (cluster === PARENT ? setup.parentPath : undefined),
    logicalCluster: (cluster) => (cluster === CHILD ? lc : undefined),
    resolveType: async () => universal,
    initializers: async () => setup.initializers ?? [],
    baseUrl: () => 'https://canopy:6443',
    randomClusterName: () => 'random-lc',
  };
  const ops: WorkspaceOps = {
    workspace: {
      chooseCluster: async (_p, _n, cluster) => {
        writes.push(`workspace.chooseCluster ${cluster}`);
      },
      forgetCluster: async () => {
        writes.push('workspace.forgetCluster');
      },
      setCluster: async (_p, _n, cluster, url) => {
        writes.push(`workspace.setCluster ${cluster} ${url}`);
      },
      writeStatus: async (_p, _n, status) => {
        writes.push('workspace.writeStatus');
        statuses.push(status);
      },
      removeFinalizer: async () => {
        writes.push('workspace.removeFinalizer');
      },
    },
    logicalCluster: {
      create: async (cluster, object) => {
        writes.push(`lc.create ${cluster}`);
        if (lc)
          throw alreadyExists({ group: 'core.kcp.io', resource: 'logicalclusters' }, 'cluster');
        created.push(object);
        lc = object;
      },
      get: async (cluster) => (cluster === CHILD ? lc : undefined),
      initialize: async (cluster, url, initializers) => {
        writes.push(`lc.initialize ${cluster} ${url} [${initializers.join(',')}]`);
      },
      terminate: async () => {
        writes.push('lc.terminate');
      },
      release: async () => {
        writes.push('lc.release');
      },
    },
    deleteChildWorkspaces: async () => {
      writes.push('deleteChildWorkspaces');
      return setup.children ?? 0;
    },
    deleteContent: async () => {
      writes.push('deleteContent');
      return setup.content ?? 0;
    },
    warn: (_fields, message) => writes.push(`warn ${message}`),
  };
  return { lookups, ops, writes, created, statuses };
}

interface Case {
  workspace: Workspace;
  setup: Setup;
  result?: WorkspaceResult;
  writes: string[];
  check?: (f: ReturnType<typeof fake>) => void;
}

const URL = 'https://canopy:6443/clusters/root:team';

const cases: Record<string, Case> = {
  'a mounted workspace is not scheduled': {
    workspace: workspace({ mount: true }),
    setup: {},
    writes: [],
  },
  'a new workspace gets a random cluster name and the finalizer first': {
    workspace: workspace({}),
    setup: { parentPath: 'root' },
    writes: ['workspace.chooseCluster random-lc'],
  },
  'a name chosen before a restart is kept when the finalizer is added': {
    workspace: workspace({ chosen: CHILD }),
    setup: { parentPath: 'root' },
    writes: [`workspace.chooseCluster ${CHILD}`],
  },
  'a parent the index does not know yet: try again soon': {
    workspace: workspace({ chosen: CHILD, finalizer: true }),
    setup: {},
    result: { requeueAfterMs: RETRY_MS },
    writes: [],
  },
  'scheduling creates the LogicalCluster, initializes it, then sets spec.cluster': {
    workspace: workspace({
      chosen: CHILD,
      finalizer: true,
      type: true,
      owner: '{"username":"alice","uid":"u1","groups":["dev"]}',
    }),
    setup: { parentPath: 'root', initializers: ['root:universal'] },
    writes: [
      `lc.create ${CHILD}`,
      `lc.initialize ${CHILD} ${URL} [root:universal]`,
      `workspace.setCluster ${CHILD} ${URL}`,
    ],
    check: ({ created }) => {
      const lc = created[0];
      expect(lc?.metadata.annotations).toMatchObject({
        [PATH_ANNOTATION]: 'root:team',
        [TYPE_ANNOTATION]: 'root:universal',
        [OWNER_ANNOTATION]: '{"username":"alice","uid":"u1","groups":["dev"]}',
      });
      expect(lc?.spec.owner).toMatchObject({ name: 'team', cluster: PARENT, uid: UID });
      expect(lc?.spec.createdBy).toEqual({ username: 'alice', uid: 'u1', groups: ['dev'] });
      expect(lc?.spec.initializers).toEqual(['root:universal']);
    },
  },
  'its own LogicalCluster from an earlier pass: scheduling carries on': {
    workspace: workspace({ chosen: CHILD, finalizer: true }),
    setup: { parentPath: 'root', lc: logicalCluster({}) },
    writes: [
      `lc.create ${CHILD}`,
      `lc.initialize ${CHILD} ${URL} []`,
      `workspace.setCluster ${CHILD} ${URL}`,
    ],
  },
  "a name another workspace's LogicalCluster holds is forgotten, never taken": {
    workspace: workspace({ chosen: CHILD, finalizer: true }),
    setup: { parentPath: 'root', lc: logicalCluster({ owner: 'someone-else' }) },
    writes: [
      `lc.create ${CHILD}`,
      'warn logical cluster name taken; picking another',
      'workspace.forgetCluster',
    ],
  },
  'a scheduled workspace shows its LogicalCluster phase': {
    workspace: workspace({ cluster: CHILD, finalizer: true }),
    setup: { lc: logicalCluster({ phase: 'Ready' }) },
    writes: ['workspace.writeStatus'],
    check: ({ statuses }) => {
      expect(statuses[0]?.phase).toBe('Ready');
      expect(statuses[0]?.initializers).toBeUndefined();
    },
  },
  'an unchanged status is not written again': {
    workspace: workspace({
      cluster: CHILD,
      status: mirroredStatus(workspace({ cluster: CHILD }), logicalCluster({ phase: 'Ready' })),
    }),
    setup: { lc: logicalCluster({ phase: 'Ready' }) },
    writes: [],
  },
  'a LogicalCluster owned by another workspace is never shown, nor emptied on deletion': {
    workspace: workspace({ cluster: CHILD, finalizer: true, deleting: true }),
    setup: { lc: logicalCluster({ owner: 'someone-else', phase: 'Ready' }) },
    writes: ['workspace.removeFinalizer'],
  },
  'deletion: terminated, then child workspaces go first': {
    workspace: workspace({ cluster: CHILD, finalizer: true, deleting: true }),
    setup: { lc: logicalCluster({ phase: 'Ready' }), children: 2 },
    result: { requeueAfterMs: RETRY_MS },
    writes: ['lc.terminate', 'deleteChildWorkspaces'],
  },
  'deletion: then the content, waiting while some is left': {
    workspace: workspace({ cluster: CHILD, finalizer: true, deleting: true }),
    setup: { lc: logicalCluster({ phase: 'Ready', deleting: true }), content: 5 },
    result: { requeueAfterMs: RETRY_MS },
    writes: ['deleteChildWorkspaces', 'deleteContent'],
  },
  'deletion: once empty the LogicalCluster goes, then the Workspace': {
    workspace: workspace({ cluster: CHILD, finalizer: true, deleting: true }),
    setup: { lc: logicalCluster({ phase: 'Ready', deleting: true }) },
    writes: ['deleteChildWorkspaces', 'deleteContent', 'lc.release', 'workspace.removeFinalizer'],
  },
  'deletion of a workspace never scheduled: nothing to empty': {
    workspace: workspace({ chosen: CHILD, finalizer: true, deleting: true }),
    setup: {},
    writes: ['workspace.removeFinalizer'],
  },
};

describe('workspace reconcile', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(name, async () => {
      const f = fake(c.setup);
      expect(await reconcileWorkspace(PARENT, c.workspace, f.lookups, f.ops)).toEqual(c.result);
      expect(f.writes).toEqual(c.writes);
      c.check?.(f);
    });
  }
});

describe('the status mirrored from the LogicalCluster', () => {
  const condition = (conditions: Condition[] | undefined, type: string) =>
    conditions?.find((c) => c.type === type);
  const cases: Array<{
    name: string;
    lc: LogicalCluster | undefined;
    phase: string;
    initializers?: string[];
    scheduled: string;
    initialized: string;
  }> = [
    {
      name: 'Ready, no initializers',
      lc: logicalCluster({ phase: 'Ready' }),
      phase: 'Ready',
      scheduled: 'True',
      initialized: 'True',
    },
    {
      name: 'initializing',
      lc: logicalCluster({ phase: 'Initializing', initializers: ['root:universal'] }),
      phase: 'Initializing',
      initializers: ['root:universal'],
      scheduled: 'True',
      initialized: 'False',
    },
    {
      name: 'no LogicalCluster (yet)',
      lc: undefined,
      phase: 'Unavailable',
      scheduled: 'True',
      initialized: 'False',
    },
    {
      name: "another workspace's",
      lc: logicalCluster({ owner: 'other', phase: 'Ready', initializers: ['x'] }),
      phase: 'Unavailable',
      scheduled: 'False',
      initialized: 'False',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const status = mirroredStatus(
        workspace({ cluster: CHILD, status: { initializers: ['stale'] } }),
        c.lc,
      );
      expect(status.phase).toBe(c.phase);
      expect(status.initializers).toEqual(c.initializers);
      expect(condition(status.conditions, 'WorkspaceScheduled')?.status).toBe(c.scheduled);
      expect(condition(status.conditions, 'WorkspaceInitialized')?.status).toBe(c.initialized);
    });
  }

  it('reads the creator from the owner annotation, and ignores one that is not JSON', () => {
    expect(parseOwner('{"username":"alice"}')).toEqual({ username: 'alice' });
    expect(parseOwner('not json')).toBeUndefined();
    expect(parseOwner(undefined)).toBeUndefined();
  });
});
