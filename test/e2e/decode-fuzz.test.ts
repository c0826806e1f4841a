/**
 * A decode fuzzer (fast-check) against `canopy start --plain`: objects whose TypeMeta,
 * ObjectMeta and fields hold values of every JSON type, sent as JSON and as YAML to create
 * and update, and patches of every type (merge, strategic merge, JSON patch, server-side
 * apply) over built-in and custom resources; and the bodies of kinds that are answered rather
 * than stored (access and token reviews, TokenRequest) and of the scale subresource. The
 * properties:
 *
 * - never a 5xx, always a Kubernetes Status on refusal;
 * - never stored when Kubernetes would refuse: a body Go's decoder would reject (the model
 *   below, written apart from the server's code) is a 400 and nothing is written; a refused
 *   patch leaves the object as it was;
 * - nothing stored is of the wrong type: every object the server keeps decodes (the model);
 * - the process stays responsive: `/livez`, polled all along, answers within a generous
 *   bound (a liveness check, not a benchmark).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/apimachinery/meta.ts';
import { toYaml } from '../../src/apimachinery/yaml.ts';
import { type CanopyProcess, startCanopy } from './harness/canopy-process.ts';
import { httpClient, type RawRequest, type RawResponse } from './harness/http.ts';
import { serveOpenWidgets } from './harness/manifests.ts';

// ---- a model of what Go's decoder accepts, kept apart from the server's code ----------------

type GoKind =
  | 'string'
  | 'int'
  | 'int32'
  | 'bool'
  | 'time'
  | 'stringMap'
  | 'stringList'
  | 'bytesMap'
  | { object: Record<string, GoKind> }
  | { list: GoKind };

const VALID_TIMES = ['2024-05-01T10:00:00Z', '2024-05-01T10:00:00.123+02:00'];
const INVALID_TIMES = ['yesterday', '2024-02-30T00:00:00Z', '2024-05-01', ''];

const OWNER_REF: GoKind = {
  object: {
    apiVersion: 'string',
    kind: 'string',
    name: 'string',
    uid: 'string',
    controller: 'bool',
    blockOwnerDeletion: 'bool',
  },
};
const MANAGED: GoKind = {
  object: {
    manager: 'string',
    operation: 'string',
    apiVersion: 'string',
    time: 'time',
    fieldsType: 'string',
    subresource: 'string',
  },
};
const META: Record<string, GoKind> = {
  name: 'string',
  generateName: 'string',
  namespace: 'string',
  selfLink: 'string',
  uid: 'string',
  resourceVersion: 'string',
  generation: 'int',
  creationTimestamp: 'time',
  deletionTimestamp: 'time',
  deletionGracePeriodSeconds: 'int',
  labels: 'stringMap',
  annotations: 'stringMap',
  finalizers: 'stringList',
  ownerReferences: { list: OWNER_REF },
  managedFields: { list: MANAGED },
};

/** Whether Go decodes `v` into a field of this kind (null always decodes). */
function decodes(kind: GoKind, v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (kind === 'string') return typeof v === 'string';
  if (kind === 'bool') return typeof v === 'boolean';
  if (kind === 'int') return typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 2 ** 63;
  if (kind === 'int32')
    return typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31;
  // The empty string is metav1.Time's zero value.
  if (kind === 'time') return typeof v === 'string' && (v === '' || isRfc3339(v));
  const isMap = typeof v === 'object' && !Array.isArray(v);
  if (kind === 'stringMap') return isMap && Object.values(v).every((x) => decodes('string', x));
  if (kind === 'bytesMap')
    return (
      isMap && Object.values(v).every((x) => x === null || (typeof x === 'string' && isBase64(x)))
    );
  if (kind === 'stringList') return Array.isArray(v) && v.every((x) => decodes('string', x));
  if ('list' in kind) return Array.isArray(v) && v.every((x) => decodes(kind.list, x));
  if (!isMap) return false;
  const obj = v as Record<string, unknown>;
  return Object.entries(kind.object).every(([k, t]) => decodes(t, obj[k]));
}

/** Go's time.Parse(time.RFC3339): date and time, optional fraction, zone; real dates only. */
function isRfc3339(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/.exec(
    s,
  );
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && Number(m[4]) < 24;
}

const isBase64 = (s: string) =>
  /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s);

