/**
 * Workspace admission, one table row per rule: the type (defaulted, looked up the tree,
 * existing, allowed as child and as parent), `use` on it, the creator and the type's
 * labels recorded, spec.cluster and spec.URL the system's.
 */
import { describe, expect, it } from 'vitest';
import { OWNER_ANNOTATION, type Workspace, type WorkspaceType } from '../../api/tenancy/types.ts';
import type { Operation } from '../../apiserver/admission/admission.ts';
import {
  ADMIN,
  ALICE,
  admissionDecision,
  admissionRequest,
} from '../../apiserver/admission/testing.ts';
import type { Subresource } from '../../apiserver/registry/resource-type.ts';
import type { UserInfo } from '../../apiserver/rest/scope.ts';
import { workspaces } from '../apis/index.ts';
import type { ClusterInfo } from '../cluster-index.ts';
import { WorkspaceTypeResolver } from '../workspace-types.ts';
import { workspaceAdmission } from './workspace-admission.ts';

/** The tree: root (type root:root) ⊃ team (root:organization) ⊃ leaf (root:closed). */
const CLUSTERS: Record<string, ClusterInfo> = {
  root: { name: 'root', path: 'root', type: 'root:root', phase: 'Ready', ownerUid: undefined },
  'team-lc': {
    name: 'team-lc',
    path: 'root:team',
    type: 'root:organization',
    phase: 'Ready',
    ownerUid: 'u',
  },
  'leaf-lc': {
    name: 'leaf-lc',
    path: 'root:team:leaf',
    type: 'root:closed',
    phase: 'Ready',
    ownerUid: 'u',
  },
  'bare-lc': {
    name: 'bare-lc',
    path: 'root:bare',
    type: 'root:bare',
    phase: 'Ready',
    ownerUid: 'u',
  },
  'picky-lc': {
    name: 'picky-lc',
    path: 'root:picky',
    type: 'root:picky',
    phase: 'Ready',
    ownerUid: 'u',
  },
};
const BY_PATH = Object.fromEntries(Object.values(CLUSTERS).map((c) => [c.path, c.name]));

const type = (name: string, spec: WorkspaceType['spec']): WorkspaceType => ({
  apiVersion: 'tenancy.kcp.io/v1alpha1',
  kind: 'WorkspaceType',
  metadata: { name },
  spec,
});
/** WorkspaceTypes by logical cluster: all in root, one more in team. */
const TYPES: Record<string, WorkspaceType[]> = {
  root: [
    type('root', { defaultChildWorkspaceType: { name: 'organization', path: 'root' } }),
    type('organization', {
      defaultChildWorkspaceType: { name: 'universal', path: 'root' },
      additionalWorkspaceLabels: { tier: 'org', team: 'default' },
    }),
    type('universal', {}),
    type('closed', { limitAllowedChildren: { none: true } }),
    type('bare', {}),
    type('only-under-root', { limitAllowedParents: { types: [{ name: 'root', path: 'root' }] } }),
    type('picky', { limitAllowedChildren: { types: [{ name: 'universal', path: 'root' }] } }),
    type('locked', {}),
  ],
  'team-lc': [type('team-only', {})],
};

const resolver = new WorkspaceTypeResolver(
  async (cluster, name) => TYPES[cluster]?.find((t) => t.metadata.name === name),
  {
    resolve: (pathOrName) => BY_PATH[pathOrName] ?? (CLUSTERS[pathOrName] ? pathOrName : undefined),
    info: (cluster) => CLUSTERS[cluster],
  },
);
/** Everyone may use every type but `locked`. */
const plugin = workspaceAdmission({ info: (cluster) => CLUSTERS[cluster] }, resolver, {
  authorize: (attrs) => ({
    allowed: attrs.verb === 'use' && attrs.resource === 'workspacetypes' && attrs.name !== 'locked',
    reason: '',
  }),
});

const ws = (
  o: {
    type?: { name: string; path?: string };
    cluster?: string;
    URL?: string;
    labels?: Record<string, string>;
    owner?: string;
  } = {},
): Workspace => ({
  apiVersion: 'tenancy.kcp.io/v1alpha1',
  kind: 'Workspace',
  metadata: {
    name: 'child',
    ...(o.labels ? { labels: o.labels } : {}),
    ...(o.owner ? { annotations: { [OWNER_ANNOTATION]: o.owner } } : {}),
  },
  spec: {
    ...(o.type ? { type: o.type } : {}),
    ...(o.cluster ? { cluster: o.cluster } : {}),
    ...(o.URL ? { URL: o.URL } : {}),
  },
});

interface Case {
  parent: string;
  object: Workspace;
  old?: Workspace;
  operation?: Operation;
  user?: UserInfo;
  subresource?: Subresource;
  want: string;
  /** The object as admitted. */
  check?: (admitted: Workspace) => void;
}

const INVALID = '422 Workspace.tenancy.kcp.io "child" is invalid: spec.type';

