/**
 * What a client sends, read as kube-apiserver reads it, against `canopy start --plain`:
 * metadata and TypeMeta of the wrong JSON type (refused at decode, never stored), patches
 * that remove the object's identity, malformed DeleteOptions (nothing deleted), query
 * parameters converted as upstream converts them (booleans, int64s, 400 against 422),
 * names on the URL that no object can have, dry-run answers, and watches of one object.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CanopyProcess, startCanopy } from './harness/canopy-process.ts';
import { httpClient, type RawRequest, type RawResponse } from './harness/http.ts';
import { kubectl } from './harness/kubectl.ts';
import { serveOpenWidgets } from './harness/manifests.ts';
import { until } from './harness/wait.ts';

const CM = '/api/v1/namespaces/default/configmaps';
const MERGE = { 'content-type': 'application/merge-patch+json' };
const STRATEGIC = { 'content-type': 'application/strategic-merge-patch+json' };
const APPLY = { 'content-type': 'application/apply-patch+yaml' };

interface StatusBody {
  kind: string;
  code: number;
  reason: string;
  message: string;
  metadata?: { continue?: string };
  details?: { causes?: Array<{ field?: string; message?: string }> };
}

let server: CanopyProcess;
let send: (r: RawRequest) => Promise<RawResponse>;

const json = (body: unknown) => JSON.stringify(body);
const status = (res: RawResponse) => JSON.parse(res.body) as StatusBody;

beforeAll(async () => {
  server = await startCanopy({ plain: true });
  send = httpClient(server.kubeconfig);
  await serveOpenWidgets(send);
});

afterAll(async () => {
  await server?.stop();
  server?.cleanup();
});

/** Five kinds: built-ins (namespaced and cluster-scoped, core and a group) and a custom one. */
const KINDS = [
  { collection: CM, apiVersion: 'v1', kind: 'ConfigMap' },
  { collection: '/api/v1/namespaces/default/secrets', apiVersion: 'v1', kind: 'Secret' },
  { collection: '/api/v1/namespaces', apiVersion: 'v1', kind: 'Namespace' },
  {
    collection: '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles',
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
  },
  {
    collection: '/apis/example.com/v1/namespaces/default/widgets',
    apiVersion: 'example.com/v1',
    kind: 'Widget',
  },
];

/** A field of ObjectMeta or TypeMeta and a value whose JSON type Go cannot decode into it. */
const WRONG: Array<[string, Record<string, unknown>]> = [
  ['metadata.labels', { metadata: { labels: 'x' } }],
  ['metadata.labels[a]', { metadata: { labels: { a: 1 } } }],
  ['metadata.annotations', { metadata: { annotations: ['a'] } }],
  ['metadata.annotations[a]', { metadata: { annotations: { a: true } } }],
  ['metadata.finalizers', { metadata: { finalizers: 'example.com/x' } }],
  ['metadata.finalizers[0]', { metadata: { finalizers: [7] } }],
  ['metadata.ownerReferences', { metadata: { ownerReferences: {} } }],
  [
    'metadata.ownerReferences[0].uid',
    {
      metadata: {
        ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'o', uid: 5 }],
      },
    },
  ],
  ['metadata.generateName', { metadata: { generateName: 5 } }],
  ['metadata.generation', { metadata: { generation: '1' } }],
  ['metadata.generation', { metadata: { generation: 1.5 } }],
  ['metadata.deletionGracePeriodSeconds', { metadata: { deletionGracePeriodSeconds: [] } }],
  ['metadata.creationTimestamp', { metadata: { creationTimestamp: 5 } }],
  ['metadata.creationTimestamp', { metadata: { creationTimestamp: 'yesterday' } }],
  ['metadata.uid', { metadata: { uid: {} } }],
  ['metadata.resourceVersion', { metadata: { resourceVersion: 5 } }],
  ['metadata.selfLink', { metadata: { selfLink: false } }],
  ['metadata.managedFields', { metadata: { managedFields: 'x' } }],
  ['metadata.managedFields[0].manager', { metadata: { managedFields: [{ manager: 1 }] } }],
  ['metadata', { metadata: 'x' }],
  ['apiVersion', { apiVersion: 5 }],
  ['kind', { kind: ['ConfigMap'] }],
];

