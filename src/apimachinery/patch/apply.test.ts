import { describe, expect, it } from 'vitest';
import type { JsonObject, KubeObject } from '../meta.ts';
import type { JSONSchemaProps } from '../schema/types.ts';
import { StatusError } from '../status.ts';
import { ApplyConflictError, type ApplyOptions, apply } from './apply.ts';
import { FieldSet, fieldElement as f } from './fieldpath.ts';
import { updateManagedFields } from './managed-fields.ts';

const str: JSONSchemaProps = { type: 'string' };
const API = 'example.com/v1';

const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    apiVersion: str,
    kind: str,
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      properties: {
        replicas: { type: 'integer' },
        containers: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: {
            type: 'object',
            properties: {
              name: str,
              image: str,
              env: {
                type: 'array',
                'x-kubernetes-list-type': 'map',
                'x-kubernetes-list-map-keys': ['name'],
                items: { type: 'object', properties: { name: str, value: str } },
              },
            },
          },
        },
        args: { type: 'array', items: str },
      },
    },
    data: { type: 'object', additionalProperties: str },
    status: { type: 'object', properties: { phase: str } },
  },
};

const t = (s: number) => `2024-01-01T00:00:${String(s).padStart(2, '0')}Z`;

function config(rest: JsonObject = {}, labels?: Record<string, string>): JsonObject {
  return {
    apiVersion: API,
    kind: 'Widget',
    metadata: { name: 'w', namespace: 'ns', ...(labels ? { labels } : {}) },
    ...rest,
  };
}

function run(
  live: KubeObject | undefined,
  applied: JsonObject,
  manager: string,
  second: number,
  extra: Partial<ApplyOptions> = {},
): KubeObject {
  return apply(live, applied, manager, { apiVersion: API, time: t(second), ...extra }, schema)
    .object;
}

function conflictOf(fn: () => unknown): ApplyConflictError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApplyConflictError) return err;
    throw err;
  }
  throw new Error('expected a conflict');
}

function owners(obj: KubeObject): Record<string, JsonObject | undefined> {
  const out: Record<string, JsonObject | undefined> = {};
  for (const e of obj.metadata.managedFields ?? []) out[`${e.manager}/${e.operation}`] = e.fieldsV1;
  return out;
}