const cases: Record<string, Case> = {
  'no type: the parent type’s default child type': {
    parent: 'root',
    object: ws(),
    want: 'allowed',
    check: (w) => expect(w.spec.type).toEqual({ name: 'organization', path: 'root' }),
  },
  'no type and a parent type without a default': {
    parent: 'bare-lc',
    object: ws(),
    want: `${INVALID}: Required value: parent workspace type root:bare has no default child type; specify one`,
  },
  'a type by name alone is looked up from the parent up to root': {
    parent: 'team-lc',
    object: ws({ type: { name: 'universal' } }),
    want: 'allowed',
    check: (w) => expect(w.spec.type).toEqual({ name: 'universal', path: 'root' }),
  },
  'a type of the parent’s own workspace is found first': {
    parent: 'team-lc',
    object: ws({ type: { name: 'team-only' } }),
    want: 'allowed',
    check: (w) => expect(w.spec.type).toEqual({ name: 'team-only', path: 'root:team' }),
  },
  'a type that exists nowhere': {
    parent: 'team-lc',
    object: ws({ type: { name: 'nonesuch' } }),
    want: `${INVALID}: Invalid value: {"name":"nonesuch"}: WorkspaceType nonesuch does not exist`,
  },
  'a parent type that allows no children': {
    parent: 'leaf-lc',
    object: ws({ type: { name: 'universal', path: 'root' } }),
    want: `${INVALID}: Invalid value: {"name":"universal","path":"root"}: workspace type root:closed does not allow any child workspaces`,
  },
  'a parent type that allows only some child types': {
    parent: 'picky-lc',
    object: ws({ type: { name: 'bare', path: 'root' } }),
    want: `${INVALID}: Invalid value: {"name":"bare","path":"root"}: workspace type root:bare is not allowed as a child of root:picky`,
  },
  'one of those child types': {
    parent: 'picky-lc',
    object: ws({ type: { name: 'universal', path: 'root' } }),
    want: 'allowed',
  },
  'a child type that allows only root as parent': {
    parent: 'team-lc',
    object: ws({ type: { name: 'only-under-root', path: 'root' } }),
    want: `${INVALID}: Invalid value: {"name":"only-under-root","path":"root"}: workspace type root:only-under-root only allows root:root as parent`,
  },
  'that child type under root': {
    parent: 'root',
    object: ws({ type: { name: 'only-under-root', path: 'root' } }),
    want: 'allowed',
  },
  'a type without `use` on it': {
    parent: 'root',
    object: ws({ type: { name: 'locked', path: 'root' } }),
    want: `403 workspaces.tenancy.kcp.io "child" is forbidden: unable to create workspace: missing verb='use' permission on workspacetype root:locked`,
  },
  'system:masters needs no `use`': {
    parent: 'root',
    object: ws({ type: { name: 'locked', path: 'root' } }),
    user: ADMIN,
    want: 'allowed',
  },
  'the creator is recorded, whatever the request said, and the type’s labels added': {
    parent: 'root',
    object: ws({ owner: '{"username":"admin"}', labels: { team: 'mine' } }),
    want: 'allowed',
    check: (w) => {
      expect(JSON.parse(w.metadata.annotations?.[OWNER_ANNOTATION] ?? '')).toEqual({
        username: 'alice',
        groups: ['system:authenticated'],
      });
      expect(w.metadata.labels).toEqual({ tier: 'org', team: 'mine' });
    },
  },
  'a user setting spec.cluster': {
    parent: 'root',
    object: ws({ cluster: 'someone-else' }),
    want: '422 Workspace.tenancy.kcp.io "child" is invalid: spec.cluster: Forbidden: spec.cluster can only be set by system privileged users',
  },
  'a user changing spec.URL': {
    parent: 'root',
    operation: 'UPDATE',
    object: ws({ type: { name: 'universal', path: 'root' }, URL: 'https://evil' }),
    old: ws({ type: { name: 'universal', path: 'root' }, URL: 'https://canopy' }),
    want: '422 Workspace.tenancy.kcp.io "child" is invalid: spec.URL: Forbidden: spec.URL can only be set by system privileged users',
  },
  'a user updating other fields of a scheduled workspace': {
    parent: 'root',
    operation: 'UPDATE',
    object: ws({ type: { name: 'universal', path: 'root' }, cluster: 'c', labels: { a: 'b' } }),
    old: ws({ type: { name: 'universal', path: 'root' }, cluster: 'c' }),
    want: 'allowed',
  },
  'the system setting spec.cluster': {
    parent: 'root',
    operation: 'UPDATE',
    user: ADMIN,
    object: ws({ type: { name: 'universal', path: 'root' }, cluster: 'c' }),
    old: ws({ type: { name: 'universal', path: 'root' } }),
    want: 'allowed',
  },
};

describe('workspace admission', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(name, async () => {
      const request = admissionRequest({
        type: workspaces,
        operation: c.operation ?? 'CREATE',
        user: c.user ?? ALICE,
        object: c.object,
        ...(c.old ? { oldObject: c.old } : {}),
        ...(c.subresource ? { subresource: c.subresource } : {}),
        cluster: c.parent,
      });
      expect(await admissionDecision(plugin, request)).toBe(c.want);
      c.check?.(c.object);
    });
  }

  it('refuses a workspace whose parent the index does not know yet', async () => {
    const request = admissionRequest({
      type: workspaces,
      operation: 'CREATE',
      user: ALICE,
      object: ws(),
      cluster: 'unknown-lc',
    });
    expect(await admissionDecision(plugin, request)).toBe(
      '400 the parent workspace unknown-lc is not ready',
    );
  });
});