describe('metadata and TypeMeta of the wrong JSON type', () => {
  const cases = KINDS.flatMap((k) =>
    WRONG.map(([field, patch], i) => ({ ...k, field, patch, name: `wrong-${i}` })),
  );

  it.each(cases)('$kind: $field $patch → 400, nothing stored', async (c) => {
    const body = {
      apiVersion: c.apiVersion,
      kind: c.kind,
      ...c.patch,
      metadata: { name: c.name, ...(c.patch.metadata as object | undefined) },
    };
    if (typeof c.patch.metadata === 'string') body.metadata = c.patch.metadata as never;
    const res = await send({ method: 'POST', path: c.collection, body: json(body) });
    expect(res.status, res.body).toBe(400);
    const s = status(res);
    expect(s).toMatchObject({ kind: 'Status', code: 400, reason: 'BadRequest' });
    expect(s.message).toContain(`${c.kind} in version "v1" cannot be handled as a ${c.kind}`);
    expect(s.details?.causes?.map((cause) => cause.field)).toContain(c.field);
    expect((await send({ path: `${c.collection}/${c.name}` })).status).toBe(404);
  });

  it('refuses a name of the wrong type, and stores nothing under any name', async () => {
    const before = JSON.parse((await send({ path: CM })).body).items.length;
    const res = await send({
      method: 'POST',
      path: CM,
      body: json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 123 } }),
    });
    expect(res.status).toBe(400);
    expect(status(res).message).toBe(
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string',
    );
    expect(JSON.parse((await send({ path: CM })).body).items.length).toBe(before);
  });

  it('decodes null as the zero value, as Go does', async () => {
    const res = await send({
      method: 'POST',
      path: CM,
      body: json({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'nulls', labels: null, annotations: null, finalizers: null },
        data: null,
      }),
    });
    expect(res.status, res.body).toBe(201);
  });

  it('refuses the same on update (400) and in a patch result (422), leaving the object as it was', async () => {
    const created = await send({
      method: 'POST',
      path: CM,
      body: json({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'typed' },
        data: { a: 'b' },
      }),
    });
    expect(created.status).toBe(201);
    const current = JSON.parse(created.body);
    const put = await send({
      method: 'PUT',
      path: `${CM}/typed`,
      body: json({ ...current, metadata: { ...current.metadata, finalizers: 'x' } }),
    });
    expect(put.status).toBe(400);
    for (const patch of [
      { metadata: { labels: 'x' } },
      { metadata: { finalizers: 'x' } },
      { metadata: 5 },
      { metadata: { ownerReferences: [{ uid: 5 }] } },
    ]) {
      const res = await send({
        method: 'PATCH',
        path: `${CM}/typed`,
        body: json(patch),
        headers: MERGE,
      });
      expect(res.status, json(patch)).toBe(422);
      expect(status(res).reason).toBe('Invalid');
    }
    const apply = await send({
      method: 'PATCH',
      path: `${CM}/typed?fieldManager=tester`,
      body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: typed\n  labels: x\n',
      headers: APPLY,
    });
    expect(apply.status).toBe(400);
    expect(status(apply).message).toContain('failed to create typed patch object');
    const after = JSON.parse((await send({ path: `${CM}/typed` })).body);
    expect(after.metadata.resourceVersion).toBe(current.metadata.resourceVersion);
  });

  it('keeps every stored object decodable: kubectl-style typed reads of the list still work', async () => {
    const list = JSON.parse((await send({ path: CM })).body) as {
      items: Array<{ metadata: Record<string, unknown> }>;
    };
    for (const item of list.items) {
      expect(typeof item.metadata.name).toBe('string');
      for (const f of ['labels', 'annotations'] as const) {
        const v = item.metadata[f];
        if (v !== undefined) {
          expect(Object.values(v as object).every((x) => typeof x === 'string')).toBe(true);
        }
      }
      if (item.metadata.finalizers !== undefined) {
        expect(Array.isArray(item.metadata.finalizers)).toBe(true);
      }
    }
  });
});

