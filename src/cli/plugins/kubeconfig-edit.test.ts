import { describe, expect, it } from 'vitest';
import { parseKubeconfig, serializeKubeconfig } from '../../apimachinery/kubeconfig.ts';
import { createContext, enterWorkspace, swapWorkspaces } from './kubeconfig-edit.ts';

const yaml = (text: string) => parseKubeconfig(text);

const ADMIN = yaml(`
apiVersion: v1
kind: Config
clusters:
  - name: root
    cluster:
      server: https://kcp:6443/clusters/root
      certificate-authority-data: Q0E=
users:
  - name: admin
    user:
      token: secret
contexts:
  - name: root
    context:
      cluster: root
      user: admin
current-context: root
`);

describe('kubeconfig edits of kubectl ws', () => {
  it('entering from a plain context copies its cluster and keeps it as previous', () => {
    const next = enterWorkspace(ADMIN, 'root', 'https://kcp:6443/clusters/root:providers');
    expect(serializeKubeconfig(next)).toBe(`apiVersion: v1
kind: Config
clusters:
  - name: root
    cluster:
      server: https://kcp:6443/clusters/root
      certificate-authority-data: Q0E=
  - name: workspace.kcp.io/current
    cluster:
      server: https://kcp:6443/clusters/root:providers
      certificate-authority-data: Q0E=
users:
  - name: admin
    user:
      token: secret
contexts:
  - name: root
    context:
      cluster: root
      user: admin
  - name: workspace.kcp.io/current
    context:
      cluster: workspace.kcp.io/current
      user: admin
  - name: workspace.kcp.io/previous
    context:
      cluster: root
      user: admin
current-context: workspace.kcp.io/current
`);
  });

  it('entering from the current workspace moves its cluster to workspace.kcp.io/previous', () => {
    const first = enterWorkspace(ADMIN, 'root', 'https://kcp:6443/clusters/root:providers');
    const second = enterWorkspace(
      first,
      'workspace.kcp.io/current',
      'https://kcp:6443/clusters/root:providers:database',
    );
    expect(serializeKubeconfig(second)).toBe(`apiVersion: v1
kind: Config
clusters:
  - name: root
    cluster:
      server: https://kcp:6443/clusters/root
      certificate-authority-data: Q0E=
  - name: workspace.kcp.io/current
    cluster:
      server: https://kcp:6443/clusters/root:providers:database
      certificate-authority-data: Q0E=
  - name: workspace.kcp.io/previous
    cluster:
      server: https://kcp:6443/clusters/root:providers
      certificate-authority-data: Q0E=
users:
  - name: admin
    user:
      token: secret
contexts:
  - name: root
    context:
      cluster: root
      user: admin
  - name: workspace.kcp.io/current
    context:
      cluster: workspace.kcp.io/current
      user: admin
  - name: workspace.kcp.io/previous
    context:
      cluster: workspace.kcp.io/previous
      user: admin
current-context: workspace.kcp.io/current
`);
    // The input is left alone.
    expect(first.clusters).toHaveLength(2);
  });

  it('keeps unknown fields of the copied cluster and context', () => {
    const config = yaml(`
clusters:
  - name: c
    cluster:
      server: https://kcp/clusters/root
      tls-server-name: kcp.example
      proxy-url: http://proxy:3128
users: [{name: u, user: {token: t}}]
contexts:
  - name: c
    context: {cluster: c, user: u, namespace: ns1}
current-context: c
`);
    const next = enterWorkspace(config, 'c', 'https://kcp/clusters/root:a');
    expect(next.clusters[1]).toEqual({
      name: 'workspace.kcp.io/current',
      cluster: {
        server: 'https://kcp/clusters/root:a',
        'tls-server-name': 'kcp.example',
        'proxy-url': 'http://proxy:3128',
      },
    });
    expect(next.contexts.find((c) => c.name === 'workspace.kcp.io/current')?.context).toEqual({
      cluster: 'workspace.kcp.io/current',
      user: 'u',
      namespace: 'ns1',
    });
  });

  it('fails when the current context or its cluster is missing', () => {
    expect(() => enterWorkspace(ADMIN, 'nope', 'https://x/clusters/root')).toThrow(
      'current "nope" context not found',
    );
    const broken = yaml(`
contexts: [{name: c, context: {cluster: gone, user: u}}]
current-context: c
`);
    expect(() => enterWorkspace(broken, 'c', 'https://x/clusters/root')).toThrow(
      'cluster "gone" not found in kubeconfig',
    );
  });

  it('- swaps current and previous, clusters included', () => {
    const a = enterWorkspace(ADMIN, 'root', 'https://kcp:6443/clusters/root:a');
    const b = enterWorkspace(a, 'workspace.kcp.io/current', 'https://kcp:6443/clusters/root:a:b');
    const { config, server } = swapWorkspaces(b, 'workspace.kcp.io/current');
    expect(server).toBe('https://kcp:6443/clusters/root:a');
    const serverOf = (name: string) => config.clusters.find((c) => c.name === name)?.cluster.server;
    expect(serverOf('workspace.kcp.io/current')).toBe('https://kcp:6443/clusters/root:a');
    expect(serverOf('workspace.kcp.io/previous')).toBe('https://kcp:6443/clusters/root:a:b');
    expect(config['current-context']).toBe('workspace.kcp.io/current');
    // Swapping twice is the identity.
    expect(swapWorkspaces(config, 'workspace.kcp.io/current').config).toEqual(b);
  });

  it('- back to a non-workspace context', () => {
    const a = enterWorkspace(ADMIN, 'root', 'https://kcp:6443/clusters/root:a');
    const { config, server } = swapWorkspaces(a, 'workspace.kcp.io/current');
    expect(server).toBe('https://kcp:6443/clusters/root');
    expect(
      config.contexts.find((c) => c.name === 'workspace.kcp.io/current')?.context.cluster,
    ).toBe('root');
    expect(
      config.contexts.find((c) => c.name === 'workspace.kcp.io/previous')?.context.cluster,
    ).toBe('workspace.kcp.io/previous');
    expect(
      config.clusters.find((c) => c.name === 'workspace.kcp.io/previous')?.cluster.server,
    ).toBe('https://kcp:6443/clusters/root:a');
  });

  it('- from another context to a non-workspace previous context (kcp test case)', () => {
    const config = yaml(`
clusters:
  - {name: workspace.kcp.io/current, cluster: {server: https://test/clusters/root:foo}}
  - {name: other, cluster: {server: https://other/}}
  - {name: other2, cluster: {server: https://other2/}}
users: [{name: test, user: {token: test}}, {name: other, user: {token: test}}, {name: other2, user: {token: test2}}]
contexts:
  - {name: workspace.kcp.io/current, context: {cluster: workspace.kcp.io/current, user: test}}
  - {name: workspace.kcp.io/previous, context: {cluster: other2, user: other2}}
  - {name: other, context: {cluster: other, user: other}}
  - {name: other2, context: {cluster: other2, user: other2}}
current-context: other
`);
    const { config: next, server } = swapWorkspaces(config, 'other');
    expect(server).toBe('https://other2/');
    const ctx = (name: string) => next.contexts.find((c) => c.name === name)?.context;
    expect(ctx('workspace.kcp.io/current')).toEqual({ cluster: 'other2', user: 'other2' });
    expect(ctx('workspace.kcp.io/previous')).toEqual({ cluster: 'other', user: 'other' });
    expect(next.clusters.map((c) => c.name)).toEqual([
      'workspace.kcp.io/current',
      'other',
      'other2',
    ]);
  });

  it('- without a previous workspace fails', () => {
    expect(() => swapWorkspaces(ADMIN, 'root')).toThrow(
      'no previous workspace found in kubeconfig',
    );
  });

  it('create-context copies the current context under a new name', () => {
    const result = createContext(ADMIN, {
      fromContext: 'root',
      name: 'root:a',
      overwrite: false,
      keepCurrent: false,
      server: 'https://kcp:6443/clusters/root:a',
    });
    expect(result.message).toBe('Created context "root:a" and switched to it.\n');
    expect(result.config['current-context']).toBe('root:a');
    expect(result.config.clusters.find((c) => c.name === 'root:a')?.cluster).toEqual({
      server: 'https://kcp:6443/clusters/root:a',
      'certificate-authority-data': 'Q0E=',
    });
    expect(result.config.contexts.find((c) => c.name === 'root:a')?.context).toEqual({
      cluster: 'root:a',
      user: 'admin',
    });

    expect(() =>
      createContext(result.config, {
        fromContext: 'root',
        name: 'root:a',
        overwrite: false,
        keepCurrent: false,
      }),
    ).toThrow('context "root:a" already exists in kubeconfig, use --overwrite to update it');
    const updated = createContext(result.config, {
      fromContext: 'root',
      name: 'root:a',
      overwrite: true,
      keepCurrent: true,
    });
    expect(updated.message).toBe('Updated context "root:a".\n');
    expect(updated.config['current-context']).toBe('root:a');
    const kept = createContext(ADMIN, {
      fromContext: 'root',
      name: 'x',
      overwrite: false,
      keepCurrent: true,
    });
    expect(kept.message).toBe('Created context "x".\n');
    expect(kept.config['current-context']).toBe('root');
  });
});