describe('apply', () => {
  const first = run(undefined, config({ spec: { replicas: 1 } }, { app: 'w' }), 'mgr', 1);

  it('creates an object owned by the applier', () => {
    expect(first).toEqual({
      apiVersion: API,
      kind: 'Widget',
      metadata: {
        name: 'w',
        namespace: 'ns',
        labels: { app: 'w' },
        managedFields: [
          {
            manager: 'mgr',
            operation: 'Apply',
            apiVersion: API,
            time: t(1),
            fieldsType: 'FieldsV1',
            fieldsV1: {
              'f:metadata': { 'f:labels': { 'f:app': {} } },
              'f:spec': { 'f:replicas': {} },
            },
          },
        ],
      },
      spec: { replicas: 1 },
    });
  });

  it('leaves the object exactly as it was when the same configuration is applied again', () => {
    const again = run(first, config({ spec: { replicas: 1 } }, { app: 'w' }), 'mgr', 2);
    expect(again).toEqual(first);
  });

  it('accepts an explicit managedFields: null in the configuration', () => {
    const applied = config({ spec: { replicas: 1 } }, { app: 'w' });
    (applied.metadata as JsonObject).managedFields = null;
    expect(run(first, applied, 'mgr', 2)).toEqual(first);
  });

  it('updates the time when a value changes', () => {
    const next = run(first, config({ spec: { replicas: 2 } }, { app: 'w' }), 'mgr', 2);
    expect(next.spec).toEqual({ replicas: 2 });
    expect(next.metadata.managedFields?.[0]?.time).toBe(t(2));
  });

  it('removes the fields the applier no longer applies', () => {
    const next = run(first, config({ spec: { replicas: 1 } }), 'mgr', 2);
    expect(next.metadata.labels).toBeUndefined();
    expect(owners(next)).toEqual({ 'mgr/Apply': { 'f:spec': { 'f:replicas': {} } } });
    expect(next.metadata.managedFields?.[0]?.time).toBe(t(2));
  });

  it('shares a field applied with the same value by two managers', () => {
    const a = run(undefined, config({ data: { x: '1' } }), 'a', 1);
    const b = run(a, config({ data: { x: '1', y: '2' } }), 'b', 2);
    expect(owners(b)).toEqual({
      'a/Apply': { 'f:data': { 'f:x': {} } },
      'b/Apply': { 'f:data': { 'f:x': {}, 'f:y': {} } },
    });
    // One sharer letting go keeps the field; the last one removes it.
    const aGone = run(b, config({ data: {} }), 'a', 3);
    expect(aGone.data).toEqual({ x: '1', y: '2' });
    const bGone = run(aGone, config({ data: { y: '2' } }), 'b', 4);
    expect(bGone.data).toEqual({ y: '2' });
  });

  it('fails with 409 when another applier owns a field with another value', () => {
    const a = run(undefined, config({ data: { x: '1' } }), 'a', 1);
    const err = conflictOf(() => run(a, config({ data: { x: '2' } }), 'b', 2));
    expect(err).toBeInstanceOf(StatusError);
    expect(err.status).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      code: 409,
      reason: 'Conflict',
      message: 'Apply failed with 1 conflict: conflict with "a": .data.x',
      details: {
        causes: [
          { reason: 'FieldManagerConflict', message: 'conflict with "a"', field: '.data.x' },
        ],
      },
    });
  });

  it('lists several conflicts per manager, Update managers with their apiVersion', () => {
    const created = updateManagedFields(
      undefined,
      config({ data: { x: '1', y: '1' } }) as unknown as KubeObject,
      'kubectl-client-side-apply',
      { apiVersion: API, time: t(1) },
      schema,
    );
    const withA = run(created, config({ data: { z: '1' } }), 'a', 2);
    const err = conflictOf(() => run(withA, config({ data: { x: '2', y: '2' } }), 'b', 3));
    expect(err.message).toBe(
      'Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using example.com/v1:\n- .data.x\n- .data.y',
    );
    const err2 = conflictOf(() => run(withA, config({ data: { x: '2', z: '2' } }), 'b', 3));
    expect(err2.message).toBe(
      'Apply failed with 2 conflicts: conflicts with "a":\n- .data.z\nconflicts with "kubectl-client-side-apply" using example.com/v1:\n- .data.x',
    );
    expect(err2.status.details?.causes).toEqual([
      { reason: 'FieldManagerConflict', message: 'conflict with "a"', field: '.data.z' },
      {
        reason: 'FieldManagerConflict',
        message: 'conflict with "kubectl-client-side-apply" using example.com/v1',
        field: '.data.x',
      },
    ]);
  });

  it('moves ownership to a forcing applier', () => {
    const a = run(undefined, config({ data: { x: '1', y: '1' } }), 'a', 1);
    const result = apply(
      a,
      config({ data: { x: '2' } }),
      'b',
      { apiVersion: API, time: t(2), force: true },
      schema,
    );
    expect(result.object.data).toEqual({ x: '2', y: '1' });
    expect(result.conflicts?.map((c) => `${c.manager} ${c.field}`)).toEqual(['a .data.x']);
    expect(owners(result.object)).toEqual({
      'a/Apply': { 'f:data': { 'f:y': {} } },
      'b/Apply': { 'f:data': { 'f:x': {} } },
    });
    // a applying its old value again now conflicts with b.
    const err = conflictOf(() => run(result.object, config({ data: { x: '1', y: '1' } }), 'a', 3));
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "b": .data.x');
  });

  it('adds and removes map-list elements by key', () => {
    const containers = (...names: string[]) => ({
      spec: { containers: names.map((name) => ({ name, image: `${name}:1` })) },
    });
    const two = run(undefined, config(containers('c1', 'c2')), 'mgr', 1);
    expect(owners(two)['mgr/Apply']).toEqual({
      'f:spec': {
        'f:containers': {
          'k:{"name":"c1"}': { '.': {}, 'f:image': {}, 'f:name': {} },
          'k:{"name":"c2"}': { '.': {}, 'f:image': {}, 'f:name': {} },
        },
      },
    });
    const three = run(two, config(containers('c1', 'c2', 'c3')), 'mgr', 2);
    expect((three.spec as JsonObject).containers).toEqual([
      { name: 'c1', image: 'c1:1' },
      { name: 'c2', image: 'c2:1' },
      { name: 'c3', image: 'c3:1' },
    ]);
    const one = run(three, config(containers('c2')), 'mgr', 3);
    expect((one.spec as JsonObject).containers).toEqual([{ name: 'c2', image: 'c2:1' }]);
  });

  it('keeps elements another applier applied and merges their fields', () => {
    const a = run(
      undefined,
      config({ spec: { containers: [{ name: 'c1', image: 'i' }] } }),
      'a',
      1,
    );
    const b = run(
      a,
      config({ spec: { containers: [{ name: 'c1', env: [{ name: 'E', value: 'v' }] }] } }),
      'b',
      2,
    );
    expect((b.spec as JsonObject).containers).toEqual([
      { name: 'c1', image: 'i', env: [{ name: 'E', value: 'v' }] },
    ]);
    const aGone = run(b, config({ spec: {} }), 'a', 3);
    expect((aGone.spec as JsonObject).containers).toEqual([
      { name: 'c1', env: [{ name: 'E', value: 'v' }] },
    ]);
  });

  it('unions set lists and removes values only their applier applied', () => {
    const a = run(undefined, config({ metadata: { name: 'w', finalizers: ['a'] } }), 'a', 1);
    const b = run(a, config({ metadata: { name: 'w', finalizers: ['b'] } }), 'b', 2);
    expect(b.metadata.finalizers).toEqual(['a', 'b']);
    expect(owners(b)['b/Apply']).toEqual({ 'f:metadata': { 'f:finalizers': { 'v:"b"': {} } } });
    const aGone = run(b, config({ metadata: { name: 'w' } }), 'a', 3);
    expect(aGone.metadata.finalizers).toEqual(['b']);
  });

  it('replaces atomic lists whole, which conflicts with their owner', () => {
    const a = run(undefined, config({ spec: { args: ['x', 'y'] } }), 'a', 1);
    const err = conflictOf(() => run(a, config({ spec: { args: ['z'] } }), 'b', 2));
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "a": .spec.args');
    const forced = run(a, config({ spec: { args: ['z'] } }), 'b', 2, { force: true });
    expect(forced.spec).toEqual({ args: ['z'] });
    expect(owners(forced)).toEqual({ 'b/Apply': { 'f:spec': { 'f:args': {} } } });
  });

  it('loses fields to an Update that changes them, and fields an Update removes', () => {
    const a = run(undefined, config({ data: { x: '1', y: '1', z: '1' } }), 'a', 1);
    const edited = updateManagedFields(
      a,
      { ...a, data: { x: '2', y: '1' } },
      'editor',
      { apiVersion: API, time: t(2) },
      schema,
    );
    expect(owners(edited)).toEqual({
      'a/Apply': { 'f:data': { 'f:y': {} } },
      'editor/Update': { 'f:data': { 'f:x': {} } },
    });
    // a applying its configuration again now conflicts on x, and z comes back as a's.
    const err = conflictOf(() => run(edited, config({ data: { x: '1', y: '1', z: '1' } }), 'a', 3));
    expect(err.message).toBe(
      'Apply failed with 1 conflict: conflict with "editor" using example.com/v1: .data.x',
    );
  });

  it('drops elements whose Update-owned parts are all that remains', () => {
    const a = run(
      undefined,
      config({ spec: { containers: [{ name: 'c1', image: 'i' }] } }),
      'a',
      1,
    );
    const spec = { containers: [{ name: 'c1', image: 'i', env: [{ name: 'E', value: 'v' }] }] };
    const injected = updateManagedFields(
      a,
      { ...a, spec },
      'injector',
      { apiVersion: API, time: t(2) },
      schema,
    );
    const gone = run(injected, config({ spec: {} }), 'a', 3);
    expect(gone.spec).toBeUndefined();
    expect(owners(gone)).toEqual({});
  });

  it('records what an object had before its first apply as before-first-apply', () => {
    const live: KubeObject = {
      apiVersion: API,
      kind: 'Widget',
      metadata: { name: 'w', namespace: 'ns', uid: 'u', resourceVersion: '5' },
      data: { x: '1', y: '1' },
    };
    const same = run(live, config({ data: { x: '1' } }), 'a', 1);
    expect(owners(same)).toEqual({
      'a/Apply': { 'f:data': { 'f:x': {} } },
      'before-first-apply/Update': { 'f:data': { '.': {}, 'f:x': {}, 'f:y': {} } },
    });
    expect(same.metadata.uid).toBe('u');
    const err = conflictOf(() => run(live, config({ data: { x: '2' } }), 'a', 1));
    expect(err.message).toBe(
      'Apply failed with 1 conflict: conflict with "before-first-apply" using example.com/v1: .data.x',
    );
  });

  it('keeps live fields nobody owns when the applier drops its own', () => {
    const a = run(undefined, config({ data: { x: '1' } }), 'a', 1);
    const b = run(a, config({ data: { k: '1' } }), 'b', 2);
    const live = {
      ...b,
      metadata: { ...b.metadata, uid: 'u' },
      data: { ...(b.data as JsonObject), unowned: 'u' },
    };
    const out = run(live, config({}), 'a', 3);
    expect(out.data).toEqual({ k: '1', unowned: 'u' });
    expect(out.metadata.uid).toBe('u');
  });

  it('records subresource appliers separately', () => {
    const a = run(undefined, config({ data: { x: '1' } }), 'a', 1);
    const s = run(a, config({ status: { phase: 'Ready' } }), 'ctl', 2, { subresource: 'status' });
    expect(s.metadata.managedFields?.map((e) => [e.manager, e.subresource])).toEqual([
      ['a', undefined],
      ['ctl', 'status'],
    ]);
    const err = conflictOf(() =>
      run(s, config({ status: { phase: 'Done' } }), 'other', 3, { subresource: 'status' }),
    );
    expect(err.message).toBe(
      'Apply failed with 1 conflict: conflict with "ctl" with subresource "status": .status.phase',
    );
  });

  it('does not record fields the endpoint ignores', () => {
    const out = run(undefined, config({ data: { x: '1' }, status: { phase: 'P' } }), 'a', 1, {
      ignoredFields: FieldSet.of([f('status')]),
    });
    expect(owners(out)).toEqual({ 'a/Apply': { 'f:data': { 'f:x': {} } } });
  });

  it.each<[string, JsonObject, Partial<ApplyOptions>, string]>([
    [
      'managedFields in the configuration',
      config({ metadata: { name: 'w', managedFields: [] } }),
      {},
      'metadata.managedFields must be nil',
    ],
    [
      'another version',
      { ...config(), apiVersion: 'example.com/v2' },
      {},
      'Incorrect version specified in apply patch. Specified patch version: example.com/v2, expected: example.com/v1',
    ],
    [
      'another kind',
      config(),
      { kind: 'Gadget' },
      'invalid object type: example.com/v1, Kind=Widget',
    ],
    [
      'a map-list element without its key',
      config({ spec: { containers: [{ image: 'x' }] } }),
      {},
      'failed to create typed patch object (ns/w; example.com/v1, Kind=Widget): .spec.containers: element 0: associative list with keys has an element that omits key field "name" (and doesn\'t have default value)',
    ],
  ])('rejects %s with 400', (_name, applied, extra, message) => {
    let err: unknown;
    try {
      apply(undefined, applied, 'a', { apiVersion: API, ...extra }, schema);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).status).toMatchObject({ code: 400, message });
  });
});
