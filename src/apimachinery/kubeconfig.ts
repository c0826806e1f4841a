/**
 * The kubeconfig file format (clientcmd v1): what Canopy writes for its users and what
 * the kubectl plugins read and edit. Pure data and (de)serialisation.
 */
import { parse, stringify } from 'yaml';

export interface KubeconfigCluster {
  server: string;
  'certificate-authority-data'?: string;
  'certificate-authority'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
}

export interface KubeconfigUser {
  token?: string;
  'client-certificate-data'?: string;
  'client-key-data'?: string;
  'client-certificate'?: string;
  'client-key'?: string;
  [field: string]: unknown;
}

export interface KubeconfigContext {
  cluster: string;
  user: string;
  namespace?: string;
}

export interface Kubeconfig {
  apiVersion: 'v1';
  kind: 'Config';
  preferences?: Record<string, unknown>;
  clusters: Array<{ name: string; cluster: KubeconfigCluster }>;
  users: Array<{ name: string; user: KubeconfigUser }>;
  contexts: Array<{ name: string; context: KubeconfigContext }>;
  'current-context': string;
}

/**
 * A kubeconfig with one cluster, user and context, the current one. The cluster is `name`;
 * the user and the context are too unless `userName` or `contextName` say otherwise.
 */
export function singleContextKubeconfig(options: {
  name: string;
  server: string;
  caPem: string;
  user: KubeconfigUser;
  userName?: string;
  contextName?: string;
}): Kubeconfig {
  const userName = options.userName ?? options.name;
  const contextName = options.contextName ?? options.name;
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: options.name,
        cluster: {
          server: options.server,
          'certificate-authority-data': Buffer.from(options.caPem).toString('base64'),
        },
      },
    ],
    users: [{ name: userName, user: options.user }],
    contexts: [{ name: contextName, context: { cluster: options.name, user: userName } }],
    'current-context': contextName,
  };
}

export function serializeKubeconfig(config: Kubeconfig): string {
  return stringify(config);
}

export function parseKubeconfig(text: string): Kubeconfig {
  const raw = (parse(text) ?? {}) as Partial<Kubeconfig>;
  return {
    apiVersion: 'v1',
    kind: 'Config',
    ...raw,
    clusters: raw.clusters ?? [],
    users: raw.users ?? [],
    contexts: raw.contexts ?? [],
    'current-context': raw['current-context'] ?? '',
  };
}
