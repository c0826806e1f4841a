import { describe, expect, it } from 'vitest';
import { parseKubeconfig, serializeKubeconfig, singleContextKubeconfig } from './kubeconfig.ts';

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
