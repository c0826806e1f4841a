/**
 * api-syncagent's `syncagent-apiexport` controller: keeps the single APIExport in step
 * with the PublishedResources. Each published group/resource points at its current
 * APIResourceSchema (entries for other resources — schemas added by hand, or left by a
 * deleted PublishedResource — stay); the permission claims the related resources and
 * namespace filters need are added (`all`/`*` verbs), existing claims are kept. Writes
 * v1alpha2 (`resources`, claims with verbs) where the server serves it, v1alpha1
 * (`latestResourceSchemas`, claims with `all`) otherwise, always guarded by the export's
 * resourceVersion. Events `AddingResourceSchemas` and `AddingPermissionClaims` are
 * recorded on the export.
 */

import type { KubeObject } from '../../../apimachinery/meta.ts';
import { isNotFound, type KubeClient, type ResourceRef } from '../../../controller/kube/client.ts';
import type { EventRecorder } from '../../../controller/kube/events.ts';
import type { Reflector } from '../../../controller/kube/reflector.ts';
import { WorkQueue } from '../../../controller/work-queue.ts';
import type { Logger } from '../../../logging/logger.ts';
import { normalize, type PublishedResource } from '../../apis/types.ts';
import { type Claim, claimKey, claimsToAsk } from '../../claims.ts';
import { AGENT_NAME_LABEL, QUEUE_BACKOFF } from '../../constants.ts';
import type { AgentMetrics } from '../../metrics.ts';

export const exportRef = (version: 'v1alpha1' | 'v1alpha2'): ResourceRef => ({
  group: 'apis.kcp.io',
  version,
  plural: 'apiexports',
  namespaced: false,
});

interface ExportV2 extends KubeObject {
  spec: {
    resources?: Array<{ name: string; group: string; schema: string; storage?: unknown }>;
    permissionClaims?: Array<Claim & { verbs?: string[] }>;
    [k: string]: unknown;
  };
}

interface ExportV1 extends KubeObject {
  spec: {
    latestResourceSchemas?: string[];
    permissionClaims?: Array<Claim & { all?: boolean; resourceSelector?: unknown }>;
    [k: string]: unknown;
  };
}

/** `<prefix>.<resource>.<group|core>` → group and resource. */
export function parseSchemaName(name: string): { group: string; resource: string } | undefined {
  const parts = name.split('.');
  if (parts.length < 3) return undefined;
  const resource = parts[1] as string;
  const group = parts.slice(2).join('.');
  return { group: group === 'core' ? '' : group, resource };
}

const byGroupResource = (a: Claim, b: Claim) =>
  a.group === b.group ? a.resource.localeCompare(b.resource) : a.group.localeCompare(b.group);

/** What the PublishedResources need: schemas per group/resource and permission claims. */
export function desiredExport(prs: readonly PublishedResource[]): {
  schemas: Map<string, string>;
  claims: Claim[];
} {
  const schemas = new Map<string, string>();
  const claims = new Map<string, Claim>();
  const add = (c: Claim) => claims.set(claimKey(c), c);
  for (const pr of prs) {
    if (pr.metadata.deletionTimestamp) continue;
    const name = pr.status?.resourceSchemaName;
    if (!name) continue;
    const gr = parseSchemaName(name);
    if (!gr) continue;
    schemas.set(`${gr.group}/${gr.resource}`, name);
    let spec: ReturnType<typeof normalize>;
    try {
      spec = normalize(pr);
    } catch {
      continue;
    }
    for (const c of claimsToAsk(spec)) add(c);
  }
  // Resources the export serves itself need no claim.
  for (const k of schemas.keys())
    for (const [ck, c] of claims) if (`${c.group}/${c.resource}` === k) claims.delete(ck);
  return { schemas, claims: [...claims.values()].sort(byGroupResource) };
}

export interface ApiExportDeps {
  readonly log: Logger;
  readonly agentName: string;
  readonly kcp: KubeClient;
  readonly exportName: string;
  readonly prs: Reflector<PublishedResource>;
  readonly metrics: AgentMetrics;
  readonly events: EventRecorder;
}

export class ApiExportController {
  readonly deps: ApiExportDeps;
  readonly log: Logger;
  readonly queue: WorkQueue;
  #version: 'v1alpha1' | 'v1alpha2' | undefined;