interface Target {
  readonly name: string;
  readonly collection: string;
  readonly apiVersion: string;
  readonly kind: string;
  /** The Go kinds of the kind's own fields; absent for custom resources (unstructured). */
  readonly fields?: Record<string, GoKind>;
  readonly strategic: boolean;
}

const TARGETS: Target[] = [
  {
    name: 'configmaps',
    collection: '/api/v1/namespaces/default/configmaps',
    apiVersion: 'v1',
    kind: 'ConfigMap',
    fields: { data: 'stringMap', binaryData: 'bytesMap', immutable: 'bool' },
    strategic: true,
  },
  {
    name: 'secrets',
    collection: '/api/v1/namespaces/default/secrets',
    apiVersion: 'v1',
    kind: 'Secret',
    fields: { data: 'bytesMap', stringData: 'stringMap', type: 'string', immutable: 'bool' },
    strategic: true,
  },
  {
    name: 'roles',
    collection: '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles',
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    fields: {
      rules: {
        list: {
          object: {
            apiGroups: 'stringList',
            resources: 'stringList',
            verbs: 'stringList',
            resourceNames: 'stringList',
            nonResourceURLs: 'stringList',
          },
        },
      },
    },
    strategic: true,
  },
  {
    name: 'widgets',
    collection: '/apis/example.com/v1/namespaces/default/widgets',
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    strategic: false,
  },
];

/** Whether Go's decoder (typed for built-ins, ObjectMeta for all) accepts `body`. */
function goAccepts(target: Target, body: Record<string, unknown>): boolean {
  if (!decodes('string', body.apiVersion) || !decodes('string', body.kind)) return false;
  if (!decodes({ object: META }, body.metadata)) return false;
  if (!target.fields) return true;
  return Object.entries(target.fields).every(([k, t]) => decodes(t, body[k]));
}

// ---- arbitraries --------------------------------------------------------------------------

const anyJson: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom('x', '', 'yes', '1', 'a/b', ...VALID_TIMES, ...INVALID_TIMES),
  fc.constant([] as JsonValue[]),
  fc.array(fc.oneof(fc.string({ maxLength: 4 }), fc.integer()), { maxLength: 2 }),
  fc.constant({}),
  fc.dictionary(
    fc.constantFrom('a', 'b.c/d'),
    fc.oneof(fc.string({ maxLength: 4 }), fc.integer()),
    {
      maxKeys: 2,
    },
  ),
);

const labelKey = fc.constantFrom('app', 'tier', 'example.com/owner', 'a');
const okValue = (kind: GoKind): fc.Arbitrary<JsonValue> => {
  if (kind === 'string') return fc.constantFrom('x', 'web', 'a-b');
  if (kind === 'bool') return fc.boolean();
  if (kind === 'int') return fc.integer({ min: 0, max: 1000 });
  if (kind === 'int32') return fc.integer({ min: 0, max: 5 });
  if (kind === 'time') return fc.constantFrom(...VALID_TIMES);
  if (kind === 'stringMap')
    return fc.dictionary(labelKey, fc.constantFrom('v', 'web', ''), { maxKeys: 2 });
  if (kind === 'bytesMap')
    return fc.dictionary(labelKey, fc.constantFrom('djE=', ''), { maxKeys: 2 });
  if (kind === 'stringList')
    return fc.array(fc.constantFrom('example.com/x', 'get', ''), { maxLength: 2 });
  if ('list' in kind) return fc.array(okValue(kind.list), { maxLength: 2 });
  return fc.record(
    Object.fromEntries(Object.entries(kind.object).map(([k, t]) => [k, okValue(t)])),
    { requiredKeys: [] },
  ) as fc.Arbitrary<JsonValue>;
};

/** A field's value: mostly of its type (so bodies get through), else anything at all. */
const fieldValue = (kind: GoKind) =>
  fc.oneof({ weight: 3, arbitrary: okValue(kind) }, { weight: 1, arbitrary: anyJson });

const metadata = (name: string) =>
  fc
    .record(
      Object.fromEntries(
        Object.entries(META)
          // Server-owned fields only add noise; they are cleared or compared anyway.
          .filter(([k]) => !['name', 'namespace', 'resourceVersion', 'uid'].includes(k))
          .map(([k, t]) => [k, fieldValue(t)]),
      ),
      { requiredKeys: [] },
    )
    .map((m) => ({ ...m, name }) as Record<string, JsonValue>);

