/**
 * Searching fuzzers (fast-check) over everything a server serves, in plain mode and with
 * workspaces: for every resource type discovery lists, bodies generated from the type's
 * own OpenAPI schema with values of the wrong type mixed in, created, patched (merge,
 * strategic, apply; its status and scale too), read back as YAML, protobuf, metadata and a
 * Table, replaced and deleted; and requests odd at the protocol level (paths
 * with dot segments, escapes and long names, query parameters with any value, media types
 * and their parameters in Accept and Content-Type, protobuf-looking and random bodies).
 *
 * The property is the one every boundary owes: never a 5xx, every refusal a Kubernetes
 * Status with the response's code, and `/livez` answering all along. The schema-driven
 * search found a Workspace body that crashed tenancy admission (500) before the typed
 * decode of kcp's APIs. FUZZ_RUNS searches longer.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/apimachinery/meta.ts';
import { type CanopyProcess, startCanopy } from './harness/canopy-process.ts';
import { httpClient, type RawRequest, type RawResponse } from './harness/http.ts';

/** Bodies per resource type, and protocol-level requests, per server. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 3);
/** A longer search gets the time it needs. */
const SEARCH_TIMEOUT = 60_000 + RUNS * 15_000;

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  enum?: JsonValue[];
  $ref?: string;
  allOf?: Schema[];
  format?: string;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-group-version-kind'?: Array<{ group: string; kind: string }>;
}

const anyJson: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 6 }),
  fc.constant([] as JsonValue[]),
  fc.constant({} as JsonValue),
  fc.array(fc.oneof(fc.string({ maxLength: 3 }), fc.integer()), { maxLength: 2 }),
);

/** Values shaped by a schema, mostly well-typed, sometimes anything at all. */
function fromSchema(
  root: Schema | undefined,
  components: Record<string, Schema>,
  depth = 0,
): fc.Arbitrary<JsonValue> {
  let s = root;
  if (s?.$ref) s = components[s.$ref.replace('#/components/schemas/', '')];
  if (s?.allOf?.length === 1) s = s.allOf[0];
  if (!s || depth > 5) return anyJson;
  const schema = s;
  const typed = (): fc.Arbitrary<JsonValue> => {
    if (schema.enum) return fc.constantFrom(...schema.enum);
    if (schema['x-kubernetes-int-or-string']) {
      return fc.oneof(fc.integer({ min: -2, max: 100 }), fc.constantFrom('50%', '1', 'x'));
    }
    switch (schema.type) {
      case 'string':
        return schema.format === 'date-time'
          ? fc.constantFrom('2024-05-01T10:00:00Z', 'x')
          : fc.constantFrom('x', 'a-b', '', '1', 'TCP', 'Always', '10Gi', 'nginx', '/p', 'default');
      case 'integer':
        return fc.integer({ min: -3, max: 70_000 });
      case 'number':
        return fc.double({ noNaN: true, noDefaultInfinity: true });
      case 'boolean':
        return fc.boolean();
      case 'array':
        return fc.array(fromSchema(schema.items, components, depth + 1), { maxLength: 3 });
      case 'object': {
        if (schema.properties) {
          return fc.record(
            Object.fromEntries(
              Object.entries(schema.properties).map(([k, p]) => [
                k,
                fromSchema(p, components, depth + 1),
              ]),
            ),
            { requiredKeys: [] },
          ) as fc.Arbitrary<JsonValue>;
        }
        const values =
          typeof schema.additionalProperties === 'object'
            ? fromSchema(schema.additionalProperties, components, depth + 1)
            : anyJson;
        return fc.dictionary(fc.constantFrom('a', 'b.c', 'x/y'), values, { maxKeys: 2 });
      }
      default:
        return anyJson;
    }
  };
  return fc.oneof({ weight: 6, arbitrary: typed() }, { weight: 1, arbitrary: anyJson });
}

interface Served {
  readonly collection: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly schema: Schema | undefined;
  readonly components: Record<string, Schema>;
  /** Subresources that take patches (status, scale). */
  readonly patchable: readonly string[];
}

/** Every resource type the server lets one create, with its schema from /openapi/v3. */
async function creatable(send: (r: RawRequest) => Promise<RawResponse>): Promise<Served[]> {
  const get = async <T>(path: string) => JSON.parse((await send({ path })).body) as T;
  const openapi = await get<{ paths: Record<string, { serverRelativeURL: string }> }>(
    '/openapi/v3',
  );
  const groups = await get<{
    groups: Array<{ name: string; preferredVersion: { version: string } }>;
  }>('/apis');
  const versions = [
    { group: '', version: 'v1' },
    ...groups.groups.map((g) => ({ group: g.name, version: g.preferredVersion.version })),
  ];
  const out: Served[] = [];
  for (const { group, version } of versions) {
    const gv = group ? `apis/${group}/${version}` : `api/${version}`;
    const list = await get<{
      resources: Array<{ name: string; kind: string; namespaced: boolean; verbs: string[] }>;
    }>(`/${gv}`);
    const doc = await get<{ components?: { schemas?: Record<string, Schema> } }>(
      openapi.paths[gv]?.serverRelativeURL ?? `/openapi/v3/${gv}`,
    );
    const components = doc.components?.schemas ?? {};
    for (const r of list.resources) {
      if (r.name.includes('/') || !r.verbs.includes('create')) continue;
      const patchable = list.resources
        .filter((sub) => sub.name.startsWith(`${r.name}/`) && sub.verbs.includes('patch'))
        .map((sub) => sub.name.slice(r.name.length + 1));
      out.push({
        patchable,
        collection: `/${gv}${r.namespaced ? '/namespaces/default' : ''}/${r.name}`,
        apiVersion: group ? `${group}/${version}` : version,
        kind: r.kind,
        schema: Object.values(components).find((c) =>
          c['x-kubernetes-group-version-kind']?.some((k) => k.kind === r.kind && k.group === group),
        ),
        components,
      });
    }
  }
  return out;
}

