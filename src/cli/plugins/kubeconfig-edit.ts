/**
 * The kubeconfig edits of `kubectl ws` (as kcp's plugin makes them). The current
 * workspace lives in a cluster and a context both named `workspace.kcp.io/current`; the
 * one before it in a context (and, when it pointed at the current cluster, a cluster)
 * named `workspace.kcp.io/previous`. All functions are pure: they return a new config.
 */
import type { Kubeconfig } from '../../apimachinery/kubeconfig.ts';
import { findCluster, findContext, setCluster, setContext } from './kubeconfig-files.ts';

export const CURRENT = 'workspace.kcp.io/current';
export const PREVIOUS = 'workspace.kcp.io/previous';

/**
 * Points `workspace.kcp.io/current` at `server`, copying the TLS settings and user of the
 * context `fromContext`, remembers that context as `workspace.kcp.io/previous`, and makes
 * the current context `workspace.kcp.io/current`.
 */
export function enterWorkspace(
  config: Kubeconfig,
  fromContext: string,
  server: string,
): Kubeconfig {
  const current = findContext(config, fromContext);
  if (!current) throw new Error(`current ${JSON.stringify(fromContext)} context not found`);
  const oldCluster = findCluster(config, current.cluster);
  if (!oldCluster)
    throw new Error(`cluster ${JSON.stringify(current.cluster)} not found in kubeconfig`);
  const next = structuredClone(config);
  setCluster(next, CURRENT, { ...structuredClone(oldCluster), server });
  setContext(next, CURRENT, { ...structuredClone(current), cluster: CURRENT });
  let previous = structuredClone(current);
  if (current.cluster === CURRENT) {
    previous = { ...previous, cluster: PREVIOUS };
    setCluster(next, PREVIOUS, structuredClone(oldCluster));
  }
  setContext(next, PREVIOUS, previous);
  next['current-context'] = CURRENT;
  return next;
}

/**
 * `kubectl ws -`: swaps the context `fromContext` and `workspace.kcp.io/previous`
 * (moving the clusters along when they are the plugin's own). Returns the new config and
 * the server it now points at.
 */
export function swapWorkspaces(
  config: Kubeconfig,
  fromContext: string,
): { config: Kubeconfig; server: string } {
  const currentCtx = findContext(config, fromContext);
  if (!currentCtx) throw new Error(`current ${JSON.stringify(fromContext)} context not found`);
  const prevCtx = findContext(config, PREVIOUS);
  if (!prevCtx) throw new Error('no previous workspace found in kubeconfig');
  const next = structuredClone(config);
  let current = structuredClone(currentCtx);
  let previous = structuredClone(prevCtx);
  if (current.cluster === CURRENT) {
    const oldCluster = findCluster(config, CURRENT);
    if (!oldCluster) throw new Error(`cluster ${JSON.stringify(CURRENT)} not found in kubeconfig`);
    current = { ...current, cluster: PREVIOUS };
    setCluster(next, PREVIOUS, structuredClone(oldCluster));
  }
  if (previous.cluster === PREVIOUS) {
    const prevCluster = findCluster(config, PREVIOUS);
    if (!prevCluster)
      throw new Error(`cluster ${JSON.stringify(PREVIOUS)} not found in kubeconfig`);
    previous = { ...previous, cluster: CURRENT };
    setCluster(next, CURRENT, structuredClone(prevCluster));
  }
  setContext(next, CURRENT, previous);
  setContext(next, PREVIOUS, current);
  next['current-context'] = CURRENT;
  const server = findCluster(next, previous.cluster)?.server ?? '';
  return { config: next, server };
}

export interface CreateContextResult {
  readonly config: Kubeconfig;
  readonly message: string;
}

/**
 * `kubectl ws create-context [name]`: a context (and a cluster of the same name) copied
 * from the current one, optionally pointing at `server`. Switches to it unless
 * `keepCurrent`.
 */
export function createContext(
  config: Kubeconfig,
  options: {
    fromContext: string;
    name: string;
    overwrite: boolean;
    keepCurrent: boolean;
    server?: string;
  },
): CreateContextResult {
  const current = findContext(config, options.fromContext);
  if (!current) {
    throw new Error(
      `current context ${JSON.stringify(options.fromContext)} is not found in kubeconfig`,
    );
  }
  const cluster = findCluster(config, current.cluster);
  if (!cluster) {
    throw new Error(
      `current cluster ${JSON.stringify(current.cluster)} is not found in kubeconfig`,
    );
  }
  const existed = findContext(config, options.name) !== undefined;
  if (existed && !options.overwrite) {
    throw new Error(
      `context ${JSON.stringify(options.name)} already exists in kubeconfig, use --overwrite to update it`,
    );
  }
  const next = structuredClone(config);
  setCluster(next, options.name, {
    ...structuredClone(cluster),
    ...(options.server ? { server: options.server } : {}),
  });
  setContext(next, options.name, { ...structuredClone(current), cluster: options.name });
  next['current-context'] = options.keepCurrent ? config['current-context'] : options.name;
  const verb = existed ? 'Updated' : 'Created';
  const message =
    options.keepCurrent || config['current-context'] === options.name
      ? `${verb} context ${JSON.stringify(options.name)}.\n`
      : `${verb} context ${JSON.stringify(options.name)} and switched to it.\n`;
  return { config: next, message };
}
