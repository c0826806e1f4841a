/**
 * The isolation matrix: every identity × every way into a workspace × every verb × a
 * resource of each kind, on one `canopy start` (the world of harness/tenants.ts), each
 * cell checked against the answer a small model of the policy gives — not against what
 * the server did before.
 *
 * - Identities: the root admin (system:masters), tenants alice and bob, provider paul,
 *   mallory (nobody), anonymous, each tenant's service-account token, and impersonation:
 *   of another user, of system:masters, of a workspace's own service account, of another
 *   workspace's service account (by its cluster extra and by its global name), and the
 *   admin impersonating a tenant and another workspace's service account.
 * - Ways in: a workspace by path, by percent-escaped path and by logical cluster name,
 *   root (and the bare `/api…` paths, which mean root), the `/clusters/*` wildcard, an
 *   unknown path, and the provider's APIExport virtual workspace across tenants and into
 *   each.
 * - Verbs get, list, watch, create (dry run), patch (dry run), delete (of a name that does
 *   not exist: 404 when allowed, so nothing is destroyed); resources ConfigMaps, Secrets,
 *   the bound Widgets, APIBindings and Workspaces; and the discovery and OpenAPI
 *   documents, which say what a workspace serves.
 *
 * A cell passes when the status code is the model's; a refusal must be a Status with that
 * code, and a list that is allowed must hold only the objects of the logical clusters the
 * model says it reaches. One test per identity, each printing every mismatch.
 */

import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKubeconfig } from '../../src/apimachinery/kubeconfig.ts';
import { buildWorld, type Tenant, tokenOf, type World } from './harness/tenants.ts';

type Verb = 'get' | 'list' | 'watch' | 'create' | 'patch' | 'delete';
type Resource = 'configmaps' | 'secrets' | 'widgets' | 'apibindings' | 'workspaces';
type Owner = Tenant | 'paul' | 'root';

const VERBS: readonly Verb[] = ['get', 'list', 'watch', 'create', 'patch', 'delete'];
const RESOURCES: readonly Resource[] = [
  'configmaps',
  'secrets',
  'widgets',
  'apibindings',
  'workspaces',
];

/** Where a request goes. */
type Place =
  | { kind: 'workspace'; owner: Owner; by: 'path' | 'name' | 'escaped path' | 'bare path' }
  | { kind: 'wildcard' }
  | { kind: 'unknown' }
  | { kind: 'vw'; target: Tenant | '*' };

/** What a principal may do in one logical cluster. */
type Rights =
  | 'all' // cluster-admin or system:masters
  | 'tenancy' // root's grants to every authenticated user: read workspaces
  | 'tenancy+create' // … and create them (the world's `tenants` group)
  | 'view' // the `view` role in namespace default (the robots)
  | 'none'; // no entry: workspace access not permitted, or nothing granted

/** Who a request acts as, in the model: its rights per cluster, its reach in the VW. */
interface Principal {
  readonly rights: (cluster: Owner) => Rights;
  /** Has apiexports/content on paul's export `widgets`. */
  readonly provider: boolean;
  /** Refused before anything else (401, or a 403 of the impersonation gatekeeper). */
  readonly refused?: 401 | 403;
}

interface Actor {
  readonly name: string;
  readonly token: (w: World) => string | null;
  readonly headers?: (w: World) => Record<string, string>;
  /** The principal the request acts as, when sent into `cluster` (impersonation is per cluster). */
  readonly as: (cluster: Owner | 'paul-vw') => Principal;
}

const MASTERS: Principal = { rights: () => 'all', provider: true };
const NOBODY: Principal = { rights: () => 'none', provider: false };
/** A member of `tenants`, admin of its own workspace. */
const user = (own: Owner): Principal => ({
  rights: (c) => (c === own ? 'all' : c === 'root' ? 'tenancy+create' : 'none'),
  provider: own === 'paul',
});
/** A workspace's service account: `view` at home; elsewhere only system:authenticated. */
const robot = (home: Tenant): Principal => ({
  rights: (c) => (c === home ? 'view' : c === 'root' ? 'tenancy' : 'none'),
  provider: false,
});
/** Impersonation allowed only where the requester may impersonate: its own workspace. */
const impersonatingIn =
  (home: Owner, then: Principal): ((c: Owner | 'paul-vw') => Principal) =>
  (c) =>
    c === home ? then : NOBODY;

