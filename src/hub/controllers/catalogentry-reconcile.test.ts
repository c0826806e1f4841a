import { describe, expect, it } from 'vitest';
import type { APIExport, APIResourceSchema } from '../../api/apis/types.ts';
import type { Secret } from '../../api/core/types.ts';
import type { CatalogEntry } from '../../api/providers/types.ts';
import type { Workspace } from '../../api/tenancy/types.ts';
import { parseKubeconfig } from '../../apimachinery/kubeconfig.ts';
import type { KubeObject } from '../../apimachinery/meta.ts';
import { KubeError, type ResourceRef } from '../../controller/kube/client.ts';
import {
  CLUSTER_ROLE_BINDINGS,
  CLUSTER_ROLES,
  ENDPOINT_SLICES,
  EXPORTS,
  SCHEMAS,
  SECRETS,
  WORKSPACES,
} from '../refs.ts';
import {
  cleanupEntry,
  type Objects,
  type Outcome,
  reconcileEntry,
  SOON_MS,
} from './catalogentry-reconcile.ts';
import { KUBECONFIG_SECRET, SCHEMA_HASH_ANNOTATION } from './provisioning.ts';

const WS = 'root:kedge:providers:p';
const EXPORT = 'p.providers.kedge.faros.sh';

/** The control plane in memory, with what its controllers would do made explicit. */
class FakeControlPlane implements Objects {
  readonly objects = new Map<string, KubeObject>();
  /** What the control plane's controllers do once an object exists (made Ready, given a token…). */
  settle = true;

  static key(path: string, ref: ResourceRef, name: string, namespace?: string): string {
    return `${path}|${ref.group}/${ref.plural}|${ref.namespaced ? (namespace ?? '') : ''}|${name}`;
  }

  put(path: string, ref: ResourceRef, obj: KubeObject): void {
    this.objects.set(
      FakeControlPlane.key(path, ref, obj.metadata.name ?? '', obj.metadata.namespace),
      obj,
    );
  }

  find<T extends KubeObject>(
    path: string,
    ref: ResourceRef,
    name: string,
    namespace?: string,
  ): T | undefined {
    return this.objects.get(FakeControlPlane.key(path, ref, name, namespace)) as T | undefined;
  }

  async get<T extends KubeObject>(
    path: string,
    ref: ResourceRef,
    name: string,
    namespace?: string,
  ) {
    return this.find<T>(path, ref, name, namespace);
  }

  async create<T extends KubeObject>(path: string, ref: ResourceRef, obj: T): Promise<T> {
    if (this.find(path, ref, obj.metadata.name ?? '', obj.metadata.namespace))
      throw new KubeError(409, 'AlreadyExists', 'exists');
    const stored = structuredClone(obj);
    this.put(path, ref, stored);
    if (this.settle) this.#settle(ref, stored);
    return structuredClone(stored);
  }

  async update<T extends KubeObject>(path: string, ref: ResourceRef, obj: T): Promise<T> {
    if (!this.find(path, ref, obj.metadata.name ?? '', obj.metadata.namespace))
      throw new KubeError(404, 'NotFound', 'gone');
    this.put(path, ref, structuredClone(obj));
    return obj;
  }

  async remove(path: string, ref: ResourceRef, name: string, namespace?: string): Promise<void> {
    this.objects.delete(FakeControlPlane.key(path, ref, name, namespace));
  }

  #settle(ref: ResourceRef, obj: KubeObject): void {
    if (ref === WORKSPACES) {
      (obj as Workspace).spec.cluster = `lc-${obj.metadata.name}`;
      (obj as Workspace).status = { phase: 'Ready' };
    }
    if (ref === EXPORTS) (obj as APIExport).status = { identityHash: 'hash-1' };
    if (ref === SECRETS && (obj as Secret).type === 'kubernetes.io/service-account-token')
      (obj as Secret).data = { token: Buffer.from('provider-token').toString('base64') };
    if (ref === ENDPOINT_SLICES)
      obj.status = { endpoints: [{ url: 'https://cp/services/apiexport/lc/p' }] };
  }
}

