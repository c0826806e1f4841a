/**
 * A corpus of bad requests — malformed bodies, selectors, paths, headers, parameters —
 * each must get a 4xx Kubernetes Status (never a 5xx, never a crash), and the server must
 * keep serving afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CanopyProcess, startCanopy } from './harness/canopy-process.ts';
import { httpClient, type RawRequest, type RawResponse } from './harness/http.ts';
import { openWidgetCrd } from './harness/manifests.ts';

const CM = '/api/v1/namespaces/default/configmaps';
const WIDGETS = '/apis/example.com/v1/namespaces/default/widgets';
const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const cm = (extra: Record<string, unknown>) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, ...extra });

const corpus: Array<[string, RawRequest, number]> = [
  ['malformed JSON', { method: 'POST', path: CM, body: '{"apiVersion": "v1", "kind": ' }, 400],
  ['JSON array body', { method: 'POST', path: CM, body: '[1,2,3]' }, 400],
  ['JSON string body', { method: 'POST', path: CM, body: '"hello"' }, 400],
  ['empty body', { method: 'POST', path: CM, body: '' }, 400],
  [
    'malformed YAML',
    {
      method: 'POST',
      path: CM,
      body: 'a: [b\n  c: }',
      headers: { 'Content-Type': 'application/yaml' },
    },
    400,
  ],
  [
    'YAML with two documents',
    {
      method: 'POST',
      path: CM,
      body: 'a: 1\n---\nb: 2\n',
      headers: { 'Content-Type': 'application/yaml' },
    },
    400,
  ],
  [
    'YAML alias bomb',
    {
      method: 'POST',
      path: CM,
      body: `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n`,
      headers: { 'Content-Type': 'application/yaml' },
    },
    400,
  ],
  [
    'duplicate field under strict validation',
    {
      method: 'POST',
      path: `${CM}?fieldValidation=Strict`,
      body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup"},"data":{"a":"1","a":"2"}}',
    },
    400,
  ],
  [
    'unknown field under strict validation',
    { method: 'POST', path: `${CM}?fieldValidation=Strict`, body: cm({ bogus: 1 }) },
    400,
  ],
  [
    'unknown content type',
    { method: 'POST', path: CM, body: cm({}), headers: { 'Content-Type': 'text/plain' } },
    415,
  ],
  [
    'wrong apiVersion',
    {
      method: 'POST',
      path: CM,
      body: JSON.stringify({ apiVersion: 'apps/v1', kind: 'ConfigMap', metadata: { name: 'x' } }),
    },
    400,
  ],
  [
    'wrong kind',
    {
      method: 'POST',
      path: CM,
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }),
    },
    400,
  ],
  [
    'metadata as an array',
    {
      method: 'POST',
      path: CM,
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: [] }),
    },
    400,
  ],
  [
    'no name',
    {
      method: 'POST',
      path: CM,
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }),
    },
    422,
  ],
  [
    'name with a slash',
    {
      method: 'POST',
      path: CM,
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a/b' } }),
    },
    422,
  ],
  // Upstream decodes a built-in body into its typed struct: a wrong type is a 400.
  ['non-string data', { method: 'POST', path: CM, body: cm({ data: { a: 1 } }) }, 400],
  [
    'non-string label value',
    {
      method: 'POST',
      path: CM,
      body: JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'x', labels: { a: 5 } },
      }),
    },
    400,
  ],
  [
    'bad label key',
    {
      method: 'POST',
      path: CM,
      body: JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'x', labels: { '-bad-': 'v' } },
      }),
    },
    422,
  ],
  [
    'resourceVersion on create',
    {
      method: 'POST',
      path: CM,
      body: JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'x', resourceVersion: '5' },
      }),
    },
    400,
  ],
  [
    'deeply nested object',
    {
      method: 'POST',
      path: CM,
      body: cm({ data: JSON.parse('{}'), extra: JSON.parse(nested(100)) }),
    },
    201,
  ],
  ['nesting beyond the limit', { method: 'POST', path: CM, body: nested(5000) }, 400],
  [
    'body over 3 MiB',
    { method: 'POST', path: CM, body: cm({ data: { big: 'x'.repeat(3.5 * 1024 * 1024) } }) },
    413,
  ],
  [
    'missing namespace',
    { method: 'POST', path: '/api/v1/namespaces/nope/configmaps', body: cm({}) },
    404,
  ],
  ['unknown resource', { method: 'GET', path: '/api/v1/nopes' }, 404],
  ['unknown group', { method: 'GET', path: '/apis/nope.example.com/v1/things' }, 404],
  [
    'too many path segments',
    { method: 'GET', path: '/api/v1/namespaces/default/configmaps/a/b/c/d' },
    404,
  ],
  ['dot-dot in path', { method: 'GET', path: '/api/v1/namespaces/../../../etc/passwd' }, 404],
  ['encoded NUL in name', { method: 'GET', path: `${CM}/a%00b` }, 404],
  [
    'bad label selector',
    { method: 'GET', path: `${CM}?labelSelector=${encodeURIComponent('a in (b')}` },
    400,
  ],
  [
    'bad label selector operator',
    { method: 'GET', path: `${CM}?labelSelector=${encodeURIComponent('a=>b')}` },
    400,
  ],
  [
    'huge label selector',
    { method: 'GET', path: `${CM}?labelSelector=${'a'.repeat(60_000)}` },
    400,
  ],
  [
    'bad field selector',
    { method: 'GET', path: `${CM}?fieldSelector=${encodeURIComponent('metadata.name')}` },
    400,
  ],
  ['unknown field selector', { method: 'GET', path: `${CM}?fieldSelector=spec.x%3Dy` }, 400],
  ['non-numeric limit', { method: 'GET', path: `${CM}?limit=abc` }, 400],
  ['non-numeric resourceVersion', { method: 'GET', path: `${CM}?resourceVersion=abc` }, 400],
  ['garbage continue token', { method: 'GET', path: `${CM}?continue=%%%%` }, 400],
  [
    'continue with resourceVersion',
    { method: 'GET', path: `${CM}?continue=abc&resourceVersion=5` },
    400,
  ],
  // Options that convert but are not allowed: 422 Invalid, as upstream's option validation.
  [
    'resourceVersionMatch without resourceVersion',
    { method: 'GET', path: `${CM}?resourceVersionMatch=Exact` },
    422,
  ],
  [
    'bad resourceVersionMatch',
    { method: 'GET', path: `${CM}?resourceVersion=1&resourceVersionMatch=Sometimes` },
    422,
  ],
  [
    'future resourceVersion',
    { method: 'GET', path: `${CM}?resourceVersion=99999999&resourceVersionMatch=Exact` },
    504,
  ],
  [
    'sendInitialEvents without match',
    { method: 'GET', path: `${CM}?watch=true&sendInitialEvents=true` },
    422,
  ],
  ['bad timeoutSeconds', { method: 'GET', path: `${CM}?watch=true&timeoutSeconds=soon` }, 400],
  ['bad dryRun', { method: 'POST', path: `${CM}?dryRun=Some`, body: cm({}) }, 422],
  [
    'bad fieldValidation',
    { method: 'POST', path: `${CM}?fieldValidation=Loose`, body: cm({}) },
    422,
  ],
  [
    'over-long fieldManager',
    { method: 'POST', path: `${CM}?fieldManager=${'m'.repeat(200)}`, body: cm({}) },
    422,
  ],
  ['put to a collection', { method: 'PUT', path: CM, body: cm({}) }, 405],
  ['unknown method', { method: 'PROPFIND', path: CM }, 405],
  [
    'patch with text/plain',
    { method: 'PATCH', path: `${CM}/seed`, body: '{}', headers: { 'Content-Type': 'text/plain' } },
    415,
  ],
  [
    'json patch that is not a list',
    {
      method: 'PATCH',
      path: `${CM}/seed`,
      body: '{"op":"add"}',
      headers: { 'Content-Type': 'application/json-patch+json' },
    },
    400,
  ],
  [
    'json patch with a bad op',
    {
      method: 'PATCH',
      path: `${CM}/seed`,
      body: '[{"op":"explode","path":"/data"}]',
      headers: { 'Content-Type': 'application/json-patch+json' },
    },
    400,
  ],
  [
    'json patch test failing',
    {
      method: 'PATCH',
      path: `${CM}/seed`,
      body: '[{"op":"test","path":"/data/a","value":"nope"}]',
      headers: { 'Content-Type': 'application/json-patch+json' },
    },
    422,
  ],
  [
    'merge patch that is not an object',
    {
      method: 'PATCH',
      path: `${CM}/seed`,
      body: '[1]',
      headers: { 'Content-Type': 'application/merge-patch+json' },
    },
    400,
  ],
  [
    'merge patch changing the kind',
    {
      method: 'PATCH',
      path: `${CM}/seed`,
      body: '{"kind":"Secret"}',
      headers: { 'Content-Type': 'application/merge-patch+json' },
    },
    400,
  ],
  [
    'patch of a missing object',
    {
      method: 'PATCH',
      path: `${CM}/missing`,
      body: '{}',
      headers: { 'Content-Type': 'application/merge-patch+json' },
    },
    404,
  ],
  [
    'strategic merge on a custom resource',
    {
      method: 'PATCH',
      path: `${WIDGETS}/w`,
      body: '{}',
      headers: { 'Content-Type': 'application/strategic-merge-patch+json' },
    },
    415,
  ],
  [
    'update with a mismatched name',
    {
      method: 'PUT',
      path: `${CM}/seed`,
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other' } }),
    },
    400,
  ],
  [
    'update with a stale resourceVersion',
    {
      method: 'PUT',
      path: `${CM}/seed`,
      body: JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'seed', resourceVersion: '1' },
      }),
    },
    409,
  ],
  [
    'delete options that are not an object',
    { method: 'DELETE', path: `${CM}/seed`, body: '[]' },
    400,
  ],
  [
    'bad propagation policy',
    { method: 'DELETE', path: `${CM}/seed`, body: '{"propagationPolicy":"Sideways"}' },
    422,
  ],
  [
    'unacceptable Accept',
    { method: 'GET', path: CM, headers: { Accept: 'application/vnd.kubernetes.protobuf' } },
    406,
  ],
  ['no credentials', { method: 'GET', path: CM, token: null }, 401],
  ['wrong token', { method: 'GET', path: CM, token: 'not-a-token' }, 401],
  [
    'malformed authorization header',
    { method: 'GET', path: CM, headers: { Authorization: 'Bearer' }, token: null },
    401,
  ],
  ['delete the default namespace', { method: 'DELETE', path: '/api/v1/namespaces/default' }, 403],
];

describe('bad requests', () => {
  let server: CanopyProcess;
  let send: (r: RawRequest) => Promise<RawResponse>;

  beforeAll(async () => {
    server = await startCanopy({ plain: true });
    send = httpClient(server.kubeconfig);
    const seed = await send({
      method: 'POST',
      path: CM,
      body: JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'seed' },
        data: { a: 'b' },
      }),
    });
    expect(seed.status).toBe(201);
    expect(
      (
        await send({
          method: 'POST',
          path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
          body: JSON.stringify(openWidgetCrd),
        })
      ).status,
    ).toBe(201);
    for (let i = 0; i < 100 && (await send({ path: WIDGETS })).status !== 200; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(
      (
        await send({
          method: 'POST',
          path: WIDGETS,
          body: JSON.stringify({
            apiVersion: 'example.com/v1',
            kind: 'Widget',
            metadata: { name: 'w' },
          }),
        })
      ).status,
    ).toBe(201);
  });

  afterAll(async () => {
    await server?.stop();
    server?.cleanup();
  });

  it.each(
    corpus.map(([name, request, expected]) => ({
      name,
      request,
      expected,
      method: request.method ?? 'GET',
    })),
  )('$name: $method → $expected', async ({ request, expected }) => {
    const res = await send(request);
    expect(res.status).toBe(expected);
    if (expected >= 400) {
      const status = JSON.parse(res.body) as {
        kind: string;
        code: number;
        status: string;
        reason: string;
        message: string;
      };
      expect(status).toMatchObject({ kind: 'Status', code: expected, status: 'Failure' });
      expect(status.message.length).toBeGreaterThan(0);
    }
  });

  it('keeps serving after the corpus', async () => {
    expect((await send({ path: '/healthz', token: null })).body).toBe('ok');
    const list = await send({ path: CM });
    expect(list.status).toBe(200);
    expect(
      JSON.parse(list.body).items.map((i: { metadata: { name: string } }) => i.metadata.name),
    ).toContain('seed');
    expect(server.child.exitCode).toBeNull();
  });
});

describe('field validation messages', () => {
  let server: CanopyProcess;
  let send: (r: RawRequest) => Promise<RawResponse>;

  beforeAll(async () => {
    server = await startCanopy({ plain: true });
    send = httpClient(server.kubeconfig);
  });

  afterAll(async () => {
    await server?.stop();
    server?.cleanup();
  });

  it('names duplicate and unknown fields: refused when strict, warned when asked', async () => {
    const body =
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"v"},"data":{"a":"1","a":"2"},"bogus":true}';
    const strict = await send({ method: 'POST', path: `${CM}?fieldValidation=Strict`, body });
    expect(strict.status).toBe(400);
    expect(JSON.parse(strict.body).message).toBe(
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "bogus", duplicate field "data.a"',
    );
    const warn = await send({ method: 'POST', path: `${CM}?fieldValidation=Warn`, body });
    expect(warn.status).toBe(201);
    expect(warn.headers.warning).toEqual(expect.stringContaining('unknown field \\"bogus\\"'));
    expect(String(warn.headers.warning)).toContain('duplicate field \\"data.a\\"');
    expect(JSON.parse(warn.body).data).toEqual({ a: '2' });
    // Without the parameter, as upstream: Warn.
    const unset = await send({ method: 'POST', path: CM, body: body.replace('"v"', '"w"') });
    expect(unset.status).toBe(201);
    expect(unset.headers.warning).toEqual(expect.stringContaining('unknown field \\"bogus\\"'));
  });

  it('refuses to apply a field the schema does not declare, owning nothing', async () => {
    const applyTo = (name: string, body: string) =>
      send({
        method: 'PATCH',
        path: `${CM}/${name}?fieldManager=tester`,
        body,
        headers: { 'content-type': 'application/apply-patch+yaml' },
      });
    const bad = await applyTo(
      'ssa',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  a: "1"\nbogus: 1\n',
    );
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).message).toBe(
      'failed to create typed patch object (/ssa; /v1, Kind=ConfigMap): .bogus: field not declared in schema',
    );
    expect((await send({ path: `${CM}/ssa` })).status).toBe(404);
    const good = await applyTo('ssa', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\n');
    expect(good.status).toBe(201);
  });

  it('judges metadata like the rest: unknown ObjectMeta fields are unknown fields', async () => {
    const body = JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'typo', lables: { app: 'x' } },
    });
    const strict = await send({ method: 'POST', path: `${CM}?fieldValidation=Strict`, body });
    expect(strict.status).toBe(400);
    expect(JSON.parse(strict.body).message).toBe(
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "metadata.lables"',
    );
    const ignored = await send({ method: 'POST', path: `${CM}?fieldValidation=Ignore`, body });
    expect(ignored.status).toBe(201);
    expect(JSON.parse(ignored.body).metadata.lables).toBeUndefined();
    // A patch is not a decoded object: no "cannot be handled as" in front.
    const patched = await send({
      method: 'PATCH',
      path: `${CM}/typo?fieldValidation=Strict`,
      body: '{"metadata":{"lables":{"a":"b"}}}',
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect(patched.status).toBe(400);
    expect(JSON.parse(patched.body).message).toBe(
      'strict decoding error: unknown field "metadata.lables"',
    );
  });
});