const ACTORS: readonly Actor[] = [
  {
    name: 'root admin',
    token: (w) =>
      parseKubeconfig(readFileSync(w.server.kubeconfig, 'utf8')).users[0]?.user.token ?? null,
    as: () => MASTERS,
  },
  { name: 'alice', token: () => tokenOf('alice'), as: () => user('alice') },
  { name: 'bob', token: () => tokenOf('bob'), as: () => user('bob') },
  { name: 'paul', token: () => tokenOf('paul'), as: () => user('paul') },
  {
    name: 'mallory',
    token: () => tokenOf('mallory'),
    as: () => ({ rights: (c) => (c === 'root' ? 'tenancy' : 'none'), provider: false }),
  },
  { name: 'anonymous', token: () => null, as: () => ({ ...NOBODY, refused: 401 }) },
  { name: 'alice’s robot', token: (w) => w.robots.alice, as: () => robot('alice') },
  { name: 'bob’s robot', token: (w) => w.robots.bob, as: () => robot('bob') },
  {
    name: 'alice as bob',
    token: () => tokenOf('alice'),
    headers: () => ({ 'Impersonate-User': 'bob' }),
    // Bob has nothing in alice's workspace, and alice may impersonate nowhere else.
    as: () => NOBODY,
  },
  {
    name: 'alice as system:masters',
    token: () => tokenOf('alice'),
    headers: () => ({ 'Impersonate-User': 'alice', 'Impersonate-Group': 'system:masters' }),
    as: () => ({ ...NOBODY, refused: 403 }),
  },
  {
    name: 'alice as her robot',
    token: () => tokenOf('alice'),
    headers: () => ({ 'Impersonate-User': 'system:serviceaccount:default:robot' }),
    as: impersonatingIn('alice', robot('alice')),
  },
  {
    name: 'alice as bob’s robot',
    token: () => tokenOf('alice'),
    headers: (w) => ({
      'Impersonate-User': 'system:serviceaccount:default:robot',
      'Impersonate-Extra-Authentication.kcp.io%2Fcluster-name': w.clusters.bob,
    }),
    as: () => ({ ...NOBODY, refused: 403 }),
  },
  {
    name: 'alice as bob’s robot by its global name',
    token: () => tokenOf('alice'),
    headers: (w) => ({
      'Impersonate-User': `system:kcp:serviceaccount:${w.clusters.bob}:default:robot`,
    }),
    as: () => NOBODY,
  },
  {
    name: 'bob’s robot as bob',
    token: (w) => w.robots.bob,
    headers: () => ({ 'Impersonate-User': 'bob' }),
    as: () => NOBODY,
  },
  {
    name: 'root admin as alice',
    token: (w) =>
      parseKubeconfig(readFileSync(w.server.kubeconfig, 'utf8')).users[0]?.user.token ?? null,
    headers: () => ({ 'Impersonate-User': 'alice', 'Impersonate-Group': 'tenants' }),
    as: () => user('alice'),
  },
  {
    name: 'root admin as bob’s robot',
    token: (w) =>
      parseKubeconfig(readFileSync(w.server.kubeconfig, 'utf8')).users[0]?.user.token ?? null,
    headers: (w) => ({
      'Impersonate-User': 'system:serviceaccount:default:robot',
      'Impersonate-Extra-Authentication.kcp.io%2Fcluster-name': w.clusters.bob,
    }),
    as: () => robot('bob'),
  },
];

const PLACES: readonly Place[] = [
  { kind: 'workspace', owner: 'alice', by: 'path' },
  { kind: 'workspace', owner: 'alice', by: 'name' },
  { kind: 'workspace', owner: 'bob', by: 'path' },
  { kind: 'workspace', owner: 'bob', by: 'name' },
  { kind: 'workspace', owner: 'bob', by: 'escaped path' },
  { kind: 'workspace', owner: 'paul', by: 'path' },
  { kind: 'workspace', owner: 'root', by: 'path' },
  { kind: 'workspace', owner: 'root', by: 'bare path' },
  { kind: 'wildcard' },
  { kind: 'unknown' },
  { kind: 'vw', target: '*' },
  { kind: 'vw', target: 'alice' },
  { kind: 'vw', target: 'bob' },
];

