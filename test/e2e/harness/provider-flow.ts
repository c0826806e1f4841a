/**
 * The provider flow through the API, for the sync agent and fleet benchmarks and the fleet
 * e2e test: a control plane and a `--plain` service cluster as real processes, a provider
 * workspace with its APIExport, `canopy syncagent` between them publishing CloudNativePG's
 * Cluster CRD (a plain CRD on the service cluster: no operator, so PostgreSQL does not hide
 * the control plane's limits), and tenant workspaces created and bound directly through
 * the API (the kubectl workshop steps are `bindTenant` in ./syncagent.ts).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseKubeconfig, serializeKubeconfig } from '../../../src/apimachinery/kubeconfig.ts';
import type { KubeObject } from '../../../src/apimachinery/meta.ts';
import {
  isAlreadyExists,
  KubeClient,
  type ResourceRef,
} from '../../../src/controller/kube/client.ts';
import { CRDS as POSTGRES_CRDS } from '../../../src/postgres/crds/index.ts';
import { CRDS } from '../../../src/syncagent/constants.ts';
import { type CanopyProcess, startCanopy } from './canopy-process.ts';
import { type AgentProcess, PUBLISHED_RESOURCES, startAgent, workdir } from './syncagent.ts';
import { until } from './wait.ts';

export const WORKSPACES: ResourceRef = {
  group: 'tenancy.kcp.io',
  version: 'v1alpha1',
  plural: 'workspaces',
  namespaced: false,
};
export const EXPORTS: ResourceRef = {
  group: 'apis.kcp.io',
  version: 'v1alpha1',
  plural: 'apiexports',
  namespaced: false,
};
export const BINDINGS: ResourceRef = {
  group: 'apis.kcp.io',
  version: 'v1alpha2',
  plural: 'apibindings',
  namespaced: false,
};
export const SLICES: ResourceRef = {
  group: 'apis.kcp.io',
  version: 'v1alpha1',
  plural: 'apiexportendpointslices',
  namespaced: false,
};
export const LOGICAL_CLUSTERS: ResourceRef = {
  group: 'core.kcp.io',
  version: 'v1alpha1',
  plural: 'logicalclusters',
  namespaced: false,
};

/** The provider's export (named after the group, as in the kcp workshop) and its path. */
export const EXPORT_NAME = 'postgresql.cnpg.io';
export const PROVIDER_PATH = 'root:providers:bench';

export { pool } from './pool.ts';

