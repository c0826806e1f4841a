/**
 * The hub's workspaces, made through the control plane's public API as its admin:
 * `root:kedge` (the catalog; admin-only, since only its creator is admin there), the
 * WorkspaceType `provider` in it (extends universal, allows no child workspaces), and
 * `root:kedge:providers`, the parent of every provider's workspace. Idempotent: it runs on
 * every start and only creates what is missing.
 */
import {
  CATALOG_WORKSPACE,
  PROVIDER_WORKSPACE_TYPE,
  PROVIDERS_WORKSPACE,
} from '../api/providers/types.ts';
import type { Workspace, WorkspaceType } from '../api/tenancy/types.ts';
import type { KubeObject } from '../apimachinery/meta.ts';
import { isAlreadyExists, type KubeClient, type ResourceRef } from '../controller/kube/client.ts';
import { WORKSPACE_TYPES, WORKSPACES } from './refs.ts';

/** A provider's own workspace, where the hub puts its export and identity. */
export function providerWorkspacePath(name: string): string {
  return `${PROVIDERS_WORKSPACE}:${name}`;
}

export async function createIfAbsent(
  client: KubeClient,
  ref: ResourceRef,
  object: KubeObject,
): Promise<void> {
  try {
    await client.create(ref, object.metadata.namespace, object);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

/** `root:kedge:providers` → parent `root:kedge`, name `providers`. */
export function splitPath(path: string): { parent: string; name: string } {
  const i = path.lastIndexOf(':');
  return { parent: path.slice(0, i), name: path.slice(i + 1) };
}

export function workspaceObject(name: string, type?: { name: string; path: string }): Workspace {
  return {
    apiVersion: 'tenancy.kcp.io/v1alpha1',
    kind: 'Workspace',
    metadata: { name },
    spec: type ? { type } : {},
  };
}

export const providerWorkspaceType: WorkspaceType = {
  apiVersion: 'tenancy.kcp.io/v1alpha1',
  kind: 'WorkspaceType',
  metadata: { name: PROVIDER_WORKSPACE_TYPE },
  spec: {
    extend: { with: [{ name: 'universal', path: 'root' }] },
    limitAllowedChildren: { none: true },
  },
};

/** Waits until the workspace at `path` is Ready (polling; workspaces become ready in ms). */
export async function waitWorkspaceReady(
  at: (path: string) => KubeClient,
  path: string,
  timeoutMs: number,
): Promise<Workspace> {
  const { parent, name } = splitPath(path);
  const deadline = Date.now() + timeoutMs;
  let delay = 20;
  for (;;) {
    const ws = await at(parent).getOrUndefined<Workspace>(WORKSPACES, undefined, name);
    if (ws?.status?.phase === 'Ready') return ws;
    if (Date.now() > deadline)
      throw new Error(
        `workspace ${path} is not ready after ${timeoutMs / 1000} s (phase ${ws?.status?.phase ?? 'none'})`,
      );
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 500);
  }
}

/** Makes the catalog workspace, the provider WorkspaceType and the providers workspace. */
export async function ensureTopology(at: (path: string) => KubeClient): Promise<void> {
  const catalog = splitPath(CATALOG_WORKSPACE);
  await createIfAbsent(at(catalog.parent), WORKSPACES, workspaceObject(catalog.name));
  await waitWorkspaceReady(at, CATALOG_WORKSPACE, 30_000);
  await createIfAbsent(at(CATALOG_WORKSPACE), WORKSPACE_TYPES, providerWorkspaceType);
  const providers = splitPath(PROVIDERS_WORKSPACE);
  await createIfAbsent(at(providers.parent), WORKSPACES, workspaceObject(providers.name));
  await waitWorkspaceReady(at, PROVIDERS_WORKSPACE, 30_000);
}