/** The object of each resource the world made, and where. */
const FIXTURE: Record<Resource, { name: string; in: readonly Owner[] }> = {
  configmaps: { name: 'c1', in: ['alice', 'bob'] },
  secrets: { name: 's1', in: ['alice', 'bob'] },
  widgets: { name: 'w1', in: ['alice', 'bob'] },
  apibindings: { name: 'widgets', in: ['alice', 'bob'] },
  workspaces: { name: 'alice', in: ['root'] },
};
/** Served in every workspace, except Widgets: only where the export is bound. */
const served = (r: Resource, c: Owner) => r !== 'widgets' || c === 'alice' || c === 'bob';

const placeName = (p: Place) =>
  p.kind === 'workspace'
    ? `${p.owner === 'root' ? 'root' : `root:${p.owner}`}${p.by === 'path' ? '' : ` by ${p.by}`}`
    : p.kind === 'vw'
      ? `virtual workspace ${p.target === '*' ? '*' : p.target}`
      : p.kind === 'wildcard'
        ? '/clusters/*'
        : 'an unknown workspace';

/** Which verbs a cell exists for: no single-object verbs across clusters. */
const applies = (p: Place, verb: Verb) =>
  !(
    (p.kind === 'wildcard' || (p.kind === 'vw' && p.target === '*')) &&
    (verb === 'get' || verb === 'patch')
  );

/** What `rights` allows of `verb` on `resource`. */
function allows(rights: Rights, verb: Verb, resource: Resource): boolean {
  const read = verb === 'get' || verb === 'list' || verb === 'watch';
  switch (rights) {
    case 'all':
      return true;
    case 'tenancy':
      return resource === 'workspaces' && read;
    case 'tenancy+create':
      return resource === 'workspaces' && (read || verb === 'create');
    case 'view':
      return resource === 'configmaps' && read;
    case 'none':
      return false;
  }
}

/** The status an allowed request gets: 404 for what is not there. */
function success(verb: Verb, resource: Resource, cluster: Owner): number {
  if (!served(resource, cluster)) return 404;
  const exists = FIXTURE[resource].in.includes(cluster);
  switch (verb) {
    case 'get':
    case 'patch':
      return exists ? 200 : 404;
    case 'create':
      return 201;
    case 'delete':
      return 404; // the name never exists
    default:
      return 200;
  }
}

/** The model: the status code a cell must get, and the logical clusters a list may show. */
function expected(
  actor: Actor,
  place: Place,
  verb: Verb,
  resource: Resource,
): { code: number; clusters?: readonly Owner[] } {
  const into: Owner | 'paul-vw' =
    place.kind === 'workspace' ? place.owner : place.kind === 'vw' ? 'paul-vw' : 'root';
  const who = actor.as(into);
  if (who.refused === 401) return { code: 401 };
  switch (place.kind) {
    case 'unknown':
      return { code: 403 };
    case 'wildcard': {
      if (who.refused || who.rights('root') !== 'all') return { code: 403 };
      // system:masters reads across clusters; bound resources need their identity there.
      if (verb !== 'list' && verb !== 'watch') return { code: 403 };
      return resource === 'widgets'
        ? { code: 404 }
        : { code: 200, clusters: ['alice', 'bob', 'paul', 'root'] };
    }
    case 'workspace': {
      if (who.refused) return { code: who.refused };
      if (!allows(who.rights(place.owner), verb, resource)) return { code: 403 };
      return { code: success(verb, resource, place.owner), clusters: [place.owner] };
    }
    case 'vw': {
      if (who.refused || !who.provider) return { code: 403 };
      // The export's API set: widgets, its Secrets claim (read), APIBindings (read).
      const inSet = resource === 'widgets' || resource === 'secrets' || resource === 'apibindings';
      const read = verb === 'get' || verb === 'list' || verb === 'watch';
      if (place.target === '*') {
        if (!inSet) return { code: 404 };
        if (!read) return { code: 405 };
        return { code: 200, clusters: ['alice', 'bob'] };
      }
      // Into one tenant: the bound resource fully, the claim and its bindings read-only.
      if (resource === 'widgets') {
        return { code: success(verb, resource, place.target), clusters: [place.target] };
      }
      if (!inSet || !read) return { code: 403 };
      return { code: success(verb, resource, place.target), clusters: [place.target] };
    }
  }
}