  constructor(deps: ApiExportDeps) {
    this.deps = deps;
    this.log = deps.log.child({ controller: 'apiexport' });
    this.queue = new WorkQueue(() => this.#reconcile(), {
      ...QUEUE_BACKOFF,
      concurrency: 1,
      onError: (_k, err, n) =>
        this.log[n === 1 ? 'warn' : 'debug'](
          { export: deps.exportName, err: (err as Error).message },
          'cannot update the APIExport; retrying',
        ),
    });
    deps.prs.on(() => this.queue.add('export'));
  }

  start(): void {
    this.queue.add('export');
  }

  stop(): void {
    this.queue.stop();
  }

  async #read(): Promise<ExportV1 | ExportV2> {
    const { kcp, exportName } = this.deps;
    if (this.#version) return kcp.get(exportRef(this.#version), undefined, exportName);
    try {
      const e = await kcp.get<ExportV2>(exportRef('v1alpha2'), undefined, exportName);
      this.#version = 'v1alpha2';
      return e;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const e = await kcp.get<ExportV1>(exportRef('v1alpha1'), undefined, exportName);
    this.#version = 'v1alpha1';
    return e;
  }

  async #reconcile(): Promise<{ requeueAfterMs?: number } | undefined> {
    try {
      await this.deps.metrics.timeReconcile('apiexport', () => this.#sync());
    } catch (err) {
      if (isNotFound(err)) this.#version = undefined;
      throw err;
    }
    // Someone may edit the export by hand: check again now and then.
    return { requeueAfterMs: 60_000 };
  }

  async #sync(): Promise<void> {
    const { kcp, exportName, agentName } = this.deps;
    const { schemas, claims } = desiredExport(this.deps.prs.list());
    const current = await this.#read();
    const next = structuredClone(current) as ExportV1 & ExportV2;
    next.metadata.annotations = { ...next.metadata.annotations, [AGENT_NAME_LABEL]: agentName };
    const added: string[] = [];
    const addedClaims: string[] = [];
    if (this.#version === 'v1alpha2') {
      const resources = [...(next.spec.resources ?? [])];
      for (const [gr, schema] of schemas) {
        const [group = '', resource = ''] = gr.split('/');
        const i = resources.findIndex((r) => r.group === group && r.name === resource);
        if (i >= 0 && resources[i]?.schema === schema) continue;
        const entry = { name: resource, group, schema, storage: { crd: {} } };
        if (i >= 0) resources[i] = entry;
        else resources.push(entry);
        added.push(schema);
      }
      next.spec.resources = resources;
      const existing = [...(next.spec.permissionClaims ?? [])];
      for (const c of claims) {
        if (existing.some((e) => claimKey(e) === claimKey(c))) continue;
        existing.push({ ...c, verbs: ['*'] });
        addedClaims.push(`${c.resource}.${c.group || 'core'}`);
      }
      if (addedClaims.length) next.spec.permissionClaims = existing.sort(byGroupResource);
    } else {
      const latest = [...(next.spec.latestResourceSchemas ?? [])];
      for (const [gr, schema] of schemas) {
        if (latest.includes(schema)) continue;
        const i = latest.findIndex((s) => {
          const p = parseSchemaName(s);
          return p && `${p.group}/${p.resource}` === gr;
        });
        if (i >= 0) latest[i] = schema;
        else latest.push(schema);
        added.push(schema);
      }
      next.spec.latestResourceSchemas = latest;
      const existing = [...(next.spec.permissionClaims ?? [])];
      for (const c of claims) {
        if (existing.some((e) => claimKey(e) === claimKey(c))) continue;
        existing.push({ ...c, all: true });
        addedClaims.push(`${c.resource}.${c.group || 'core'}`);
      }
      if (addedClaims.length) next.spec.permissionClaims = existing.sort(byGroupResource);
    }
    const annotated = current.metadata.annotations?.[AGENT_NAME_LABEL] === agentName;
    if (added.length === 0 && addedClaims.length === 0 && annotated) return;
    await kcp.update(exportRef(this.#version ?? 'v1alpha2'), undefined, exportName, next);
    const target = {
      apiVersion: `apis.kcp.io/${this.#version}`,
      kind: 'APIExport',
      name: exportName,
      ...(current.metadata.uid ? { uid: current.metadata.uid } : {}),
    };
    if (added.length) {
      this.log.info(
        { export: exportName, schemas: added },
        'added resource schemas to the APIExport',
      );
      this.deps.events.record(
        target,
        'Normal',
        'AddingResourceSchemas',
        `Adding ${added.join(', ')}`,
      );
    }
    if (addedClaims.length) {
      this.log.info(
        { export: exportName, claims: addedClaims },
        'added permission claims to the APIExport',
      );
      this.deps.events.record(
        target,
        'Normal',
        'AddingPermissionClaims',
        `Adding claims on ${addedClaims.join(', ')}`,
      );
    }
  }
}