/** How each generated object is read back, besides plain JSON. */
const READ_AS = [
  'application/yaml',
  'application/vnd.kubernetes.protobuf',
  'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1',
  'application/json;as=Table;g=meta.k8s.io;v=v1',
];

/** Never a 5xx; a refusal is a Status carrying the response's code. */
function expectKubernetesAnswer(res: RawResponse, what: string): void {
  expect(res.status, `${what}\n→ ${res.status} ${res.body.slice(0, 300)}`).toBeLessThan(500);
  if (res.status >= 400 && res.body !== '') {
    const status = JSON.parse(res.body) as { kind?: string; code?: number };
    expect(status, what).toMatchObject({ kind: 'Status', code: res.status });
  }
}

/** Polls /livez until stopped; the longest answer, in ms. */
function pollLivez(send: (r: RawRequest) => Promise<RawResponse>) {
  let done = false;
  let longest = 0;
  const loop = (async () => {
    while (!done) {
      const started = performance.now();
      const res = await send({ path: '/livez', token: null });
      longest = Math.max(longest, performance.now() - started);
      expect(res.status).toBe(200);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return async () => {
    done = true;
    await loop;
    return longest;
  };
}

const path = fc
  .tuple(
    fc.constantFrom(
      '/api/v1/namespaces/default/configmaps',
      '/api/v1/namespaces/default/secrets',
      '/api/v1/namespaces',
      '/apis/rbac.authorization.k8s.io/v1/clusterroles',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      '/api/v1/namespaces/default/serviceaccounts/default/token',
      '/api/v1/watch/namespaces/default/configmaps',
      '/apis',
      '/openapi/v3',
    ),
    fc.array(
      fc.oneof(
        fc.constantFrom('seed', '..', '.', '%2e%2e', '%2F', 'a%00b', '%zz', '%', 'status', 'scale'),
        fc.constantFrom('finalize', 'a'.repeat(300), '%C3%A9', '*', '~', 'A', 'x%20y'),
        fc.string({ maxLength: 5 }).map(encodeURIComponent),
      ),
      { maxLength: 3 },
    ),
    fc.boolean(),
  )
  .map(
    ([base, segments, slash]) =>
      `${base}${segments.map((s) => `/${s}`).join('')}${slash ? '/' : ''}`,
  );

const query = fc
  .array(
    fc.tuple(
      fc.constantFrom(
        'watch',
        'limit',
        'continue',
        'resourceVersion',
        'resourceVersionMatch',
        'labelSelector',
        'fieldSelector',
        'timeoutSeconds',
        'allowWatchBookmarks',
        'sendInitialEvents',
        'dryRun',
        'fieldManager',
        'fieldValidation',
        'force',
        'pretty',
        'gracePeriodSeconds',
        'orphanDependents',
        'propagationPolicy',
        'includeObject',
        'hash',
      ),
      fc.oneof(
        fc.constantFrom('', 'True', '0', '-1', '9223372036854775808', 'All', 'Strict', 'Exact'),
        fc.constantFrom('NotOlderThan', 'a in (b)', 'metadata.name=x', 'spec.x=y', 'Orphan', '%'),
        fc.string({ maxLength: 8 }),
      ),
    ),
    { maxLength: 4 },
  )
  .map((pairs) =>
    pairs.length ? `?${pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}` : '',
  );

const mediaType = fc.constantFrom(
  'application/json',
  'application/yaml',
  'application/vnd.kubernetes.protobuf',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/json-patch+json',
  'application/apply-patch+yaml',
  'application/apply-patch+cbor',
  'text/plain',
  'application/json;charset=utf-16',
  'application/json;stream=watch',
  '*/*',
  '',
  'application/json;as=Table;g=meta.k8s.io;v=v1',
  'application/json;as=Table;g=meta.k8s.io;v=v2',
  'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1',
  'application/json;as=APIGroupDiscoveryList;g=apidiscovery.k8s.io;v=v2',
  'application/yaml;q=0',
  ',,;;=',
  'application/json;q=abc',
);

const requestBody = fc.oneof(
  fc.constantFrom('', '{}', '[]', 'null', '{"metadata":{"name":"seed"}}', 'a: [', '{"a":'),
  fc.json({ maxDepth: 3 }),
  // A protobuf envelope's magic, then anything.
  fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from([0x6b, 0x38, 0x73, 0x00, ...b])),
  fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
);

const request = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND'),
  path,
  query,
  accept: fc.array(mediaType, { maxLength: 3 }).map((a) => a.join(', ')),
  contentType: mediaType,
  body: requestBody,
});