/** Discovery and OpenAPI of a place: what it serves is as private as what is in it. */
function expectedDiscovery(actor: Actor, place: Place): number {
  const into: Owner | 'paul-vw' =
    place.kind === 'workspace' ? place.owner : place.kind === 'vw' ? 'paul-vw' : 'root';
  const who = actor.as(into);
  if (who.refused) return who.refused;
  switch (place.kind) {
    case 'unknown':
      return 403;
    case 'wildcard':
      return who.rights('root') === 'all' ? 200 : 403;
    case 'workspace':
      return who.rights(place.owner) === 'none' ? 403 : 200;
    case 'vw':
      return who.provider ? 200 : 403;
  }
}

/** The discovery and OpenAPI documents asked for. */
const DOCUMENTS = ['/api', '/apis', '/openapi/v2', '/openapi/v3'] as const;

// ---- requests -----------------------------------------------------------------------

const COLLECTION: Record<Resource, string> = {
  configmaps: '/api/v1/namespaces/default/configmaps',
  secrets: '/api/v1/namespaces/default/secrets',
  widgets: '/apis/example.com/v1/namespaces/default/widgets',
  apibindings: '/apis/apis.kcp.io/v1alpha2/apibindings',
  workspaces: '/apis/tenancy.kcp.io/v1alpha1/workspaces',
};

function body(resource: Resource, name: string): unknown {
  const metadata = { name };
  switch (resource) {
    case 'configmaps':
      return { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { a: 'b' } };
    case 'secrets':
      return { apiVersion: 'v1', kind: 'Secret', metadata, stringData: { a: 'b' } };
    case 'widgets':
      return { apiVersion: 'example.com/v1', kind: 'Widget', metadata };
    case 'apibindings':
      return {
        apiVersion: 'apis.kcp.io/v1alpha2',
        kind: 'APIBinding',
        metadata,
        spec: { reference: { export: { path: 'root:paul', name: 'widgets' } } },
      };
    case 'workspaces':
      return { apiVersion: 'tenancy.kcp.io/v1alpha1', kind: 'Workspace', metadata };
  }
}

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** One request; a watch answers with its status once the stream starts, then is closed. */
function send(
  w: World,
  ca: Buffer,
  r: {
    method: string;
    path: string;
    token: string | null;
    headers: Record<string, string>;
    body?: string;
  },
): Promise<Answer> {
  const url = new URL(w.server.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: r.method,
        path: r.path,
        ca,
        headers: {
          ...(r.token ? { Authorization: `Bearer ${r.token}` } : {}),
          ...(r.body !== undefined
            ? {
                'Content-Type':
                  r.method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
                'Content-Length': String(Buffer.byteLength(r.body)),
              }
            : {}),
          ...r.headers,
        },
      },
      (res: IncomingMessage) => {
        const streaming = res.statusCode === 200 && /[?&]watch=1/.test(r.path);
        if (streaming) {
          resolve({ status: 200, body: '' });
          res.destroy();
          req.destroy();
          return;
        }
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
    if (r.body !== undefined) req.write(r.body);
    req.end();
  });
}

