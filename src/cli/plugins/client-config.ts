/**
 * The connection a plugin command uses: the kubeconfig's current (or `--context`)
 * context, with kubectl-style flag overrides applied, and the optional `-w/--workspace`
 * redirection to another workspace on the same server.
 */
import type {
  Kubeconfig,
  KubeconfigCluster,
  KubeconfigContext,
  KubeconfigUser,
} from '../../apimachinery/kubeconfig.ts';
import { findCluster, findContext, findUser } from './kubeconfig-files.ts';
import { clusterURL, isValidPath, parseClusterURL, resolveAgainst } from './paths.ts';

/** kubectl's connection flags that the kcp plugins accept. */
export interface ClientOverrides {
  readonly context?: string;
  readonly user?: string;
  readonly server?: string;
  readonly token?: string;
  readonly certificateAuthority?: string;
  readonly insecureSkipTlsVerify?: boolean;
  readonly tlsServerName?: string;
  readonly username?: string;
  readonly password?: string;
}

export interface EffectiveConfig {
  readonly contextName: string;
  readonly context: KubeconfigContext;
  readonly cluster: KubeconfigCluster;
  readonly user: KubeconfigUser;
  /** The server URL requests go to (cluster server, or `--server`). */
  readonly host: string;
}

export function effectiveConfig(
  config: Kubeconfig,
  overrides: ClientOverrides = {},
): EffectiveConfig {
  const contextName = overrides.context || config['current-context'];
  const found = contextName ? findContext(config, contextName) : undefined;
  if (contextName && !found && overrides.context) {
    throw new Error(`context was not found for specified context: ${contextName}`);
  }
  const context: KubeconfigContext = found ?? { cluster: '', user: '' };
  if (!found && !overrides.server) {
    throw new Error(
      'invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable',
    );
  }
  const baseCluster = context.cluster ? findCluster(config, context.cluster) : undefined;
  const cluster: KubeconfigCluster = { ...(baseCluster ?? { server: '' }) };
  if (overrides.server) cluster.server = overrides.server;
  if (overrides.certificateAuthority) {
    cluster['certificate-authority'] = overrides.certificateAuthority;
    delete cluster['certificate-authority-data'];
  }
  if (overrides.insecureSkipTlsVerify) {
    cluster['insecure-skip-tls-verify'] = true;
    delete cluster['certificate-authority'];
    delete cluster['certificate-authority-data'];
  }
  if (overrides.tlsServerName) cluster['tls-server-name'] = overrides.tlsServerName;
  if (!cluster.server) {
    throw new Error(
      `invalid configuration: no server found for cluster ${JSON.stringify(context.cluster)}`,
    );
  }
  const userName = overrides.user || context.user;
  const user: KubeconfigUser = { ...((userName ? findUser(config, userName) : undefined) ?? {}) };
  if (overrides.token) {
    user.token = overrides.token;
    delete user.tokenFile;
  }
  if (overrides.username) user.username = overrides.username;
  if (overrides.password) user.password = overrides.password;
  return { contextName: contextName ?? '', context, cluster, user, host: cluster.server };
}

/**
 * `-w/--workspace`: the same connection, pointed at another workspace. A leading `:`
 * is absolute, anything else relative to the current workspace; `.` and `..` resolve.
 */
export function withWorkspace(
  config: EffectiveConfig,
  workspace: string | undefined,
): EffectiveConfig {
  if (!workspace) return config;
  const parsed = parseClusterURL(config.host);
  if (!parsed) {
    throw new Error(
      `current URL ${JSON.stringify(config.host)} does not point to a workspace: current cluster URL ${config.host} is not pointing to a workspace`,
    );
  }
  const path = resolveAgainst(parsed.path, workspace, 'cannot go above the root workspace');
  if (!isValidPath(path)) throw new Error(`invalid workspace path: ${workspace}`);
  const host = clusterURL(parsed.base, path);
  return { ...config, host, cluster: { ...config.cluster, server: host } };
}