/** Creates the workspace `parent:name` (kept if it exists). */
export async function createWorkspace(root: KubeClient, parent: string, name: string) {
  try {
    await root.scoped(`/clusters/${parent}`).create(WORKSPACES, undefined, {
      apiVersion: 'tenancy.kcp.io/v1alpha1',
      kind: 'Workspace',
      metadata: { name },
    });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

/** Creates the workspace `parent:name` and waits (polling) until it is Ready. */
export async function workspace(root: KubeClient, parent: string, name: string): Promise<void> {
  await createWorkspace(root, parent, name);
  await until(
    `${parent}:${name} Ready`,
    async () =>
      (
        (await root.scoped(`/clusters/${parent}`).get(WORKSPACES, undefined, name)).status as {
          phase?: string;
        }
      )?.phase === 'Ready',
    60_000,
    50,
  );
}

/** The tenant's APIBinding to the provider's export, with `claims` (core resources) accepted. */
export function binding(claims: readonly string[]): KubeObject {
  return {
    apiVersion: 'apis.kcp.io/v1alpha2',
    kind: 'APIBinding',
    metadata: { name: EXPORT_NAME },
    spec: {
      reference: { export: { path: PROVIDER_PATH, name: EXPORT_NAME } },
      permissionClaims: claims.map((resource) => ({
        group: '',
        resource,
        verbs: ['*'],
        selector: { matchAll: true },
        state: 'Accepted',
      })),
    },
  };
}

export interface ProviderFlow {
  readonly kcp: CanopyProcess;
  readonly service: CanopyProcess;
  readonly agent: AgentProcess;
  /** system:masters on the control plane, at its root URL (scope with `/clusters/…`). */
  readonly root: KubeClient;
  /** The provider workspace. */
  readonly provider: KubeClient;
  /** The service cluster. */
  readonly svc: KubeClient;
  /** The export's virtual workspace URL (from its endpoint slice). */
  vwUrl(): Promise<string>;
  stop(): Promise<void>;
}

export interface ProviderFlowOptions {
  /** The PublishedResource for Clusters (YAML), applied once the agent runs. */
  readonly published: string;
  readonly agentArgs?: readonly string[];
  /** NODE_OPTIONS for the three processes (e.g. `--cpu-prof --cpu-prof-dir=…`). */
  readonly nodeOptions?: string;
  /** Called with the agent's output on stop (e.g. to keep it in a file). */
  readonly onAgentOutput?: (output: string) => void;
}

/**
 * Starts both servers, the provider workspace root:providers:bench with an empty APIExport,
 * the agent pointed at it (`--namespace syncagent`) and `published`; resolves when the
 * export publishes Clusters and root:consumers exists.
 */
export async function startProviderFlow(options: ProviderFlowOptions): Promise<ProviderFlow> {
  const env = options.nodeOptions ? { NODE_OPTIONS: options.nodeOptions } : undefined;
  const [kcp, service] = await Promise.all([
    startCanopy({ args: ['--log-level', 'warn'], ...(env ? { env } : {}) }),
    startCanopy({ plain: true, args: ['--log-level', 'warn'], ...(env ? { env } : {}) }),
  ]);
  const dir = workdir('canopy-provider-flow-');
  const root = KubeClient.fromKubeconfig(kcp.kubeconfig).rebase(kcp.url);
  const svc = KubeClient.fromKubeconfig(service.kubeconfig);
  const provider = root.scoped(`/clusters/${PROVIDER_PATH}`);
  let agent: AgentProcess | undefined;
  const stop = async () => {
    if (agent) options.onAgentOutput?.(agent.output());
    await agent?.stop();
    root.close();
    svc.close();
    await Promise.all([kcp.stop(), service.stop()]);
    kcp.cleanup();
    service.cleanup();
    rmSync(dir.dir, { recursive: true, force: true });
  };
  try {
    await workspace(root, 'root', 'providers');
    await workspace(root, 'root', 'consumers');
    await workspace(root, 'root:providers', 'bench');
    await provider.create(EXPORTS, undefined, {
      apiVersion: 'apis.kcp.io/v1alpha1',
      kind: 'APIExport',
      metadata: { name: EXPORT_NAME },
      spec: {},
    });
    const config = parseKubeconfig(readFileSync(kcp.kubeconfig, 'utf8'));
    for (const c of config.clusters) c.cluster.server = `${kcp.url}/clusters/${PROVIDER_PATH}`;
    const agentKubeconfig = join(dir.dir, 'agent.kubeconfig');
    writeFileSync(agentKubeconfig, serializeKubeconfig(config));

    for (const crd of POSTGRES_CRDS) await svc.create(CRDS, undefined, crd);
    agent = await startAgent({
      kcpKubeconfig: agentKubeconfig,
      kubeconfig: service.kubeconfig,
      args: [
        '--namespace',
        'syncagent',
        '--apiexport-ref',
        EXPORT_NAME,
        ...(options.agentArgs ?? []),
      ],
      ...(env ? { env } : {}),
    });
    await svc.patch(PUBLISHED_RESOURCES, undefined, 'publish-cnpg-cluster', options.published, {
      type: 'application/apply-patch+yaml',
      query: { fieldManager: 'bench', force: 'true' },
    });
    await until(
      'the export publishes clusters',
      async () =>
        JSON.stringify(await provider.get(EXPORTS, undefined, EXPORT_NAME)).includes(
          '.clusters.postgresql.cnpg.io',
        ),
      60_000,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const started = agent;
  return {
    kcp,
    service,
    agent: started,
    root,
    provider,
    svc,
    vwUrl: () =>
      until('the endpoint URL', async () => {
        const s = (await provider.get(SLICES, undefined, EXPORT_NAME)) as KubeObject & {
          status?: { endpoints?: { url: string }[] };
        };
        return s.status?.endpoints?.[0]?.url;
      }),
    stop,
  };
}