describe.each([
  ['plain', true],
  ['workspaces', false],
])('fuzzing a %s server', (_mode, plain) => {
  let server: CanopyProcess;
  let send: (r: RawRequest) => Promise<RawResponse>;
  let stopLivez: () => Promise<number>;

  beforeAll(async () => {
    server = await startCanopy({ plain });
    send = httpClient(server.kubeconfig);
    const seed = await send({
      method: 'POST',
      path: '/api/v1/namespaces/default/configmaps',
      body: '{"metadata":{"name":"seed"},"data":{"a":"b"}}',
    });
    expect(seed.status).toBe(201);
    stopLivez = pollLivez(send);
  });

  afterAll(async () => {
    const longest = stopLivez ? await stopLivez() : 0;
    await server?.stop();
    server?.cleanup();
    // A liveness bound, generous for a loaded machine.
    expect(longest).toBeLessThan(5_000);
  });

  it(
    'answers bodies generated from every type schema, and patches of them, without a 5xx',
    async () => {
      const types = await creatable(send);
      expect(types.length).toBeGreaterThan(10);
      let serial = 0;
      for (const t of types) {
        const bodies = fromSchema(t.schema, t.components);
        await fc.assert(
          fc.asyncProperty(bodies, bodies, async (generated, patch) => {
            const name = `fz-${(serial++).toString(36)}`;
            const fields =
              generated !== null && typeof generated === 'object' && !Array.isArray(generated)
                ? generated
                : {};
            const obj = { ...fields, apiVersion: t.apiVersion, kind: t.kind, metadata: { name } };
            const created = await send({
              method: 'POST',
              path: t.collection,
              body: JSON.stringify(obj),
            });
            expectKubernetesAnswer(created, `create ${JSON.stringify(obj)}`);
            const item = `${t.collection}/${name}`;
            const patchText = JSON.stringify(patch);
            for (const type of [
              'application/merge-patch+json',
              'application/strategic-merge-patch+json',
            ]) {
              const res = await send({
                method: 'PATCH',
                path: item,
                body: patchText,
                headers: { 'Content-Type': type },
              });
              expectKubernetesAnswer(res, `${type} ${patchText} on ${JSON.stringify(obj)}`);
            }
            const applied = {
              ...(patch !== null && typeof patch === 'object' && !Array.isArray(patch)
                ? patch
                : {}),
              apiVersion: t.apiVersion,
              kind: t.kind,
              metadata: { name },
            };
            const apply = await send({
              method: 'PATCH',
              path: `${item}?fieldManager=fuzz`,
              body: JSON.stringify(applied),
              headers: { 'Content-Type': 'application/apply-patch+yaml' },
            });
            expectKubernetesAnswer(apply, `apply ${JSON.stringify(applied)}`);
            for (const sub of t.patchable) {
              const res = await send({
                method: 'PATCH',
                path: `${item}/${sub}`,
                body: patchText,
                headers: { 'Content-Type': 'application/merge-patch+json' },
              });
              expectKubernetesAnswer(
                res,
                `merge patch of ${sub} ${patchText} on ${JSON.stringify(obj)}`,
              );
            }
            for (const accept of READ_AS) {
              const res = await send({ path: item, headers: { Accept: accept } });
              expectKubernetesAnswer(res, `get ${item} as ${accept}`);
            }
            const current = await send({ path: item });
            expectKubernetesAnswer(current, `get ${item}`);
            if (current.status === 200) {
              const replaced = {
                ...JSON.parse(current.body),
                ...fields,
                metadata: JSON.parse(current.body).metadata,
              };
              const put = await send({ method: 'PUT', path: item, body: JSON.stringify(replaced) });
              expectKubernetesAnswer(put, `update ${JSON.stringify(replaced)}`);
            }
            const table = await send({
              path: `${t.collection}?limit=5`,
              headers: { Accept: 'application/json;as=Table;g=meta.k8s.io;v=v1' },
            });
            expectKubernetesAnswer(table, `table of ${t.collection}`);
            expectKubernetesAnswer(await send({ method: 'DELETE', path: item }), `delete ${item}`);
          }),
          { numRuns: RUNS },
        );
      }
    },
    SEARCH_TIMEOUT,
  );

  it(
    'answers odd paths, queries, media types and bodies without a 5xx',
    async () => {
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const res = await send({
            method: r.method,
            path: r.path + r.query,
            streamHeadersOnly: true,
            headers: {
              ...(r.accept ? { Accept: r.accept } : {}),
              ...(r.contentType ? { 'Content-Type': r.contentType } : {}),
            },
            ...(r.method === 'GET' ? {} : { body: r.body }),
          });
          expectKubernetesAnswer(res, JSON.stringify({ ...r, body: String(r.body).slice(0, 200) }));
        }),
        { numRuns: RUNS * 100 },
      );
    },
    SEARCH_TIMEOUT,
  );
});