const schemaBody = (prefix: string, replicasType = 'integer') => `apiVersion: apis.kcp.io/v1alpha1
kind: APIResourceSchema
metadata:
  name: ${prefix}.things.p.io
spec:
  group: p.io
  names: {kind: Thing, listKind: ThingList, plural: things, singular: thing}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {replicas: {type: ${replicasType}}}}
`;

function entry(
  spec: Partial<CatalogEntry['spec']> = {},
  annotations?: Record<string, string>,
): CatalogEntry {
  return {
    apiVersion: 'providers.kedge.faros.sh/v1alpha1',
    kind: 'CatalogEntry',
    metadata: { name: 'p', generation: 1, ...(annotations ? { annotations } : {}) },
    spec: {
      displayName: 'P',
      apiExport: {
        name: EXPORT,
        permissionClaims: [
          { group: '', resource: 'configmaps', verbs: ['get', 'list'], tenantScoped: true },
        ],
        schemas: [{ groupResource: 'things.p.io', body: schemaBody('v1') }],
      },
      ...spec,
    },
  };
}

const NOW = Date.parse('2026-06-01T12:00:00Z');

async function run(cp: FakeControlPlane, e: CatalogEntry, now = NOW): Promise<Outcome> {
  return reconcileEntry(e, {
    objects: cp,
    origin: 'https://cp:6443',
    caData: 'Q0E=',
    now: () => now,
  });
}

/** Reconciles until nothing is waited for (as the queue would), at most 10 rounds. */
async function settle(cp: FakeControlPlane, e: CatalogEntry, now = NOW): Promise<Outcome> {
  let out = await run(cp, e, now);
  for (let i = 0; i < 10 && out.requeueAfterMs === SOON_MS; i++)
    out = await run(cp, { ...e, status: out.status }, now);
  return out;
}

const condition = (out: Outcome, type: string) =>
  out.status.conditions?.find((c) => c.type === type);
const summary = (out: Outcome) =>
  Object.fromEntries((out.status.conditions ?? []).map((c) => [c.type, `${c.status} ${c.reason}`]));

