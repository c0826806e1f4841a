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

/** scheme://host:port of a server URL ('' when it is not a URL). */
function originOf(server: string): string {
  try {
    return new URL(server).origin;
  } catch {
    return '';
  }
}

/**
 * `existing` (a kubeconfig a server once wrote, since edited by its user) brought up to
 * date with `fresh` (what the server writes now): every cluster entry that pointed at the
 * server — the server's own and those the user made from it, such as the kcp plugins'
 * `workspace.kcp.io/current` — gets the new scheme, host, port and CA, keeping its path;
 * the server's users get the new credentials; its contexts are added when missing. The
 * user's contexts, namespaces and current context stay, so a restart does not move them.
 */
export function refreshKubeconfig(existing: Kubeconfig, fresh: Kubeconfig): Kubeconfig {
  const next = structuredClone(existing);
  for (const { name, cluster } of fresh.clusters) {
    const newOrigin = originOf(cluster.server);
    const own = next.clusters.find((c) => c.name === name);
    const oldOrigin = own ? originOf(own.cluster.server) : '';
    const ca = cluster['certificate-authority-data'];
    for (const entry of next.clusters) {
      if (entry !== own && (oldOrigin === '' || originOf(entry.cluster.server) !== oldOrigin))
        continue;
      const { 'certificate-authority': _file, ...tls } = entry.cluster;
      const server =
        entry === own ? cluster.server : newOrigin + entry.cluster.server.slice(oldOrigin.length);
      entry.cluster = { ...tls, server, ...(ca ? { 'certificate-authority-data': ca } : {}) };
    }
    if (!own) next.clusters.push(structuredClone({ name, cluster }));
  }
  for (const { name, user } of fresh.users) {
    const own = next.users.find((u) => u.name === name);
    if (own) own.user = structuredClone(user);
    else next.users.push(structuredClone({ name, user }));
  }
  for (const context of fresh.contexts) {
    if (!next.contexts.some((c) => c.name === context.name))
      next.contexts.push(structuredClone(context));
  }
  if (!next.contexts.some((c) => c.name === next['current-context']))
    next['current-context'] = fresh['current-context'];
  return next;
}
