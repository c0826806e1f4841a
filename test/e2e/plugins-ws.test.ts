/**
 * The kcp kubectl plugins (bin/kubectl-ws, bin/kubectl-create-workspace, bin/kubectl-kcp)
 * driven through real kubectl 1.33 against `canopy start` (workspaces mode): the workshop's
 * workspace tree, switching back and forth, the kubeconfig edits, and objects kept apart
 * between workspaces.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKubeconfig } from '../../src/apimachinery/kubeconfig.ts';
import { type CanopyProcess, startCanopy } from './harness/canopy-process.ts';
import { type Kubectl, kubectlWithPlugins } from './harness/kubectl.ts';

describe('kubectl ws and kubectl create workspace against canopy start', () => {
  let server: CanopyProcess;
  let home: string;
  let kubeconfig: string;
  let k: Kubectl;

  beforeAll(async () => {
    server = await startCanopy();
    home = mkdtempSync(join(tmpdir(), 'canopy-plugins-'));
    // The plugins edit the kubeconfig: kubectl works on a copy.
    k = kubectlWithPlugins(server.kubeconfig, home, 'kubeconfig');
    kubeconfig = join(home, 'kubeconfig');
  });

  afterAll(async () => {
    await server?.stop();
    server?.cleanup();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  const config = () => parseKubeconfig(readFileSync(kubeconfig, 'utf8'));
  const currentServer = () => {
    const c = config();
    const ctx = c.contexts.find((x) => x.name === c['current-context'])?.context;
    return c.clusters.find((x) => x.name === ctx?.cluster)?.cluster.server;
  };

  it('builds root:providers:database and root:consumers:pg the workshop way', async () => {
    expect(await k.ok(['ws', '.'])).toBe("Current workspace is 'root'.\n");
    expect(await k.ok(['create', 'workspace', 'providers'])).toMatch(
      /^Workspace "providers" \(type [a-z0-9:-]+\) created\. Waiting for it to be ready\.\.\.\nWorkspace "providers" \(type [a-z0-9:-]+\) is ready to use\.\n$/,
    );
    await k.ok(['create', 'workspace', 'consumers']);

    expect(await k.ok(['ws', 'use', ':root:providers'])).toMatch(
      /^Current workspace is 'root:providers' \(type [a-z0-9:-]+\)\.\n$/,
    );
    const created = await k(['ws', 'create', 'database', '--enter']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toContain('Command "create" is deprecated');
    expect(created.stdout).toMatch(/Workspace "database" \(type [a-z0-9:-]+\) is ready to use\.\n/);
    expect(created.stdout).toMatch(
      /Current workspace is 'root:providers:database' \(type [a-z0-9:-]+\)\.\n$/,
    );

    expect(await k.ok(['ws', ':root:consumers'])).toMatch(/^Current workspace is 'root:consumers'/);
    await k.ok(['ws', 'create', 'pg', '--enter']);
    expect(await k.ok(['ws', 'current', '--short'])).toBe('root:consumers:pg\n');
    expect(currentServer()).toBe(`${server.url}/clusters/root:consumers:pg`);

    expect(await k.ok(['ws', ':'])).toBe("Current workspace is 'root'.\n");
    expect(await k.ok(['ws', 'tree'])).toBe(
      '.\n└── root\n    ├── consumers\n    │   └── pg\n    └── providers\n        └── database\n\n',
    );
    expect(await k.ok(['kcp', 'ws', 'tree', '--full'])).toBe(
      '.\n└── root\n    ├── root:consumers\n    │   └── root:consumers:pg\n    └── root:providers\n        └── root:providers:database\n\n',
    );
  });

  it('switches back and forth and edits the kubeconfig like kcp', async () => {
    await k.ok(['ws', ':root:providers:database']);
    await k.ok(['ws', ':root:consumers:pg']);
    expect(await k.ok(['ws', '-'])).toBe("Current workspace is 'root:providers:database'.\n");
    expect(await k.ok(['ws', '-'])).toBe("Current workspace is 'root:consumers:pg'.\n");
    const c = config();
    expect(c['current-context']).toBe('workspace.kcp.io/current');
    const cluster = (name: string) => c.clusters.find((x) => x.name === name)?.cluster;
    expect(cluster('workspace.kcp.io/current')?.server).toBe(
      `${server.url}/clusters/root:consumers:pg`,
    );
    expect(cluster('workspace.kcp.io/previous')?.server).toBe(
      `${server.url}/clusters/root:providers:database`,
    );
    // The TLS settings of the original context came along.
    expect(cluster('workspace.kcp.io/current')?.['certificate-authority-data']).toBe(
      cluster('root')?.['certificate-authority-data'],
    );
    expect(await k.ok(['ws', '..'])).toMatch(/^Current workspace is 'root:consumers'/);
    expect(await k.ok(['ws', 'pg', '--short'])).toBe('root:consumers:pg\n');
  });

  it('reports missing workspaces and bad paths', async () => {
    await k.ok(['ws', ':root:consumers']);
    const missing = await k(['ws', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Error: workspace "root:consumers:nope" not found');
    const above = await k(['ws', '..:..:..']);
    expect(above.code).toBe(1);
    expect(above.stderr).toContain('Error: cannot go up from root');
    const invalid = await k(['ws', 'Not_Valid']);
    expect(invalid.stderr).toContain('Error: invalid workspace path: Not_Valid');
    // Nothing changed.
    expect(await k.ok(['ws', '.', '--short'])).toBe('root:consumers\n');
  });

  it('keeps objects apart: the same name in two workspaces holds different data', async () => {
    await k.ok(['ws', ':root:providers:database']);
    await k.ok(['create', 'configmap', 'settings', '--from-literal=owner=provider']);
    await k.ok(['ws', ':root:consumers:pg']);
    await k.ok(['create', 'configmap', 'settings', '--from-literal=owner=tenant']);
    expect(await k.ok(['get', 'configmap', 'settings', '-o', 'jsonpath={.data.owner}'])).toBe(
      'tenant',
    );
    await k.ok(['ws', '-']);
    expect(await k.ok(['get', 'configmap', 'settings', '-o', 'jsonpath={.data.owner}'])).toBe(
      'provider',
    );
  });

  it('kubectl create workspace --enter and --ignore-existing', async () => {
    await k.ok(['ws', ':root:consumers']);
    const out = await k.ok(['create', 'workspace', 'scratch', '--enter']);
    expect(out).toMatch(/Current workspace is 'root:consumers:scratch'/);
    await k.ok(['ws', '..']);
    expect(await k.ok(['create', 'workspace', 'scratch', '--ignore-existing'])).toMatch(
      /^Workspace "scratch" \(type [a-z0-9:-]+\) already exists\.\n/,
    );
    const again = await k(['create', 'workspace', 'scratch']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
  });

  it('kubectl create-workspace, as after kubectl krew install (bin/kubectl-create_workspace)', async () => {
    await k.ok(['ws', ':root:consumers']);
    expect(await k.ok(['create-workspace', 'krewed'])).toMatch(
      /^Workspace "krewed" \(type [a-z0-9:-]+\) created\. Waiting for it to be ready\.\.\./,
    );
    expect(await k.ok(['ws', 'tree'])).toContain('krewed');
  });

  it('create-context adds a context named after the workspace', async () => {
    await k.ok(['ws', ':root:consumers:pg']);
    expect(await k.ok(['ws', 'create-context'])).toBe(
      'Created context "root:consumers:pg" and switched to it.\n',
    );
    expect(config()['current-context']).toBe('root:consumers:pg');
    expect(await k.ok(['get', 'configmap', 'settings', '-o', 'jsonpath={.data.owner}'])).toBe(
      'tenant',
    );
  });
});