const body = (target: Target, name: string) =>
  fc
    .record({
      apiVersion: fc.oneof(
        { weight: 4, arbitrary: fc.constant(target.apiVersion) },
        { weight: 1, arbitrary: anyJson },
      ),
      kind: fc.oneof(
        { weight: 4, arbitrary: fc.constant(target.kind) },
        { weight: 1, arbitrary: anyJson },
      ),
      metadata: fc.oneof(
        { weight: 9, arbitrary: metadata(name) },
        { weight: 1, arbitrary: anyJson },
      ),
      fields: target.fields
        ? fc.record(
            Object.fromEntries(Object.entries(target.fields).map(([k, t]) => [k, fieldValue(t)])),
            { requiredKeys: [] },
          )
        : fc.dictionary(fc.constantFrom('spec', 'status', 'data'), anyJson, { maxKeys: 2 }),
    })
    .map(
      ({ fields, ...typeAndMeta }) => ({ ...typeAndMeta, ...fields }) as Record<string, JsonValue>,
    );

// ---- the server ---------------------------------------------------------------------------

let server: CanopyProcess;
let send: (r: RawRequest) => Promise<RawResponse>;
let livez: { stop: () => Promise<number[]> };
let serial = 0;
/** A name no other run used: runs (and fast-check's shrinking reruns) never collide. */
const fresh = (prefix: string) => `${prefix}-${(serial++).toString(36)}`;
/** Generated bodies carry this name; each run puts a fresh one in its place. */
const NAME = '@name';

function named<T extends JsonValue>(value: T, name: string): T {
  return JSON.parse(JSON.stringify(value).replaceAll(JSON.stringify(NAME), JSON.stringify(name)));
}

