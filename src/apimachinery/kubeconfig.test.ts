import { describe, expect, it } from 'vitest';
import {
  parseKubeconfig,
  refreshKubeconfig,
  serializeKubeconfig,
  singleContextKubeconfig,
} from './kubeconfig.ts';

describe('singleContextKubeconfig', () => {
  const caPem = '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n';

  it('names the cluster, user and context alike by default', () => {
    const config = singleContextKubeconfig({
      name: 'admin',
      server: 'https://127.0.0.1:6443',
      caPem,
      user: { token: 't' },
    });
    expect(config).toEqual({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'admin',
          cluster: {
            server: 'https://127.0.0.1:6443',
            'certificate-authority-data': Buffer.from(caPem).toString('base64'),
          },
        },
      ],
      users: [{ name: 'admin', user: { token: 't' } }],
      contexts: [{ name: 'admin', context: { cluster: 'admin', user: 'admin' } }],
      'current-context': 'admin',
    });
  });

  it('takes separate user and context names, and round-trips through YAML', () => {
    const config = singleContextKubeconfig({
      name: 'default',
      server: 'https://127.0.0.1:6443',
      caPem,
      user: { 'client-certificate-data': 'Y2VydA==', 'client-key-data': 'a2V5' },
      userName: 'erin',
      contextName: 'erin@default',
    });
    expect(config.users).toEqual([
      { name: 'erin', user: { 'client-certificate-data': 'Y2VydA==', 'client-key-data': 'a2V5' } },
    ]);
    expect(config.contexts).toEqual([
      { name: 'erin@default', context: { cluster: 'default', user: 'erin' } },
    ]);
    expect(config['current-context']).toBe('erin@default');
    expect(parseKubeconfig(serializeKubeconfig(config))).toEqual(config);
  });
});

describe('refreshKubeconfig', () => {
  const fresh = (port: number, ca = 'TkVX', token = 'new') =>
    parseKubeconfig(
      serializeKubeconfig({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'root',
            cluster: {
              server: `https://127.0.0.1:${port}/clusters/root`,
              'certificate-authority-data': ca,
            },
          },
        ],
        users: [{ name: 'admin', user: { token } }],
        contexts: [{ name: 'root', context: { cluster: 'root', user: 'admin' } }],
        'current-context': 'root',
      }),
    );
  // What a user made of the file: `kubectl ws use :root:consumers:pg`, a namespace, another cluster.
  const edited = () => {
    const config = fresh(6443, 'T0xE', 'old');
    config.clusters.push(
      {
        name: 'workspace.kcp.io/current',
        cluster: {
          server: 'https://127.0.0.1:6443/clusters/root:consumers:pg',
          'certificate-authority-data': 'T0xE',
        },
      },
      { name: 'elsewhere', cluster: { server: 'https://10.0.0.1:6443' } },
    );
    config.contexts.push({
      name: 'workspace.kcp.io/current',
      context: { cluster: 'workspace.kcp.io/current', user: 'admin', namespace: 'team' },
    });
    config['current-context'] = 'workspace.kcp.io/current';
    return config;
  };

  it('keeps the current context and its workspace, refreshing server, CA and credentials', () => {
    const next = refreshKubeconfig(edited(), fresh(7443));
    expect(next['current-context']).toBe('workspace.kcp.io/current');
    expect(next.contexts.find((c) => c.name === 'workspace.kcp.io/current')?.context).toEqual({
      cluster: 'workspace.kcp.io/current',
      user: 'admin',
      namespace: 'team',
    });
    expect(next.clusters).toEqual([
      {
        name: 'root',
        cluster: {
          server: 'https://127.0.0.1:7443/clusters/root',
          'certificate-authority-data': 'TkVX',
        },
      },
      {
        name: 'workspace.kcp.io/current',
        cluster: {
          server: 'https://127.0.0.1:7443/clusters/root:consumers:pg',
          'certificate-authority-data': 'TkVX',
        },
      },
      // Another server's entry is not this server's to change.
      { name: 'elsewhere', cluster: { server: 'https://10.0.0.1:6443' } },
    ]);
    expect(next.users).toEqual([{ name: 'admin', user: { token: 'new' } }]);
  });

  it('adds what the user removed and falls back to the fresh current context', () => {
    const config = edited();
    config.contexts = config.contexts.filter((c) => c.name !== 'root');
    config.users = [];
    config['current-context'] = 'gone';
    const next = refreshKubeconfig(config, fresh(6443));
    expect(next['current-context']).toBe('root');
    expect(next.contexts.map((c) => c.name)).toEqual(['workspace.kcp.io/current', 'root']);
    expect(next.users).toEqual([{ name: 'admin', user: { token: 'new' } }]);
  });

  it('is the fresh kubeconfig when nothing was edited', () => {
    expect(refreshKubeconfig(fresh(6443, 'T0xE', 'old'), fresh(6443))).toEqual(fresh(6443));
  });
});