/** Runs `jobs` with at most `width` at once. */
async function pooled<T>(jobs: Array<() => Promise<T>>, width: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= jobs.length) return;
      out[i] = await (jobs[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return out;
}

describe('the isolation matrix', () => {
  let w: World;
  let ca: Buffer;
  let seq = 0;

  beforeAll(async () => {
    w = await buildWorld();
    const config = parseKubeconfig(readFileSync(w.server.kubeconfig, 'utf8'));
    ca = Buffer.from(config.clusters[0]?.cluster['certificate-authority-data'] ?? '', 'base64');
  });

  afterAll(async () => {
    await w?.stop();
  });

  const prefix = (p: Place): string => {
    switch (p.kind) {
      case 'workspace':
        if (p.by === 'bare path') return '';
        if (p.owner === 'root') return '/clusters/root';
        if (p.by === 'name') return `/clusters/${w.clusters[p.owner]}`;
        return `/clusters/root${p.by === 'escaped path' ? '%3A' : ':'}${p.owner}`;
      case 'wildcard':
        return '/clusters/*';
      case 'unknown':
        return '/clusters/root:nowhere';
      case 'vw':
        return `${w.vw('widgets')}/clusters/${p.target === '*' ? '*' : w.clusters[p.target]}`;
    }
  };

  const cell = async (
    actor: Actor,
    place: Place,
    verb: Verb,
    resource: Resource,
  ): Promise<string | undefined> => {
    const collection = `${prefix(place)}${COLLECTION[resource]}`;
    const fixture = FIXTURE[resource].name;
    const fresh = `matrix-${++seq}`;
    const [method, path, payload] = ((): [string, string, unknown?] => {
      switch (verb) {
        case 'get':
          return ['GET', `${collection}/${fixture}`];
        case 'list':
          return ['GET', collection];
        case 'watch':
          return ['GET', `${collection}?watch=1`];
        case 'create':
          return ['POST', `${collection}?dryRun=All`, body(resource, fresh)];
        case 'patch':
          return [
            'PATCH',
            `${collection}/${fixture}?dryRun=All`,
            { metadata: { labels: { matrix: 'x' } } },
          ];
        case 'delete':
          return ['DELETE', `${collection}/${fresh}`];
      }
    })();
    const answer = await send(w, ca, {
      method,
      path,
      token: actor.token(w),
      headers: actor.headers?.(w) ?? {},
      ...(payload !== undefined ? { body: JSON.stringify(payload) } : {}),
    });
    const want = expected(actor, place, verb, resource);
    const where = `${placeName(place)} ${verb} ${resource}`;
    if (answer.status !== want.code) {
      let message = answer.body.slice(0, 200);
      try {
        message = (JSON.parse(answer.body) as { message?: string }).message ?? message;
      } catch {}
      return `${where}: want ${want.code}, got ${answer.status} (${message})`;
    }
    if (answer.status >= 400) {
      const status = JSON.parse(answer.body) as { kind?: string; code?: number };
      if (status.kind !== 'Status' || status.code !== answer.status)
        return `${where}: a ${answer.status} that is not a Status: ${answer.body.slice(0, 200)}`;
    }
    if (verb === 'list' && answer.status === 200 && want.clusters) {
      const names = new Set(want.clusters.map((c) => (c === 'root' ? 'root' : w.clusters[c])));
      const items = (
        JSON.parse(answer.body) as {
          items: Array<{ metadata: { name: string; annotations?: Record<string, string> } }>;
        }
      ).items;
      for (const item of items) {
        const from = item.metadata.annotations?.['kcp.io/cluster'];
        if (!from || !names.has(from))
          return `${where}: lists ${item.metadata.name} of cluster ${from}, outside ${[...want.clusters].join(', ')}`;
      }
    }
    return undefined;
  };

  const document = async (actor: Actor, place: Place, doc: string): Promise<string | undefined> => {
    const answer = await send(w, ca, {
      method: 'GET',
      path: `${prefix(place)}${doc}`,
      token: actor.token(w),
      headers: actor.headers?.(w) ?? {},
    });
    const want = expectedDiscovery(actor, place);
    if (answer.status === want) return undefined;
    return `${placeName(place)} GET ${doc}: want ${want}, got ${answer.status} (${answer.body.slice(0, 200)})`;
  };

  for (const actor of ACTORS) {
    it(`answers every cell for ${actor.name}`, async () => {
      const jobs: Array<() => Promise<string | undefined>> = [];
      for (const place of PLACES) {
        for (const resource of RESOURCES)
          for (const verb of VERBS)
            if (applies(place, verb)) jobs.push(() => cell(actor, place, verb, resource));
        for (const doc of DOCUMENTS) jobs.push(() => document(actor, place, doc));
      }
      const mismatches = (await pooled(jobs, 8)).filter((m): m is string => m !== undefined);
      expect(mismatches).toEqual([]);
    });
  }

  it('left nothing behind: every write was a dry run or refused', async () => {
    for (const owner of ['alice', 'bob', 'paul'] as const) {
      for (const resource of ['configmaps', 'secrets', 'apibindings', 'workspaces'] as const) {
        const list = await w.json<{
          items: Array<{ metadata: { name: string; labels?: Record<string, string> } }>;
        }>({
          path: `/clusters/root:${owner}${COLLECTION[resource]}`,
        });
        const names = list.items.map((i) => i.metadata.name);
        expect(names.filter((n) => n.startsWith('matrix-'))).toEqual([]);
        expect(list.items.filter((i) => i.metadata.labels?.matrix)).toEqual([]);
      }
    }
  });
});