/** Polls /livez until stopped; resolves to every answer's latency in ms. */
function pollLivez(): { stop: () => Promise<number[]> } {
  let done = false;
  const latencies: number[] = [];
  const loop = (async () => {
    while (!done) {
      const started = performance.now();
      const res = await send({ path: '/livez', token: null });
      latencies.push(performance.now() - started);
      expect(res.status).toBe(200);
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  return {
    stop: async () => {
      done = true;
      await loop;
      return latencies;
    },
  };
}

beforeAll(async () => {
  server = await startCanopy({ plain: true });
  send = httpClient(server.kubeconfig);
  await serveOpenWidgets(send);
  livez = pollLivez();
});

afterAll(async () => {
  const latencies = livez ? await livez.stop() : [];
  await server?.stop();
  server?.cleanup();
  // A liveness bound, generous for a loaded machine.
  expect(latencies.length).toBeGreaterThan(0);
  expect(Math.max(...latencies)).toBeLessThan(5_000);
});

/** A refusal is a Status with the code of the response; never a 5xx. */
function expectStatusOrObject(res: RawResponse, what: string): void {
  expect(res.status, `${what}: ${res.body.slice(0, 300)}`).toBeLessThan(500);
  if (res.status >= 400) {
    const status = JSON.parse(res.body) as { kind: string; code: number; status: string };
    expect(status).toMatchObject({ kind: 'Status', code: res.status, status: 'Failure' });
  }
}

/** The object as stored, or undefined; what is stored always decodes. */
async function stored(target: Target, name: string): Promise<Record<string, unknown> | undefined> {
  const res = await send({ path: `${target.collection}/${name}` });
  if (res.status === 404) return undefined;
  expect(res.status).toBe(200);
  const obj = JSON.parse(res.body) as Record<string, unknown>;
  expect(goAccepts(target, obj), `stored ${target.name}/${name}: ${res.body.slice(0, 400)}`).toBe(
    true,
  );
  return obj;
}

/** Runs per property; FUZZ_RUNS=2000 searches longer. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 120);

describe.each(TARGETS)('decoding $name', (target) => {
  it.each(['application/json', 'application/yaml'])(
    'creates from %s only what decodes, and never stores a refused body',
    async (contentType) => {
      await fc.assert(
        fc.asyncProperty(body(target, NAME), async (generated) => {
          const obj = named(generated, fresh('c'));
          const name = (obj.metadata as { name?: string } | null)?.name;
          const text = contentType === 'application/json' ? JSON.stringify(obj) : toYaml(obj);
          const res = await send({
            method: 'POST',
            path: target.collection,
            body: text,
            headers: { 'Content-Type': contentType },
          });
          expectStatusOrObject(res, `create ${text}`);
          if (!goAccepts(target, obj)) expect(res.status, text).toBe(400);
          if (typeof name === 'string') {
            const kept = await stored(target, name);
            expect(kept !== undefined, `${res.status} ${text}`).toBe(res.status === 201);
          }
        }),
        { numRuns: RUNS },
      );
    },
  );

  it('updates only with what decodes, leaving the object as it was otherwise', async () => {
    await fc.assert(
      fc.asyncProperty(body(target, NAME), async (generated) => {
        const name = fresh('u');
        const obj = named(generated, name);
        const seed = await send({
          method: 'POST',
          path: target.collection,
          body: JSON.stringify({
            apiVersion: target.apiVersion,
            kind: target.kind,
            metadata: { name },
          }),
        });
        expect(seed.status).toBe(201);
        const before = JSON.parse(seed.body) as { metadata: { resourceVersion: string } };
        const res = await send({
          method: 'PUT',
          path: `${target.collection}/${name}`,
          body: JSON.stringify(obj),
        });
        expectStatusOrObject(res, `update ${JSON.stringify(obj)}`);
        if (!goAccepts(target, obj)) expect(res.status).toBe(400);
        const after = (await stored(target, name)) as { metadata: { resourceVersion: string } };
        if (res.status >= 400) {
          expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
        }
      }),
      { numRuns: RUNS },
    );
  });

  const patchTypes = [
    'application/merge-patch+json',
    'application/json-patch+json',
    'application/apply-patch+yaml',
    ...(target.strategic ? ['application/strategic-merge-patch+json'] : []),
  ];
  const jsonPatch = fc.array(
    fc.record({
      op: fc.constantFrom('add', 'replace', 'remove', 'test', 'move', 'copy', 'bogus'),
      path: fc.constantFrom(
        '/metadata',
        '/metadata/name',
        '/metadata/labels',
        '/metadata/labels/a',
        '/metadata/finalizers',
        '/metadata/finalizers/0',
        '/metadata/ownerReferences',
        '/metadata/generation',
        '/data',
        '/data/a',
        '/kind',
        '/apiVersion',
        '',
      ),
      value: anyJson,
      from: fc.constantFrom('/metadata/labels', '/data', '/metadata/name'),
    }),
    { maxLength: 3 },
  );
  const mergeLike = (name: string) =>
    fc.oneof(
      body(target, name),
      fc.record({ metadata: anyJson }),
      fc.dictionary(
        fc.constantFrom('metadata', 'data', '$patch', '$retainKeys', 'kind', 'apiVersion'),
        fc.oneof(anyJson, fc.constantFrom('delete', 'replace', 'merge')),
        { maxKeys: 3 },
      ),
    );

  it.each(patchTypes)('applies a %s patch only when its result decodes', async (patchType) => {
    await fc.assert(
      fc.asyncProperty(
        patchType === 'application/json-patch+json'
          ? (jsonPatch as fc.Arbitrary<JsonValue>)
          : (mergeLike(NAME) as fc.Arbitrary<JsonValue>),
        async (generated) => {
          const name = fresh('p');
          const patch = named(generated, name);
          const seed = await send({
            method: 'POST',
            path: target.collection,
            body: JSON.stringify({
              apiVersion: target.apiVersion,
              kind: target.kind,
              metadata: { name, labels: { a: 'b' }, finalizers: ['example.com/f'] },
            }),
          });
          expect(seed.status).toBe(201);
          const before = JSON.parse(seed.body) as {
            metadata: { resourceVersion: string; uid: string };
          };
          const text =
            patchType === 'application/apply-patch+yaml' ? toYaml(patch) : JSON.stringify(patch);
          const res = await send({
            method: 'PATCH',
            path: `${target.collection}/${name}?fieldManager=fuzz`,
            body: text,
            headers: { 'Content-Type': patchType },
          });
          expectStatusOrObject(res, `${patchType} ${text}`);
          const after = (await stored(target, name)) as {
            metadata: { resourceVersion: string; uid: string; name: string };
          };
          // Identity never changes; a refused patch changes nothing at all.
          expect(after.metadata.name).toBe(name);
          expect(after.metadata.uid).toBe(before.metadata.uid);
          if (res.status >= 400) {
            expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

// ---- kinds answered rather than stored, and the scale subresource -------------------------

const ATTRIBUTES: Record<string, GoKind> = {
  namespace: 'string',
  verb: 'string',
  group: 'string',
  version: 'string',
  resource: 'string',
  subresource: 'string',
  name: 'string',
};
const ACCESS_STATUS: GoKind = {
  object: { allowed: 'bool', denied: 'bool', reason: 'string', evaluationError: 'string' },
};

/** POSTed and answered, never stored: a body Go would not decode is a 400, anything else < 500. */
const ANSWERED: Target[] = [
  {
    name: 'selfsubjectaccessreviews',
    collection: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    fields: {
      spec: {
        object: {
          resourceAttributes: { object: ATTRIBUTES },
          nonResourceAttributes: { object: { path: 'string', verb: 'string' } },
        },
      },
      status: ACCESS_STATUS,
    },
    strategic: false,
  },
  {
    name: 'subjectaccessreviews',
    collection: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    fields: {
      spec: {
        object: {
          resourceAttributes: { object: ATTRIBUTES },
          user: 'string',
          groups: 'stringList',
          uid: 'string',
        },
      },
      status: ACCESS_STATUS,
    },
    strategic: false,
  },
  {
    name: 'tokenreviews',
    collection: '/apis/authentication.k8s.io/v1/tokenreviews',
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenReview',
    fields: { spec: { object: { token: 'string', audiences: 'stringList' } } },
    strategic: false,
  },
  {
    name: 'serviceaccounts/token',
    collection: '/api/v1/namespaces/default/serviceaccounts/default/token',
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    fields: {
      spec: {
        object: {
          audiences: 'stringList',
          expirationSeconds: 'int',
          boundObjectRef: {
            object: { kind: 'string', apiVersion: 'string', name: 'string', uid: 'string' },
          },
        },
      },
      status: { object: { token: 'string', expirationTimestamp: 'time' } },
    },
    strategic: false,
  },
];

describe.each(ANSWERED)('decoding $name', (target) => {
  it('answers only what decodes, a 400 for the rest', async () => {
    await fc.assert(
      fc.asyncProperty(body(target, NAME), async (generated) => {
        const obj = named(generated, 'default');
        const text = JSON.stringify(obj);
        const res = await send({ method: 'POST', path: target.collection, body: text });
        expectStatusOrObject(res, `create ${text}`);
        if (!goAccepts(target, obj)) expect(res.status, `${text}: ${res.body}`).toBe(400);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('decoding a Scale', () => {
  const DEPLOYMENTS = '/apis/apps/v1/namespaces/default/deployments';
  const scale: Target = {
    name: 'deployments/scale',
    collection: DEPLOYMENTS,
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    fields: {
      spec: { object: { replicas: 'int32' } },
      status: { object: { replicas: 'int32', selector: 'string' } },
    },
    strategic: false,
  };

  it('scales only with a Scale that decodes, leaving the replicas as they were otherwise', async () => {
    await fc.assert(
      fc.asyncProperty(body(scale, NAME), async (generated) => {
        const name = fresh('s');
        const created = await send({
          method: 'POST',
          path: DEPLOYMENTS,
          body: JSON.stringify({
            metadata: { name },
            spec: {
              replicas: 1,
              selector: { matchLabels: { app: name } },
              template: {
                metadata: { labels: { app: name } },
                spec: { containers: [{ name: 'c', image: 'nginx' }] },
              },
            },
          }),
        });
        expect(created.status, created.body).toBe(201);
        const before = JSON.parse(created.body) as { metadata: { resourceVersion: string } };
        const obj = named(generated, name);
        const text = JSON.stringify(obj);
        const res = await send({ method: 'PUT', path: `${DEPLOYMENTS}/${name}/scale`, body: text });
        expectStatusOrObject(res, `scale ${text}`);
        if (!goAccepts(scale, obj)) expect(res.status, `${text}: ${res.body}`).toBe(400);
        const after = JSON.parse((await send({ path: `${DEPLOYMENTS}/${name}` })).body) as {
          metadata: { resourceVersion: string };
          spec: { replicas: number };
        };
        if (res.status >= 400) {
          expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
        } else {
          const asked = (obj.spec as { replicas?: number } | null)?.replicas;
          expect(after.spec.replicas).toBe(asked ?? 0);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