describe('patches that remove what names the object', () => {
  const seed = async (name: string) => {
    const res = await send({
      method: 'POST',
      path: CM,
      body: json({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, labels: { keep: 'me' }, finalizers: ['example.com/hold'] },
        data: { a: 'b' },
      }),
    });
    expect(res.status).toBe(201);
    return JSON.parse(res.body);
  };

  it.each([
    ['a merge patch of metadata: null', '{"metadata":null}', MERGE],
    ['a strategic patch $patch: delete', '{"$patch":"delete"}', STRATEGIC],
    ['a merge patch that drops the name', '{"metadata":{"name":null}}', MERGE],
    [
      'a JSON patch that removes metadata',
      '[{"op":"remove","path":"/metadata"}]',
      {
        'content-type': 'application/json-patch+json',
      },
    ],
  ])('%s → 400, nothing changed', async (_what, body, headers) => {
    const name = `identity-${Math.random().toString(36).slice(2, 8)}`;
    const before = await seed(name);
    const res = await send({ method: 'PATCH', path: `${CM}/${name}`, body, headers });
    expect(res.status, res.body).toBe(400);
    expect(status(res).message).toBe(
      `the name of the object () does not match the name on the URL (${name})`,
    );
    const after = JSON.parse((await send({ path: `${CM}/${name}` })).body);
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(after.data).toEqual({ a: 'b' });
  });

  it('refuses a PUT whose body names no object (400), as upstream', async () => {
    await seed('unnamed-put');
    const res = await send({
      method: 'PUT',
      path: `${CM}/unnamed-put`,
      body: json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {}, data: {} }),
    });
    expect(res.status).toBe(400);
  });
});

describe('DeleteOptions', () => {
  const make = async (name: string, extra: Record<string, unknown> = {}) => {
    const res = await send({
      method: 'POST',
      path: CM,
      body: json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...extra } }),
    });
    expect(res.status).toBe(201);
    return JSON.parse(res.body) as { metadata: { uid: string; name: string } };
  };

  it.each([
    ['dryRun as a string', { dryRun: 'All' }],
    ['a precondition uid that is a number', { preconditions: { uid: 5 } }],
    ['preconditions that are a list', { preconditions: [] }],
    ['a grace period that is a string', { gracePeriodSeconds: '30' }],
    ['a fractional grace period', { gracePeriodSeconds: 1.5 }],
    ['orphanDependents as a string', { orphanDependents: 'yes' }],
    ['a propagation policy that is a number', { propagationPolicy: 1 }],
    ['another kind', { kind: 'Pod', apiVersion: 'v1' }],
  ])('%s → 400, nothing deleted', async (_what, options) => {
    const name = `keep-${Math.random().toString(36).slice(2, 8)}`;
    await make(name);
    const res = await send({ method: 'DELETE', path: `${CM}/${name}`, body: json(options) });
    expect(res.status, res.body).toBe(400);
    expect((await send({ path: `${CM}/${name}` })).status).toBe(200);
  });

  it('refuses a grace period in the query that is not an int64 (400), deleting nothing', async () => {
    await make('keep-grace');
    const res = await send({ method: 'DELETE', path: `${CM}/keep-grace?gracePeriodSeconds=abc` });
    expect(res.status).toBe(400);
    expect((await send({ path: `${CM}/keep-grace` })).status).toBe(200);
  });

  it('honours ?orphanDependents=True (the Python client): the dependent stays, without its owner', async () => {
    const owner = await make('owner');
    await make('dependent', {
      ownerReferences: [
        { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid },
      ],
    });
    const res = await send({ method: 'DELETE', path: `${CM}/owner?orphanDependents=True` });
    expect(res.status, res.body).toBe(200);
    await until('the owner gone', async () => (await send({ path: `${CM}/owner` })).status === 404);
    const dependent = await until('the dependent orphaned', async () => {
      const got = await send({ path: `${CM}/dependent` });
      if (got.status !== 200) throw new Error(`dependent: ${got.status}`);
      const obj = JSON.parse(got.body);
      return (obj.metadata.ownerReferences ?? []).length === 0 ? obj : undefined;
    });
    expect(dependent.metadata.name).toBe('dependent');
  });

  it('refuses orphanDependents together with a propagation policy (422)', async () => {
    await make('keep-both');
    const res = await send({
      method: 'DELETE',
      path: `${CM}/keep-both`,
      body: json({ orphanDependents: true, propagationPolicy: 'Background' }),
    });
    expect(res.status).toBe(422);
    expect((await send({ path: `${CM}/keep-both` })).status).toBe(200);
  });
});

