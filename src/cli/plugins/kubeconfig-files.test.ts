import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseKubeconfig } from '../../apimachinery/kubeconfig.ts';
import { effectiveConfig, withWorkspace } from './client-config.ts';
import { fileStore } from './context.ts';
import { enterWorkspace } from './kubeconfig-edit.ts';
import {
  defaultFile,
  kubeconfigSource,
  loadKubeconfig,
  saveKubeconfig,
} from './kubeconfig-files.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubeconfig-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const A = `apiVersion: v1
kind: Config
preferences: {}
clusters:
  - name: kcp
    cluster:
      server: https://kcp:6443/clusters/root
      certificate-authority: ca.crt
users:
  - name: admin
    user:
      token: secret
contexts:
  - name: kcp
    context:
      cluster: kcp
      user: admin
current-context: kcp
`;

const B = `apiVersion: v1
kind: Config
clusters:
  - name: kcp
    cluster:
      server: https://shadowed
  - name: other
    cluster:
      server: https://other
users:
  - name: other
    user:
      client-certificate: certs/client.crt
      client-key: /abs/client.key
contexts:
  - name: other
    context:
      cluster: other
      user: other
current-context: other
`;

describe('kubeconfig loading rules', () => {
  it('chooses --kubeconfig, then KUBECONFIG, then ~/.kube/config', () => {
    expect(kubeconfigSource('/x/k', { KUBECONFIG: '/a' }, '/home/u')).toEqual({
      files: ['/x/k'],
      explicit: true,
    });
    expect(
      kubeconfigSource(
        undefined,
        { KUBECONFIG: `/a${delimiter}${delimiter}/b${delimiter}/a` },
        '/home/u',
      ),
    ).toEqual({
      files: ['/a', '/b'],
      explicit: false,
    });
    expect(kubeconfigSource(undefined, {}, '/home/u')).toEqual({
      files: ['/home/u/.kube/config'],
      explicit: false,
    });
  });

  it('merges KUBECONFIG files: first definition and first current-context win; paths made absolute', () => {
    mkdirSync(join(dir, 'b'));
    writeFileSync(join(dir, 'a'), A);
    writeFileSync(join(dir, 'b', 'config'), B);
    const loaded = loadKubeconfig({
      files: [join(dir, 'a'), join(dir, 'missing'), join(dir, 'b', 'config')],
      explicit: false,
    });
    expect(loaded.merged['current-context']).toBe('kcp');
    expect(loaded.merged.clusters.map((c) => [c.name, c.cluster.server])).toEqual([
      ['kcp', 'https://kcp:6443/clusters/root'],
      ['other', 'https://other'],
    ]);
    expect(loaded.merged.clusters[0]?.cluster['certificate-authority']).toBe(join(dir, 'ca.crt'));
    expect(loaded.merged.users[1]?.user).toEqual({
      'client-certificate': join(dir, 'b', 'certs/client.crt'),
      'client-key': '/abs/client.key',
    });
    expect(defaultFile(loaded.source)).toBe(join(dir, 'a'));
  });

  it('an explicit file must exist', () => {
    expect(() => loadKubeconfig({ files: [join(dir, 'nope')], explicit: true })).toThrow(
      `stat ${join(dir, 'nope')}: no such file or directory`,
    );
  });

  it('writes only what changed, each entry to the file that defined it', () => {
    mkdirSync(join(dir, 'b'));
    writeFileSync(join(dir, 'a'), B.replace('current-context: other', 'current-context: ""'));
    writeFileSync(join(dir, 'b', 'config'), A);
    const loaded = loadKubeconfig({
      files: [join(dir, 'a'), join(dir, 'b', 'config')],
      explicit: false,
    });
    // `kcp` comes from a (shadowing b), the current context from b.
    expect(loaded.merged['current-context']).toBe('kcp');
    const next = enterWorkspace(loaded.merged, 'other', 'https://other/clusters/root:x');
    const written = saveKubeconfig(loaded, next);
    expect(written.sort()).toEqual([join(dir, 'a'), join(dir, 'b', 'config')].sort());
    const a = parseKubeconfig(readFileSync(join(dir, 'a'), 'utf8'));
    const b = parseKubeconfig(readFileSync(join(dir, 'b', 'config'), 'utf8'));
    // New entries land in the default file (the first existing one)…
    expect(a.clusters.map((c) => c.name)).toEqual(['kcp', 'other', 'workspace.kcp.io/current']);
    expect(a.contexts.map((c) => c.name)).toEqual([
      'other',
      'workspace.kcp.io/current',
      'workspace.kcp.io/previous',
    ]);
    // …the current-context where it was set, and b's entries are untouched (relative CA path kept).
    expect(b['current-context']).toBe('workspace.kcp.io/current');
    expect(b.clusters[0]?.cluster['certificate-authority']).toBe('ca.crt');
    expect(b.contexts.map((c) => c.name)).toEqual(['kcp']);
  });

  it('the file store reloads after saving', () => {
    const file = join(dir, 'config');
    writeFileSync(file, A);
    const store = fileStore({ files: [file], explicit: true });
    const next = enterWorkspace(store.load(), 'kcp', 'https://kcp:6443/clusters/root:a');
    store.save(next);
    expect(store.load()['current-context']).toBe('workspace.kcp.io/current');
    expect(readFileSync(file, 'utf8')).toContain('server: https://kcp:6443/clusters/root:a');
    // The copied cluster carries the absolute CA path, so it works from any file.
    expect(
      store.load().clusters.find((c) => c.name === 'workspace.kcp.io/current')?.cluster[
        'certificate-authority'
      ],
    ).toBe(join(dir, 'ca.crt'));
  });
});

describe('effective client config', () => {
  const config = parseKubeconfig(A);

  it('applies kubectl overrides', () => {
    const eff = effectiveConfig(config, {
      server: 'https://elsewhere/clusters/root:b',
      token: 't2',
      insecureSkipTlsVerify: true,
    });
    expect(eff.host).toBe('https://elsewhere/clusters/root:b');
    expect(eff.user.token).toBe('t2');
    expect(eff.cluster['insecure-skip-tls-verify']).toBe(true);
    expect(eff.cluster['certificate-authority']).toBeUndefined();
    expect(() => effectiveConfig(config, { context: 'nope' })).toThrow(
      'context was not found for specified context: nope',
    );
    expect(() => effectiveConfig({ ...config, 'current-context': '' })).toThrow(
      'invalid configuration: no configuration has been provided',
    );
  });

  it('-w points the connection at another workspace', () => {
    const eff = effectiveConfig(config);
    expect(withWorkspace(eff, 'a:b').host).toBe('https://kcp:6443/clusters/root:a:b');
    expect(withWorkspace(eff, ':root:x').host).toBe('https://kcp:6443/clusters/root:x');
    expect(withWorkspace(withWorkspace(eff, 'a'), '..').host).toBe(
      'https://kcp:6443/clusters/root',
    );
    expect(() => withWorkspace(eff, '..:..')).toThrow('cannot go above the root workspace');
    expect(() => withWorkspace(eff, 'Bad')).toThrow('invalid workspace path: Bad');
    expect(withWorkspace(eff, undefined)).toBe(eff);
  });
});