describe('reconcileEntry', () => {
  it('makes the workspace, schema, export, slice, grant and identity, then is Ready', async () => {
    const cp = new FakeControlPlane();
    const out = await settle(cp, entry());
    expect(summary(out)).toEqual({
      WorkspaceReady: 'True Ready',
      SchemasApplied: 'True Applied',
      APIExportReady: 'True Ready',
      BindGrantReady: 'True Granted',
      IdentityReady: 'True Ready',
      Ready: 'True Ready',
    });
    expect(out.status).toMatchObject({
      workspace: WS,
      logicalCluster: 'lc-p',
      identityHash: 'hash-1',
      observedGeneration: 1,
      kubeconfigSecret: { namespace: 'default', name: KUBECONFIG_SECRET },
      endpoints: { virtualWorkspace: 'https://cp/services/apiexport/lc/p' },
    });
    expect(out.requeueAfterMs).toBeUndefined();
    expect(cp.find<Workspace>('root:kedge:providers', WORKSPACES, 'p')?.spec.type).toEqual({
      name: 'provider',
      path: 'root:kedge',
    });
    const schema = cp.find<APIResourceSchema>(WS, SCHEMAS, 'v1.things.p.io');
    expect(schema?.metadata.annotations?.[SCHEMA_HASH_ANNOTATION]).toMatch(/^[0-9a-f]{32}$/);
    // CRD-style bodies are stored as kcp holds schemas.
    expect(schema?.spec.versions[0]?.schema?.type).toBe('object');
    expect(cp.find<APIExport>(WS, EXPORTS, EXPORT)?.spec).toEqual({
      resources: [
        { name: 'things', group: 'p.io', schema: 'v1.things.p.io', storage: { crd: {} } },
      ],
      permissionClaims: [{ group: '', resource: 'configmaps', verbs: ['get', 'list'] }],
    });
    const grant = cp.find<KubeObject & { rules: unknown; subjects: unknown }>(
      WS,
      CLUSTER_ROLES,
      `kedge:providers:bind:${EXPORT}`,
    );
    expect(grant?.rules).toEqual([
      {
        apiGroups: ['apis.kcp.io'],
        resources: ['apiexports'],
        resourceNames: [EXPORT],
        verbs: ['bind'],
      },
    ]);
    expect(
      cp.find<KubeObject & { subjects: unknown }>(
        WS,
        CLUSTER_ROLE_BINDINGS,
        `kedge:providers:bind:${EXPORT}`,
      )?.subjects,
    ).toEqual([
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:authenticated' },
    ]);
    const secret = cp.find<Secret>(WS, SECRETS, KUBECONFIG_SECRET, 'default');
    const kubeconfig = parseKubeconfig(
      Buffer.from(secret?.data?.kubeconfig ?? '', 'base64').toString(),
    );
    expect(kubeconfig.clusters[0]?.cluster.server).toBe('https://cp:6443/clusters/lc-p');
    expect(kubeconfig.users[0]?.user.token).toBe('provider-token');
  });

  it.each<[string, (cp: FakeControlPlane) => void, Record<string, string>]>([
    [
      'a workspace still initializing',
      (cp) => {
        cp.settle = false;
      },
      {
        WorkspaceReady: 'False Scheduling',
        SchemasApplied: 'False Waiting',
        Ready: 'False Scheduling',
      },
    ],
    [
      'an export without identity yet',
      (cp) => {
        cp.put('root:kedge:providers', WORKSPACES, {
          metadata: { name: 'p' },
          spec: { cluster: 'lc-p' },
          status: { phase: 'Ready' },
        } as Workspace);
        cp.settle = false;
      },
      {
        APIExportReady: 'False IdentityPending',
        BindGrantReady: 'False Waiting',
        Ready: 'False IdentityPending',
      },
    ],
  ])('waits for %s, saying so, and comes back soon', async (_, setup, expected) => {
    const cp = new FakeControlPlane();
    setup(cp);
    const out = await run(cp, entry());
    expect(summary(out)).toMatchObject(expected);
    expect(out.requeueAfterMs).toBe(SOON_MS);
  });

  it('refuses a changed schema under its old name and keeps the export on the old schema', async () => {
    const cp = new FakeControlPlane();
    await settle(cp, entry());
    const changed = entry({
      apiExport: {
        name: EXPORT,
        permissionClaims: [],
        schemas: [{ groupResource: 'things.p.io', body: schemaBody('v1', 'string') }],
      },
    });
    const out = await settle(cp, changed);
    expect(summary(out)).toMatchObject({
      SchemasApplied: 'False SchemaChanged',
      Ready: 'False SchemaChanged',
    });
    expect(condition(out, 'SchemasApplied')?.message).toContain(
      'v1.things.p.io already exists with a different spec',
    );
    expect(cp.find<APIExport>(WS, EXPORTS, EXPORT)?.spec.resources?.[0]?.schema).toBe(
      'v1.things.p.io',
    );

    // A new name is added and the export moves to it; the old schema stays for old bindings.
    const renamed = entry({
      apiExport: {
        name: EXPORT,
        schemas: [{ groupResource: 'things.p.io', body: schemaBody('v2', 'string') }],
      },
    });
    const next = await settle(cp, renamed);
    expect(summary(next)).toMatchObject({ SchemasApplied: 'True Applied', Ready: 'True Ready' });
    expect(cp.find<APIExport>(WS, EXPORTS, EXPORT)?.spec.resources?.[0]?.schema).toBe(
      'v2.things.p.io',
    );
    expect(cp.find(WS, SCHEMAS, 'v1.things.p.io')).toBeDefined();
  });

  it('keeps an entry with untrusted claims from being offered until it is approved', async () => {
    const cp = new FakeControlPlane();
    const claims = [{ group: '', resource: 'secrets', verbs: ['get'], tenantScoped: false }];
    const untrusted = entry({ apiExport: { name: EXPORT, permissionClaims: claims } });
    const out = await settle(cp, untrusted);
    expect(summary(out)).toMatchObject({
      WorkspaceReady: 'True Ready',
      APIExportReady: 'False UntrustedClaims',
      BindGrantReady: 'False Waiting',
      Ready: 'False UntrustedClaims',
    });
    expect(condition(out, 'Ready')?.message).toContain('get on secrets.core');
    expect(condition(out, 'Ready')?.message).toContain('kedge.faros.sh/accept-untrusted-claims');
    expect(cp.find(WS, EXPORTS, EXPORT)).toBeUndefined();
    expect(out.requeueAfterMs).toBeUndefined();

    const approved = entry(
      { apiExport: { name: EXPORT, permissionClaims: claims } },
      { 'kedge.faros.sh/accept-untrusted-claims': 'true' },
    );
    expect(summary(await settle(cp, approved))).toMatchObject({ Ready: 'True Ready' });
    expect(cp.find(WS, CLUSTER_ROLES, `kedge:providers:bind:${EXPORT}`)).toBeDefined();

    // Taking the approval back withdraws the bind grant.
    await settle(cp, untrusted);
    expect(cp.find(WS, CLUSTER_ROLES, `kedge:providers:bind:${EXPORT}`)).toBeUndefined();
    expect(cp.find(WS, CLUSTER_ROLE_BINDINGS, `kedge:providers:bind:${EXPORT}`)).toBeUndefined();
  });

  it('offers an export managed elsewhere with its own claims, making nothing but grants and identity there', async () => {
    const cp = new FakeControlPlane();
    const path = 'root:providers:database';
    // Its parent not there either: the control plane answers 403 for an unknown workspace.
    const get = cp.get.bind(cp);
    cp.get = async (p, ref, name, ns) => {
      if (p === 'root:providers' && !cp.find(p, ref, name, ns))
        throw new KubeError(403, 'Forbidden', 'workspace access not permitted');
      return get(p, ref, name, ns);
    };
    const missing = entry({ apiExport: { name: 'postgresql.cnpg.io', path } });
    expect(summary(await settle(cp, missing))).toMatchObject({
      WorkspaceReady: 'False WorkspaceNotFound',
      Ready: 'False WorkspaceNotFound',
    });
    cp.put('root:providers', WORKSPACES, {
      metadata: { name: 'database' },
      spec: { cluster: 'lc-db' },
      status: { phase: 'Ready' },
    } as Workspace);
    const db = entry({
      apiExport: {
        name: 'postgresql.cnpg.io',
        path,
        permissionClaims: [{ resource: 'secrets', verbs: ['*'], tenantScoped: true }],
      },
    });
    const waiting = await settle(cp, db);
    expect(summary(waiting)).toMatchObject({
      SchemasApplied: 'True ManagedElsewhere',
      APIExportReady: 'False APIExportNotFound',
    });
    expect(waiting.requeueAfterMs).toBeGreaterThan(SOON_MS);

    cp.put(path, EXPORTS, {
      metadata: { name: 'postgresql.cnpg.io' },
      spec: {},
      status: { identityHash: 'db-hash' },
    } as APIExport);
    expect(summary(await settle(cp, db))).toMatchObject({
      APIExportReady: 'False NoResources',
      Ready: 'False NoResources',
    });

    cp.put(path, EXPORTS, {
      metadata: { name: 'postgresql.cnpg.io' },
      spec: {
        resources: [
          {
            name: 'clusters',
            group: 'postgresql.cnpg.io',
            schema: 'v1.clusters.postgresql.cnpg.io',
            storage: { crd: {} },
          },
        ],
        permissionClaims: [
          { group: '', resource: 'secrets', verbs: ['*'] },
          { group: '', resource: 'events', verbs: ['*'] },
        ],
      },
      status: { identityHash: 'db-hash' },
    } as APIExport);
    const untrusted = await settle(cp, db);
    // The export claims events too, which the entry does not call tenant-scoped.
    expect(summary(untrusted)).toMatchObject({ Ready: 'False UntrustedClaims' });
    expect(condition(untrusted, 'Ready')?.message).toContain('events.core');

    const declared = entry({
      apiExport: {
        name: 'postgresql.cnpg.io',
        path,
        permissionClaims: [
          { resource: 'secrets', verbs: ['*'], tenantScoped: true },
          { resource: 'events', verbs: ['*'], tenantScoped: true },
        ],
      },
    });
    const out = await settle(cp, declared);
    expect(summary(out)).toMatchObject({ Ready: 'True Ready' });
    expect(out.status).toMatchObject({
      workspace: path,
      logicalCluster: 'lc-db',
      identityHash: 'db-hash',
    });
    expect(out.claims.map((c) => [c.resource, c.tenantScoped])).toEqual([
      ['secrets', true],
      ['events', true],
    ]);
    expect(cp.find('root:kedge:providers', WORKSPACES, 'p')).toBeUndefined();
    expect(cp.find(path, CLUSTER_ROLES, 'kedge:providers:bind:postgresql.cnpg.io')).toBeDefined();

    await cleanupEntry(declared, cp);
    expect(cp.find(path, CLUSTER_ROLES, 'kedge:providers:bind:postgresql.cnpg.io')).toBeUndefined();
    expect(cp.find(path, SECRETS, KUBECONFIG_SECRET, 'default')).toBeUndefined();
    expect(cp.find(path, EXPORTS, 'postgresql.cnpg.io')).toBeDefined();
  });

  it.each<[string, string | undefined, string]>([
    ['a provider that never sent one', undefined, 'True Ready'],
    ['a heartbeat 30 s ago', '2026-06-01T11:59:30Z', 'True Ready'],
    ['a heartbeat 2 minutes ago', '2026-06-01T11:58:00Z', 'False HeartbeatMissed'],
  ])('is Ready or not after %s', async (_, lastHeartbeat, ready) => {
    const cp = new FakeControlPlane();
    const e = entry();
    await settle(cp, e);
    const out = await run(cp, { ...e, status: lastHeartbeat ? { lastHeartbeat } : {} });
    expect(summary(out).Ready).toBe(ready);
    expect(out.status.lastHeartbeat).toBe(lastHeartbeat);
    if (lastHeartbeat === '2026-06-01T11:59:30Z') expect(out.requeueAfterMs).toBe(60_100);
  });

  it('reports an invalid entry a control plane let through, and makes nothing', async () => {
    const cp = new FakeControlPlane();
    const bad = entry({
      apiExport: {
        name: EXPORT,
        schemas: [{ groupResource: 'things.p.io', body: 'kind: ConfigMap' }],
      },
    });
    const out = await run(cp, bad);
    expect(summary(out)).toMatchObject({
      WorkspaceReady: 'False InvalidSpec',
      Ready: 'False InvalidSpec',
    });
    expect(condition(out, 'Ready')?.message).toContain('spec.apiExport.schemas[0].body');
    expect(cp.objects.size).toBe(0);
    expect(out.requeueAfterMs).toBeUndefined();
  });

  it('has nothing to clean up in a workspace managed elsewhere that does not exist', async () => {
    const cp = new FakeControlPlane();
    // As the control plane answers for a workspace that is not there: unknown is forbidden.
    cp.remove = async () => {
      throw new KubeError(403, 'Forbidden', 'workspace access not permitted');
    };
    const db = entry({
      apiExport: { name: 'postgresql.cnpg.io', path: 'root:providers:database' },
    });
    expect(await cleanupEntry(db, cp)).toBe(true);
  });

  it('cleans up a provider workspace it made by deleting it, done once it is gone', async () => {
    const cp = new FakeControlPlane();
    await settle(cp, entry());
    expect(await cleanupEntry(entry(), cp)).toBe(true);
    expect(cp.find('root:kedge:providers', WORKSPACES, 'p')).toBeUndefined();
  });
});
