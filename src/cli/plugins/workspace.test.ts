import { beforeEach, describe, expect, it } from 'vitest';
import type { Kubeconfig } from '../../apimachinery/kubeconfig.ts';
import { CURRENT, PREVIOUS } from './kubeconfig-edit.ts';
import { FakeKcp, fakeContext, kubeconfigFor } from './testing.ts';
import {
  createContextCommand,
  createWorkspace,
  currentWorkspace,
  parseToLabelSelector,
  parseWorkspaceType,
  renderTree,
  unresolvedClaimWarnings,
  useWorkspace,
  workspaceTree,
} from './workspace.ts';

const BASE = 'https://kcp.test:6443';

function serverOf(config: Kubeconfig, context = config['current-context']): string | undefined {
  const ctx = config.contexts.find((c) => c.name === context)?.context;
  return config.clusters.find((c) => c.name === ctx?.cluster)?.cluster.server;
}

describe('kubectl ws use', () => {
  let kcp: FakeKcp;
  beforeEach(() => {
    kcp = new FakeKcp(BASE);
    kcp.addWorkspace('root:foo', { type: { name: 'organization', path: 'root' } });
    kcp.addWorkspace('root:foo:bar');
    kcp.addWorkspace('root:foo:bar:baz');
    kcp.addWorkspace('root:other');
  });

  it('enters a relative workspace, prints its type and remembers the previous one', async () => {
    const ctx = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root:foo`));
    await useWorkspace(ctx, 'bar');
    expect(ctx.stdout()).toBe("Current workspace is 'root:foo:bar' (type root:universal).\n");
    expect(ctx.stderr()).toBe('');
    const config = ctx.store.current();
    expect(config['current-context']).toBe(CURRENT);
    expect(serverOf(config)).toBe(`${BASE}/clusters/root:foo:bar`);
    expect(serverOf(config, PREVIOUS)).toBe(`${BASE}/clusters/root:foo`);
    // The checks: discovery of the target, then the Workspace in its parent.
    expect(kcp.requests.slice(0, 3).map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /clusters/root:foo:bar/api',
      'GET /clusters/root:foo:bar/apis',
      'GET /clusters/root:foo/apis/tenancy.kcp.io/v1alpha1/workspaces/bar',
    ]);
  });

  it('--short prints only the path', async () => {
    const ctx = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root:foo`));
    await useWorkspace(ctx, 'bar:baz', { short: true });
    expect(ctx.stdout()).toBe('root:foo:bar:baz\n');
  });

  it('handles absolute paths, .., ..:.., / separators and :', async () => {
    const ctx = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root:foo:bar:baz`));
    await useWorkspace(ctx, '..');
    expect(ctx.stdout()).toBe("Current workspace is 'root:foo:bar' (type root:universal).\n");
    await useWorkspace(ctx, '..:..');
    expect(ctx.stdout()).toContain("Current workspace is 'root' (type root).\n");
    await useWorkspace(ctx, ':root:foo:bar:baz');
    await useWorkspace(ctx, '../..');
    expect(ctx.stdout().trim().split('\n').at(-1)).toBe(
      "Current workspace is 'root:foo' (type root:organization).",
    );
    await useWorkspace(ctx, ':root:other');
    await useWorkspace(ctx, ':');
    expect(ctx.stdout().trim().split('\n').at(-1)).toBe("Current workspace is 'root'.");
    expect(serverOf(ctx.store.current())).toBe(`${BASE}/clusters/root`);
  });

  it('treats root and root:… as absolute with a note', async () => {
    const ctx = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root:foo`));
    await useWorkspace(ctx, 'root:other');
    expect(ctx.stderr()).toBe(
      "Note: Using 'root:' to define an absolute path is no longer supported. Instead, use ':root' to specify an absolute path.\n",
    );
    expect(ctx.stdout()).toBe("Current workspace is 'root:other' (type root:universal).\n");
  });

  it('. and current print the current workspace without a type', async () => {
    const ctx = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root:foo:bar`));
    await useWorkspace(ctx, '.');
    await currentWorkspace(ctx, {});
    await currentWorkspace(ctx, { short: true });
    expect(ctx.stdout()).toBe(
      "Current workspace is 'root:foo:bar'.\nCurrent workspace is 'root:foo:bar'.\nroot:foo:bar\n",
    );
    expect(ctx.store.saved).toHaveLength(0);
    const plain = fakeContext(kcp, kubeconfigFor('https://plain:6443'));
    await currentWorkspace(plain, {});
    await currentWorkspace(plain, { short: true });
    expect(plain.stdout()).toBe('Current workspace is the URL "https://plain:6443".\n');
  });

  it('- goes back and forth', async () => {
    const ctx = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root:foo`));
    await useWorkspace(ctx, 'bar');
    await useWorkspace(ctx, '-');
    await useWorkspace(ctx, '-');
    expect(ctx.stdout().split('\n').slice(1, 3)).toEqual([
      "Current workspace is 'root:foo'.",
      "Current workspace is 'root:foo:bar'.",
    ]);
    expect(serverOf(ctx.store.current())).toBe(`${BASE}/clusters/root:foo:bar`);
    const fresh = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root:foo`));
    await expect(useWorkspace(fresh, '-')).rejects.toThrow(
      'no previous workspace found in kubeconfig',
    );
  });

  it('reports not found and denied like kcp', async () => {
    const ctx = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root:foo`));
    await expect(useWorkspace(ctx, 'nope')).rejects.toThrow('workspace "root:foo:nope" not found');
    kcp.denied.add('root:foo:bar');
    await expect(useWorkspace(ctx, 'bar')).rejects.toThrow(
      'access to workspace "root:foo:bar" denied',
    );
    // Not allowed to read the parent's Workspaces, but allowed in: fine.
    kcp.denied.clear();
    kcp.forbiddenWorkspaceReads.add('root:foo');
    await useWorkspace(ctx, 'bar');
    expect(ctx.stdout()).toBe("Current workspace is 'root:foo:bar'.\n");
    expect(ctx.store.saved).toHaveLength(1);
  });

  it('rejects invalid paths and going above the top', async () => {
    const ctx = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root`));
    await expect(useWorkspace(ctx, 'ju:nk§')).rejects.toThrow('invalid workspace path: ju:nk§');
    await expect(useWorkspace(ctx, '..')).rejects.toThrow('invalid workspace path: ..');
    await expect(useWorkspace(ctx, '..:..')).rejects.toThrow('cannot go up from root');
    const plain = fakeContext(kcp, kubeconfigFor(`${BASE}`));
    await expect(useWorkspace(plain, 'foo')).rejects.toThrow(
      `current URL "${BASE}" does not point to a workspace`,
    );
    expect(ctx.store.saved).toHaveLength(0);
  });

  it('goes home with ~, ~:sub, the home directory, or no argument', async () => {
    kcp.home = 'root:foo:bar';
    const ctx = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root`), '/home/sts');
    await useWorkspace(ctx, '~');
    expect(ctx.stdout()).toBe("Current workspace is 'root:foo:bar' (type root:universal).\n");
    await useWorkspace(ctx, '~/baz');
    expect(serverOf(ctx.store.current())).toBe(`${BASE}/clusters/root:foo:bar:baz`);
    await useWorkspace(ctx, '/home/sts');
    expect(serverOf(ctx.store.current())).toBe(`${BASE}/clusters/root:foo:bar`);
    await useWorkspace(ctx, '');
    expect(ctx.stderr()).toBe(
      "Note: 'kubectl ws' now matches 'cd' semantics: go to home workspace. 'kubectl ws -' to go back. 'kubectl ws .' to print current workspace.\n",
    );
    kcp.home = undefined;
    await expect(useWorkspace(ctx, '~')).rejects.toThrow('workspaces.tenancy.kcp.io "~" not found');
  });

  it('fails cleanly when the current context is missing', async () => {
    const ctx = fakeContext(kcp, {
      ...kubeconfigFor(`${BASE}/clusters/root`),
      'current-context': 'gone',
    });
    await expect(useWorkspace(ctx, 'foo')).rejects.toThrow('current "gone" context not found');
  });

  it('warns about unresolved permission claims after switching', async () => {
    kcp.bindings.set('root:foo:bar', [
      {
        metadata: { name: 'a' },
        spec: {
          permissionClaims: [
            { group: 'test.kcp.io', resource: 'test', identityHash: 'abcdef', verbs: ['*'] },
          ],
        },
        status: {
          exportPermissionClaims: [
            { group: 'test.kcp.io', resource: 'test', identityHash: 'abcdef', verbs: ['*'] },
            { group: '', resource: 'configmaps', verbs: ['get'] },
          ],
        },
      },
    ]);
    const ctx = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root:foo`));
    await useWorkspace(ctx, 'bar');
    expect(ctx.stderr()).toBe(
      'Warning: claim for test.test.kcp.io:abcdef specified on APIBinding a but not accepted or rejected.\n' +
        "Warning: claim for configmaps exported but not specified on APIBinding a\nAdd this claim to the APIBinding's Spec.\n",
    );
    expect(ctx.stdout()).toBe("Current workspace is 'root:foo:bar' (type root:universal).\n");
  });

  it('stays quiet about bindings where apis.kcp.io is not served', async () => {
    kcp.apisVersions = [];
    const ctx = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root:foo`));
    await useWorkspace(ctx, 'bar');
    expect(ctx.stderr()).toBe('');
  });
});

