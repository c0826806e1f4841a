/**
 * The workshop's world, which `canopy up` sets up when it is not there yet: the provider
 * workspace `root:providers:database` with its APIExport, the PublishedResources on the
 * service cluster, and the tenant workspace `root:consumers:pg` bound to the export with
 * its claims accepted. Every step goes through the code of the kubectl plugins and the
 * manifests in `examples/dynamic-providers/`, so `up` does exactly what a person following
 * docs/workshop.md does, and leaves alone whatever is already there.
 */
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../apimachinery/meta.ts';
import { POSTGRESQL_EXPORT, POSTGRESQL_WORKSPACE } from '../../hub/builtins/postgresql.ts';
import { bindAPIExport } from '../plugins/bind.ts';
import { openSession, type PluginContext, processContext } from '../plugins/context.ts';
import type { APIExport, KcpClient } from '../plugins/kcp-api.ts';
import { requestPath } from '../plugins/paths.ts';
import { isAlreadyExists, isNotFound } from '../plugins/transport.ts';
import { createWorkspace, poll, useWorkspace } from '../plugins/workspace.ts';

export const EXAMPLES = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'examples',
  'dynamic-providers',
);
// The hub's built-in PostgreSQL provider offers this export: one place names it.
export const PROVIDER_WORKSPACE = POSTGRESQL_WORKSPACE;
export const TENANT_WORKSPACE = 'root:consumers:pg';
export const EXPORT_NAME = POSTGRESQL_EXPORT;
const PUBLISHED = ['resources-cluster.yaml', 'resources-database.yaml'];

/**
 * A plugin context over one kubeconfig file, silent: `canopy up` reports progress in its
 * own words (the plugins' "is ready to use" would read as the stack's ready line).
 */
function contextFor(kubeconfig: string): PluginContext {
  const quiet = () => {};
  return {
    ...processContext({ kubeconfig }),
    io: { out: quiet, err: quiet, readStdin: async () => '' },
  };
}

function readManifests(file: string): KubeObject[] {
  return parseAllDocuments(readFileSync(join(EXAMPLES, file), 'utf8'))
    .map((doc) => doc.toJS() as KubeObject | null)
    .filter((obj): obj is KubeObject => obj !== null);
}

/** The collection URL of `obj`'s kind, found through discovery as kubectl finds it. */
async function collectionPath(client: KcpClient, base: string, obj: KubeObject): Promise<string> {
  const apiVersion = String(obj.apiVersion);
  const root = apiVersion.includes('/')
    ? `${base}/apis/${apiVersion}`
    : `${base}/api/${apiVersion}`;
  const list = await client.get<{
    resources?: Array<{ name: string; kind: string; namespaced: boolean }>;
  }>(root);
  const resource = (list.resources ?? []).find((r) => r.kind === obj.kind && !r.name.includes('/'));
  if (!resource) throw new Error(`the server does not serve ${obj.kind} in ${apiVersion}`);
  const namespace = obj.metadata.namespace ?? 'default';
  return resource.namespaced
    ? `${root}/namespaces/${namespace}/${resource.name}`
    : `${root}/${resource.name}`;
}

/** Creates each object of `file` in `workspace` (a kcp path; none for a plain server) unless it exists. */
async function createMissing(ctx: PluginContext, file: string, workspace?: string): Promise<void> {
  const session = await openSession(ctx);
  const base = workspace ? requestPath(workspace) : '';
  for (const obj of readManifests(file)) {
    try {
      await session.client.create(await collectionPath(session.client, base, obj), obj);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }
}

/**
 * The provider persona: `root:providers:database` with the empty APIExport and the policy
 * that warns tenants about Cluster fields the service does not honour, and
 * `sync-agent.kubeconfig` pointing into that workspace (the workshop's `kubectl ws create
 * database --enter` on a copy of the admin kubeconfig).
 */
export async function setUpProvider(
  adminKubeconfig: string,
  syncAgentKubeconfig: string,
): Promise<void> {
  copyFileSync(adminKubeconfig, syncAgentKubeconfig);
  const ctx = contextFor(syncAgentKubeconfig);
  await useWorkspace(ctx, ':root');
  await createWorkspace(ctx, 'providers', { ignoreExisting: true, enter: true });
  await createWorkspace(ctx, 'database', { ignoreExisting: true, enter: true });
  await createMissing(ctx, 'export.yaml', PROVIDER_WORKSPACE);
  // Warnings to tenants about Cluster fields the local runtime does not honour.
  await createMissing(ctx, 'cluster-policy.yaml', PROVIDER_WORKSPACE);
}

/** The service owner persona: the PublishedResources (their CRD is installed by the agent). */
export async function publishResources(providerKubeconfig: string): Promise<void> {
  const ctx = contextFor(providerKubeconfig);
  for (const file of PUBLISHED) await createMissing(ctx, file);
}

/**
 * The tenant persona: `root:consumers:pg` bound to the export with every claim accepted,
 * once the sync agent has put the schemas and claims into the export. The admin
 * kubeconfig's current workspace is left where it was.
 */
export async function setUpTenant(adminKubeconfig: string, timeoutMs: number): Promise<void> {
  const ctx = contextFor(adminKubeconfig);
  const session = await openSession(ctx, ':root');
  await poll(ctx, 200, timeoutMs, `the sync agent to fill APIExport ${EXPORT_NAME}`, async () =>
    exportIsFilled(session.client),
  );
  await createWorkspace(ctx, 'consumers', { workspace: ':root', ignoreExisting: true });
  await createWorkspace(ctx, 'pg', { workspace: ':root:consumers', ignoreExisting: true });
  try {
    await session.client.getAPIBinding(TENANT_WORKSPACE, 'v1alpha2', EXPORT_NAME);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await bindAPIExport(ctx, `${PROVIDER_WORKSPACE}:${EXPORT_NAME}`, {
      workspace: `:${TENANT_WORKSPACE}`,
      // The workshop accepts secrets and namespaces; the agent also claims events (to tell
      // the tenant about provider-side problems), and the local stack accepts that too.
      acceptAllPermissionClaims: true,
      timeoutMs,
    });
  }
}

/** Both published kinds are in the export and so are the claims the tenant will accept. */
async function exportIsFilled(client: KcpClient): Promise<boolean> {
  let apiExport: APIExport;
  try {
    apiExport = await client.getAPIExport(PROVIDER_WORKSPACE, 'v1alpha2', EXPORT_NAME);
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
  const resources = new Set((apiExport.spec?.resources ?? []).map((r) => r.name));
  const claims = new Set((apiExport.spec?.permissionClaims ?? []).map((c) => c.resource));
  return (
    resources.has('clusters') &&
    resources.has('databases') &&
    claims.has('secrets') &&
    claims.has('namespaces')
  );
}