describe('query parameters, converted as upstream converts them', () => {
  it('streams a watch for watch=True, as the Python client spells it', async () => {
    const res = await send({ path: `${CM}?watch=True&timeoutSeconds=1` });
    expect(res.status).toBe(200);
    const first = JSON.parse(res.body.split('\n')[0] ?? '{}');
    expect(first.type).toBe('ADDED');
  });

  it('takes True for allowWatchBookmarks and sendInitialEvents', async () => {
    const res = await send({
      path: `${CM}?watch=1&allowWatchBookmarks=True&sendInitialEvents=True&resourceVersionMatch=NotOlderThan&timeoutSeconds=1`,
    });
    expect(res.status).toBe(200);
    const events = res.body
      .split('\n')
      .filter((l) => l)
      .map((l) => JSON.parse(l) as { type: string });
    expect(events.some((e) => e.type === 'BOOKMARK')).toBe(true);
  });

  it('applies with force=True (the Python dynamic client) and refuses force on other patches', async () => {
    const apply = (manager: string, value: string, force: string) =>
      send({
        method: 'PATCH',
        path: `${CM}/forced?fieldManager=${manager}${force}`,
        body: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: forced\ndata:\n  k: ${value}\n`,
        headers: APPLY,
      });
    expect((await apply('one', 'a', '')).status).toBe(201);
    expect((await apply('two', 'b', '')).status).toBe(409);
    expect((await apply('two', 'b', '&force=True')).status).toBe(200);
    const merge = await send({
      method: 'PATCH',
      path: `${CM}/forced?force=true`,
      body: '{"data":{"k":"c"}}',
      headers: MERGE,
    });
    expect(merge.status).toBe(422);
    expect(status(merge).message).toBe(
      'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
    );
  });

  it('reads limit as an int64: its maximum lists everything, beyond it is a 400', async () => {
    expect((await send({ path: `${CM}?limit=9223372036854775807` })).status).toBe(200);
    const over = await send({ path: `${CM}?limit=9223372036854775808` });
    expect(over.status).toBe(400);
    expect(status(over).message).toContain('value out of range');
    expect((await send({ path: `${CM}?limit=-1` })).status).toBe(200);
  });

  it('indents JSON for ?pretty=true and for curl, compact otherwise', async () => {
    const plain = await send({ path: `${CM}?limit=1` });
    expect(plain.body).not.toContain('\n');
    const pretty = await send({ path: `${CM}?limit=1&pretty=true` });
    expect(pretty.body).toContain('\n  "kind": "ConfigMapList"');
    const curl = await send({ path: `${CM}?limit=1`, headers: { 'User-Agent': 'curl/8.5.0' } });
    expect(curl.body).toContain('\n  ');
    const error = await send({ path: `${CM}/missing?pretty=1` });
    expect(error.status).toBe(404);
    expect(error.body).toContain('\n  "kind": "Status"');
  });
});

describe('names on the URL and dry runs', () => {
  it.each([
    ['..', `${CM}/..`],
    ['%2e%2e', `${CM}/%2e%2e`],
    ['%2E%2E', `${CM}/%2E%2E`],
    ['.', `${CM}/.`],
    ['a name with an encoded slash', `${CM}/a%2Fb`],
  ])('refuses %s as a name (400), never normalising the path', async (_what, path) => {
    for (const method of ['GET', 'DELETE', 'PUT']) {
      const res = await send({
        method,
        path,
        ...(method === 'PUT' ? { body: json({ metadata: { name: '..' } }) } : {}),
      });
      expect(res.status, `${method} ${path}: ${res.body}`).toBe(400);
      expect(status(res).message).toMatch(/^Name parameter invalid/);
    }
  });

  it('answers a dry-run create and update with the whole object, typed', async () => {
    const created = await send({
      method: 'POST',
      path: `${CM}?dryRun=All`,
      body: json({ metadata: { name: 'dry' }, data: { a: 'b' } }),
    });
    expect(created.status).toBe(201);
    expect(JSON.parse(created.body)).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap' });
    expect((await send({ path: `${CM}/dry` })).status).toBe(404);

    const real = JSON.parse(
      (
        await send({
          method: 'POST',
          path: CM,
          body: json({ metadata: { name: 'dry-update' }, data: { a: 'b' } }),
        })
      ).body,
    );
    const updated = await send({
      method: 'PUT',
      path: `${CM}/dry-update?dryRun=All`,
      body: json({ metadata: { name: 'dry-update' }, data: { a: 'c' } }),
    });
    expect(updated.status).toBe(200);
    expect(JSON.parse(updated.body)).toMatchObject({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { resourceVersion: real.metadata.resourceVersion },
      data: { a: 'c' },
    });
    const stored = JSON.parse((await send({ path: `${CM}/dry-update` })).body);
    expect(stored.data).toEqual({ a: 'b' });
  });
});

describe('a watch of one object', () => {
  it('shows a user allowed one ConfigMap that ConfigMap only, whichever way it asks', async () => {
    for (const name of ['watched', 'hidden']) {
      const res = await send({
        method: 'POST',
        path: CM,
        body: json({ metadata: { name }, data: { secret: `${name}-data` } }),
      });
      expect(res.status).toBe(201);
    }
    const rbac = '/apis/rbac.authorization.k8s.io/v1/namespaces/default';
    const role = {
      metadata: { name: 'only-watched' },
      rules: [
        {
          apiGroups: [''],
          resources: ['configmaps'],
          resourceNames: ['watched'],
          verbs: ['get', 'list', 'watch'],
        },
      ],
    };
    expect((await send({ method: 'POST', path: `${rbac}/roles`, body: json(role) })).status).toBe(
      201,
    );
    const binding = {
      metadata: { name: 'only-watched' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'only-watched' },
      subjects: [{ kind: 'User', name: 'watcher' }],
    };
    expect(
      (await send({ method: 'POST', path: `${rbac}/rolebindings`, body: json(binding) })).status,
    ).toBe(201);
    const asWatcher = (path: string) => send({ path, headers: { 'Impersonate-User': 'watcher' } });
    const names = (body: string) =>
      body
        .split('\n')
        .filter((l) => l)
        .map(
          (l) => (JSON.parse(l) as { object: { metadata: { name: string } } }).object.metadata.name,
        );
    // The deprecated /watch/ path names the object: a watch of it alone.
    const watched = await until('the watch allowed', async () => {
      const res = await asWatcher(
        '/api/v1/watch/namespaces/default/configmaps/watched?timeoutSeconds=1',
      );
      return res.status === 200 ? res : undefined;
    });
    expect(names(watched.body)).toEqual(['watched']);
    // ?watch on one object's URL is a GET of it, as upstream.
    const got = await asWatcher(`${CM}/watched?watch=true`);
    expect(got.status).toBe(200);
    expect(JSON.parse(got.body).metadata.name).toBe('watched');
    expect(JSON.parse(got.body).kind).toBe('ConfigMap');
    expect((await asWatcher(`${CM}/hidden?watch=true`)).status).toBe(403);
    expect((await asWatcher(`${CM}?watch=true&timeoutSeconds=1`)).status).toBe(403);
  });
});

describe('hostile bodies', () => {
  const MIB = 1024 * 1024;
  const SSAR = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';
  const bodies: Array<[string, string]> = [
    ['3 MiB of nested flow sequences', '['.repeat(3 * MIB - 1)],
    ['nested flow mappings', 'a: '.concat('{a: '.repeat(700_000))],
    ['nested block sequences', `${'- '.repeat(1_400_000)}x`],
    [
      '3 MiB of keys',
      Array.from({ length: 200_000 }, (_, i) => `key${i}: value`)
        .join('\n')
        .slice(0, 3 * MIB - 1),
    ],
  ];

  it('and huge selectors never stall other requests: /livez answers while each is read, and each is refused', async () => {
    let done = false;
    const latencies: number[] = [];
    const probe = (async () => {
      while (!done) {
        const started = performance.now();
        const res = await send({ path: '/livez', token: null });
        latencies.push(performance.now() - started);
        expect(res.status).toBe(200);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    // Selectors of 300,000 terms (900 KB: the request line fits the 1 MiB header limit).
    const selector = Array.from({ length: 300_000 }, () => 'a').join(',');
    const answers = await Promise.all([
      ...bodies.map(([, body]) =>
        send({
          method: 'POST',
          path: SSAR,
          body,
          // A user with no permissions at all may post a review.
          headers: { 'Content-Type': 'application/yaml', 'Impersonate-User': 'nobody' },
        }),
      ),
      ...[1, 2, 3].map(() => send({ path: `${CM}?labelSelector=${selector}` })),
    ]);
    done = true;
    await probe;
    for (const [i, res] of answers.entries()) {
      expect(res.status, `${bodies[i]?.[0]}: ${res.body.slice(0, 200)}`).toBeGreaterThanOrEqual(
        400,
      );
      expect(res.status).toBeLessThan(500);
    }
    expect(latencies.length).toBeGreaterThan(0);
    // A liveness bound, generous for a loaded machine: the decodes take seconds each.
    expect(Math.max(...latencies)).toBeLessThan(5_000);
  });

  it('and a CRD pattern that would backtrack runs in linear time: the value is refused, /livez answers', async () => {
    const crd = await send({
      method: 'POST',
      path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      body: json({
        metadata: { name: 'letters.example.com' },
        spec: {
          group: 'example.com',
          scope: 'Namespaced',
          names: { plural: 'letters', kind: 'Letter' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: { word: { type: 'string', pattern: '^(\\pL+)+$' } },
                },
              },
            },
          ],
        },
      }),
    });
    expect(crd.status, crd.body).toBe(201);
    const letters = '/apis/example.com/v1/namespaces/default/letters';
    await until('letters served', async () => (await send({ path: letters })).status === 200);
    // On a backtracking engine this value takes about 2^40 steps to refuse.
    const res = await send({
      method: 'POST',
      path: letters,
      body: json({ metadata: { name: 'w' }, word: `${'a'.repeat(40)}!` }),
    });
    expect(res.status, res.body).toBe(422);
    expect((await send({ path: '/livez', token: null })).status).toBe(200);
  });

  it('and a JSON patch whose copies double the object is refused before it grows (422), changing nothing', async () => {
    const created = await send({
      method: 'POST',
      path: CM,
      body: json({ metadata: { name: 'doubled' }, data: { a: 'b' } }),
    });
    expect(created.status, created.body).toBe(201);
    // 26 ops, under 1 KB: unbounded, the 24th alone copies 16 million nested lists.
    const ops = [
      { op: 'add', path: '/x', value: [1] },
      ...Array.from({ length: 24 }, () => ({ op: 'copy', from: '/x', path: '/x/-' })),
      { op: 'remove', path: '/x' },
    ];
    const res = await send({
      method: 'PATCH',
      path: `${CM}/doubled`,
      body: json(ops),
      headers: { 'content-type': 'application/json-patch+json' },
    });
    expect(res.status, res.body.slice(0, 300)).toBe(422);
    expect(status(res).message).toMatch(
      /^Unable to copy, the accumulated size increase of copy is/,
    );
    const after = JSON.parse((await send({ path: `${CM}/doubled` })).body);
    expect(after.metadata.resourceVersion).toBe(JSON.parse(created.body).metadata.resourceVersion);
  });
});

describe('metadata-only clients', () => {
  const SECRETS = '/api/v1/namespaces/default/secrets';
  const PARTIAL = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

  it('watch PartialObjectMetadata: metadata only, never the data', async () => {
    const created = await send({
      method: 'POST',
      path: SECRETS,
      body: json({ metadata: { name: 'partial', labels: { a: 'b' } }, data: { key: 'c2VjcmV0' } }),
    });
    expect(created.status).toBe(201);
    const res = await send({
      path: `${SECRETS}?watch=true&timeoutSeconds=1&allowWatchBookmarks=true&fieldSelector=metadata.name%3Dpartial`,
      headers: { Accept: PARTIAL },
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(
      'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1',
    );
    const events = res.body
      .split('\n')
      .filter((l) => l)
      .map((l) => JSON.parse(l) as { type: string; object: Record<string, unknown> });
    expect(events[0]).toMatchObject({
      type: 'ADDED',
      object: {
        kind: 'PartialObjectMetadata',
        apiVersion: 'meta.k8s.io/v1',
        metadata: { name: 'partial', labels: { a: 'b' } },
      },
    });
    for (const e of events) {
      expect(e.object.kind).toBe('PartialObjectMetadata');
      expect(e.object.data).toBeUndefined();
    }
    expect(res.body).not.toContain('c2VjcmV0');
  });
});

describe('YAML answers', () => {
  /** Strings YAML 1.1 readers (PyYAML, kubectl's go-yaml v2) take for something else unquoted. */
  const TRICKY = {
    bool: 'yes',
    on: 'on',
    letter: 'y',
    separated: '1_000',
    octal: '0755',
    exponent: '1e3',
    base60: '1:20',
    date: '2024-01-01',
    time: '2001-12-14t21:59:43.10-05:00',
    merge: '<<',
    value: '=',
    nulls: '~',
    empty: '',
    tab: 'a\tb',
    separator: 'a\u2028b',
    nel: '\u0085x',
    indicator: '- a',
    comment: 'a #b',
    multiline: 'line one\n  line two\n',
    quantity: '10Gi',
  };

  it('are read back as the same values by PyYAML and by kubectl', async () => {
    const created = await send({
      method: 'POST',
      path: CM,
      body: json({ metadata: { name: 'yaml-out' }, data: TRICKY }),
    });
    expect(created.status).toBe(201);
    const res = await send({ path: `${CM}/yaml-out`, headers: { Accept: 'application/yaml' } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/yaml');
    expect(res.body).toContain('quantity: 10Gi');
    const python = execFileSync(
      '/usr/bin/python3',
      ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin)["data"]))'],
      { input: res.body, encoding: 'utf8' },
    );
    expect(JSON.parse(python)).toEqual(TRICKY);
    // kubectl create -f of the server's own YAML, under another name and without the fields
    // only the server sets.
    const copy = res.body
      .split('\n')
      .filter((line) => !/^ {2}(resourceVersion|uid|creationTimestamp):/.test(line))
      .join('\n')
      .replace(/^ {2}name: yaml-out$/m, '  name: yaml-copy');
    const k = kubectl('1.33', server.kubeconfig);
    await k.ok(['create', '-f', '-'], { input: copy });
    const copied = JSON.parse((await send({ path: `${CM}/yaml-copy` })).body);
    expect(copied.data).toEqual(TRICKY);
  });
});

describe("kcp's own APIs, typed as kcp's Go types", () => {
  let ws: CanopyProcess;
  let sendWs: (r: RawRequest) => Promise<RawResponse>;
  const WORKSPACES = '/apis/tenancy.kcp.io/v1alpha1/workspaces';

  beforeAll(async () => {
    ws = await startCanopy();
    sendWs = httpClient(ws.kubeconfig);
  });
  afterAll(async () => {
    await ws?.stop();
    ws?.cleanup();
  });

  it('refuses a field of the wrong type before admission reads it: 400, or 422 for a patch', async () => {
    const wrong = await sendWs({
      method: 'POST',
      path: WORKSPACES,
      body: json({ metadata: { name: 'typed' }, spec: { type: { name: 'universal', path: [] } } }),
    });
    expect(wrong.status, wrong.body).toBe(400);
    expect(status(wrong).details?.causes?.map((c) => c.field)).toEqual(['spec.type.path']);
    const exportWrong = await sendWs({
      method: 'POST',
      path: '/apis/apis.kcp.io/v1alpha2/apiexports',
      body: json({ metadata: { name: 'typed' }, spec: { resources: 'widgets' } }),
    });
    expect(exportWrong.status, exportWrong.body).toBe(400);
    const created = await sendWs({
      method: 'POST',
      path: WORKSPACES,
      body: json({ metadata: { name: 'typed' } }),
    });
    expect(created.status, created.body).toBe(201);
    const patched = await sendWs({
      method: 'PATCH',
      path: `${WORKSPACES}/typed`,
      body: json({ spec: { type: { path: 5 } } }),
      headers: MERGE,
    });
    expect(patched.status, patched.body).toBe(422);
  });
});

describe('kinds that are answered, not stored, and the scale subresource, typed as Go types', () => {
  const SSAR = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';
  const SAR = '/apis/authorization.k8s.io/v1/subjectaccessreviews';
  const TOKEN = '/api/v1/namespaces/default/serviceaccounts/default/token';
  const DEPLOYMENTS = '/apis/apps/v1/namespaces/default/deployments';
  const ssar = (spec: unknown) => json({ kind: 'SelfSubjectAccessReview', spec });

  it.each([
    [
      SSAR,
      ssar({ resourceAttributes: { verb: 5, resource: 'pods' } }),
      'spec.resourceAttributes.verb',
    ],
    [
      SSAR,
      ssar({ nonResourceAttributes: { path: ['/x'], verb: 'get' } }),
      'spec.nonResourceAttributes.path',
    ],
    [
      SSAR,
      ssar({ resourceAttributes: { verb: 'get', fieldSelector: { requirements: 'x' } } }),
      'spec.resourceAttributes.fieldSelector.requirements',
    ],
    [SSAR, json({ kind: 'SelfSubjectAccessReview', status: { allowed: 'yes' } }), 'status.allowed'],
    [
      SAR,
      json({ spec: { user: 'u', groups: 'system:masters', resourceAttributes: { verb: 'get' } } }),
      'spec.groups',
    ],
    [
      SAR,
      json({ spec: { user: 'u', extra: { a: 'b' }, resourceAttributes: { verb: 'get' } } }),
      'spec.extra[a]',
    ],
    [
      '/apis/authentication.k8s.io/v1/tokenreviews',
      json({ spec: { token: 't', audiences: 'x' } }),
      'spec.audiences',
    ],
    [TOKEN, json({ spec: { expirationSeconds: '3600' } }), 'spec.expirationSeconds'],
    [TOKEN, json({ spec: { expirationSeconds: 1e20 } }), 'spec.expirationSeconds'],
    [TOKEN, json({ spec: { audiences: 'x' } }), 'spec.audiences'],
    [TOKEN, json({ spec: { boundObjectRef: 5 } }), 'spec.boundObjectRef'],
  ])('POST %s %s → 400 naming %s', async (path, body, field) => {
    const res = await send({ method: 'POST', path, body });
    expect(res.status, res.body).toBe(400);
    const s = status(res);
    expect(s.message).toMatch(/cannot be handled as a \w+: json: cannot unmarshal/);
    expect(s.details?.causes?.map((c) => c.field)).toEqual([field]);
  });

  it('refuses a Scale that does not decode: 400 for a body, 422 for a patch, the replicas kept', async () => {
    const created = await send({
      method: 'POST',
      path: DEPLOYMENTS,
      body: json({
        metadata: { name: 'scaled' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'scaled' } },
          template: {
            metadata: { labels: { app: 'scaled' } },
            spec: { containers: [{ name: 'c', image: 'nginx' }] },
          },
        },
      }),
    });
    expect(created.status, created.body).toBe(201);
    const scale = `${DEPLOYMENTS}/scaled/scale`;
    const put = await send({
      method: 'PUT',
      path: scale,
      body: json({ kind: 'Scale', metadata: { name: 'scaled' }, status: { replicas: 'x' } }),
    });
    expect(put.status, put.body).toBe(400);
    expect(status(put).message).toBe(
      'Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal string into Go struct field ScaleStatus.status.replicas of type int32',
    );
    for (const [patch, field] of [
      [{ spec: { replicas: 'x' } }, 'spec.replicas'],
      [{ spec: { replicas: 2 ** 31 } }, 'spec.replicas'],
      [{ status: { selector: 5 } }, 'status.selector'],
      [{ metadata: { name: 5 } }, 'metadata.name'],
    ] as const) {
      const res = await send({ method: 'PATCH', path: scale, body: json(patch), headers: MERGE });
      expect(res.status, `${json(patch)}: ${res.body}`).toBe(422);
      const s = status(res);
      expect(s.details?.causes?.map((c) => c.field)).toEqual([field]);
      // The field is named once, its value and Go's complaint after it.
      expect(s.message).toMatch(
        new RegExp(
          `^Scale.autoscaling "scaled" is invalid: ${field.replace('.', '\\.')}: Invalid value: [^:]+: json: cannot unmarshal`,
        ),
      );
    }
    const negative = await send({
      method: 'PATCH',
      path: scale,
      body: json({ spec: { replicas: -1 } }),
      headers: MERGE,
    });
    expect(negative.status, negative.body).toBe(422);
    expect(status(negative).message).toBe(
      'Scale.autoscaling "scaled" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    );
    const after = JSON.parse((await send({ path: scale })).body) as { spec: { replicas: number } };
    expect(after.spec.replicas).toBe(2);
    // A patch result of the wrong type names the field once, as the scale's causes do.
    const res = await send({
      method: 'PATCH',
      path: `${DEPLOYMENTS}/scaled/status`,
      body: json({ status: { replicas: 'x' } }),
      headers: MERGE,
    });
    expect(res.status, res.body).toBe(422);
    expect(status(res).message).toBe(
      'Deployment.apps "scaled" is invalid: status.replicas: Invalid value: "x": must be an integer',
    );
  });
});