describe('claim warnings', () => {
  it('flags verb mismatches and accepts resolved claims', () => {
    expect(
      unresolvedClaimWarnings([
        {
          metadata: { name: 'b' },
          spec: {
            permissionClaims: [
              { group: '', resource: 'secrets', verbs: ['get'], state: 'Accepted' },
              { group: '', resource: 'namespaces', verbs: ['*'], state: 'Rejected' },
            ],
          },
          status: {
            exportPermissionClaims: [
              { group: '', resource: 'secrets', verbs: ['get', 'list'] },
              { group: '', resource: 'namespaces', verbs: ['*'] },
            ],
          },
        },
      ]),
    ).toBe(
      'Warning: allowed verbs (get) on claim for secrets on APIBinding b do not match expected verbs (get,list).\n',
    );
  });
});

describe('kubectl ws tree', () => {
  it('renders like treeprint', () => {
    expect(
      renderTree({
        name: 'root',
        children: [
          { name: 'consumers', children: [{ name: 'pg', children: [] }] },
          { name: 'providers', children: [{ name: 'database', children: [] }] },
        ],
      }),
    ).toBe(
      '.\n└── root\n    ├── consumers\n    │   └── pg\n    └── providers\n        └── database\n',
    );
  });

  it('lists each level once, with short or full names', async () => {
    const kcp = new FakeKcp(BASE);
    kcp.addWorkspace('root:consumers');
    kcp.addWorkspace('root:consumers:pg');
    kcp.addWorkspace('root:providers');
    kcp.addWorkspace('root:providers:database');
    kcp.addWorkspace('root:providers:remote', { mount: true });
    const ctx = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root`));
    await workspaceTree(ctx, {});
    expect(ctx.stdout()).toBe(
      '.\n└── root\n    ├── consumers\n    │   └── pg\n    └── providers\n        ├── database\n        └── remote [mount]\n\n',
    );
    const lists = kcp.requests.filter((r) => r.path.endsWith('/workspaces')).map((r) => r.path);
    expect(lists.sort()).toEqual([
      '/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspaces',
      '/clusters/root:consumers/apis/tenancy.kcp.io/v1alpha1/workspaces',
      '/clusters/root:consumers:pg/apis/tenancy.kcp.io/v1alpha1/workspaces',
      '/clusters/root:providers/apis/tenancy.kcp.io/v1alpha1/workspaces',
      '/clusters/root:providers:database/apis/tenancy.kcp.io/v1alpha1/workspaces',
    ]);

    const full = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root:providers`));
    await workspaceTree(full, { full: true });
    expect(full.stdout()).toBe(
      '.\n└── root:providers\n    ├── root:providers:database\n    └── root:providers:remote [mount]\n\n',
    );

    const elsewhere = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root`));
    await workspaceTree(elsewhere, { workspace: 'consumers' });
    expect(elsewhere.stdout()).toBe('.\n└── consumers\n    └── pg\n\n');
  });

  it('falls back to root for a URL that is not a workspace', async () => {
    const kcp = new FakeKcp(BASE);
    const ctx = fakeContext(kcp, kubeconfigFor(`${BASE}/services/site/foo`));
    await workspaceTree(ctx, {});
    expect(ctx.stderr()).toContain(
      'does not point directly to a kcp workspace (may be a mount). Showing tree from root.',
    );
    expect(ctx.stdout()).toBe('.\n└── root\n\n');
  });
});

describe('kubectl ws create-context', () => {
  it('names the context after the workspace by default', async () => {
    const kcp = new FakeKcp(BASE);
    const ctx = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root:a`));
    await createContextCommand(ctx, undefined, {});
    expect(ctx.stdout()).toBe('Created context "root:a" and switched to it.\n');
    expect(ctx.store.current()['current-context']).toBe('root:a');
    await expect(createContextCommand(ctx, undefined, {})).rejects.toThrow(
      'context "root:a" already exists in kubeconfig, use --overwrite to update it',
    );
    await createContextCommand(ctx, 'mine', { overwrite: true });
    expect(ctx.stdout()).toContain('Created context "mine" and switched to it.\n');
  });
});

describe('kubectl create workspace', () => {
  let kcp: FakeKcp;
  beforeEach(() => {
    kcp = new FakeKcp(BASE);
    kcp.addWorkspace('root:providers');
  });

  it('creates, waits for Ready and prints kcp messages', async () => {
    kcp.readyAfterGets = 3;
    const ctx = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root:providers`));
    await createWorkspace(ctx, 'database');
    expect(ctx.stdout()).toBe(
      'Workspace "database" (type root:universal) created. Waiting for it to be ready...\n' +
        'Workspace "database" (type root:universal) is ready to use.\n',
    );
    const post = kcp.requests.find((r) => r.method === 'POST');
    expect(post?.path).toBe('/clusters/root:providers/apis/tenancy.kcp.io/v1alpha1/workspaces');
    expect(post?.body).toEqual({
      apiVersion: 'tenancy.kcp.io/v1alpha1',
      kind: 'Workspace',
      metadata: { name: 'database' },
      spec: {},
    });
    expect(ctx.store.saved).toHaveLength(0);
    expect(ctx.clock).toBeGreaterThan(0);
  });

  it('--enter switches into it; --type and --location-selector are sent', async () => {
    const ctx = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root:providers`));
    await createWorkspace(ctx, 'db', {
      enter: true,
      type: 'root:Team',
      locationSelector: 'region=eu,tier in (a,b),!legacy',
    });
    expect(ctx.stdout()).toBe(
      'Workspace "db" (type root:team) created. Waiting for it to be ready...\n' +
        'Workspace "db" (type root:team) is ready to use.\n' +
        "Current workspace is 'root:providers:db' (type root:team).\n",
    );
    expect(kcp.requests.find((r) => r.method === 'POST')?.body).toMatchObject({
      spec: {
        type: { name: 'team', path: 'root' },
        location: {
          selector: {
            matchLabels: { region: 'eu' },
            matchExpressions: [
              { key: 'legacy', operator: 'DoesNotExist' },
              { key: 'tier', operator: 'In', values: ['a', 'b'] },
            ],
          },
        },
      },
    });
    expect(serverOf(ctx.store.current())).toBe(`${BASE}/clusters/root:providers:db`);
  });

  it('--ignore-existing accepts an existing workspace of the same type', async () => {
    const ctx = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root`));
    await createWorkspace(ctx, 'providers', { ignoreExisting: true });
    expect(ctx.stdout()).toBe(
      'Workspace "providers" (type root:universal) already exists.\nWorkspace "providers" (type root:universal) is ready to use.\n',
    );
    await expect(
      createWorkspace(ctx, 'providers', { ignoreExisting: true, type: 'root:team' }),
    ).rejects.toThrow(
      'workspace "providers" cannot be created with type root:team, it already exists with different type root:universal',
    );
    await expect(
      createWorkspace(ctx, 'providers', { ignoreExisting: true, type: 'team' }),
    ).rejects.toThrow('--ignore-existing must not be used with non-absolute type path');
    await expect(createWorkspace(ctx, 'providers')).rejects.toThrow(
      'workspaces.tenancy.kcp.io "providers" already exists',
    );
  });

  it('--create-context adds a context for the new workspace', async () => {
    const ctx = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root:providers`));
    await createWorkspace(ctx, 'db', { createContext: 'db-ctx' });
    expect(ctx.stdout()).toContain('Created context "db-ctx".\n');
    const config = ctx.store.current();
    expect(config['current-context']).toBe('kcp');
    expect(serverOf(config, 'db-ctx')).toBe(`${BASE}/clusters/root:providers:db`);
  });

  it('gives up when the workspace never becomes ready', async () => {
    kcp.readyAfterGets = Number.POSITIVE_INFINITY;
    const ctx = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root:providers`));
    await expect(createWorkspace(ctx, 'slow', { readyTimeoutMs: 2000 })).rejects.toThrow(
      'timed out waiting for workspace "slow" to be ready: context deadline exceeded',
    );
  });

  it('rejects a bad location selector before calling the server', async () => {
    const ctx = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root:providers`));
    await expect(createWorkspace(ctx, 'x', { locationSelector: 'a in (' })).rejects.toThrow(
      /^invalid location selector: /,
    );
    expect(kcp.requests).toHaveLength(0);
  });
});

describe('flag parsing helpers', () => {
  it('parses workspace types', () => {
    expect(parseWorkspaceType('Universal')).toEqual({ name: 'universal' });
    expect(parseWorkspaceType('root:org:Team')).toEqual({ name: 'team', path: 'root:org' });
  });

  it('turns a selector string into a metav1.LabelSelector', () => {
    expect(parseToLabelSelector('a=b,c!=d,e,!f,g notin (x)')).toEqual({
      matchLabels: { a: 'b' },
      matchExpressions: [
        { key: 'c', operator: 'NotIn', values: ['d'] },
        { key: 'e', operator: 'Exists' },
        { key: 'f', operator: 'DoesNotExist' },
        { key: 'g', operator: 'NotIn', values: ['x'] },
      ],
    });
    expect(() => parseToLabelSelector('a>1')).toThrow(`"gt" isn't supported in label selectors`);
  });
});
