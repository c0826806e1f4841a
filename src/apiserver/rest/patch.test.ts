/**
 * PATCH through the storage: a patch of a missing object is a 404 even for types whose PUT
 * creates, and bad patches are 4xx Statuses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apimachinery/meta.ts';
import { type TestEnv, testEnv } from '../authz/testing.ts';
import { configMaps } from '../builtin/core/configmaps.ts';
import { roles } from '../builtin/rbac/roles.ts';
import { PATCH_TYPES } from '../http/negotiation.ts';
import { patchFunction } from './patch.ts';
import type { Scope } from './scope.ts';

let env: TestEnv;
const user = { username: 'admin', groups: ['system:masters'] };
const roleScope: Scope = {
  cluster: 'root',
  type: roles,
  version: 'v1',
  namespace: 'default',
  user,
};
const cmScope: Scope = { ...roleScope, type: configMaps };

beforeAll(async () => {
  env = testEnv();
  await env.storage.create(cmScope, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cm', namespace: 'default' },
    data: { a: '1' },
  } as KubeObject);
});

afterAll(async () => {
  await env.close();
});

/** Decoding (which throws at once) and the write, as the handler runs them. */
const patch = async (scope: Scope, name: string, type: string, body: unknown) =>
  env.storage.update(
    scope,
    name,
    patchFunction(type, JSON.stringify(body), scope.type, 'v1', name),
  );

describe('patch', () => {
  it('merges into the stored object', async () => {
    const result = await patch(cmScope, 'cm', PATCH_TYPES.merge, { data: { b: '2' } });
    expect(result.object).toMatchObject({ data: { a: '1', b: '2' } });
  });

  it('is a 404 for a missing object, even where PUT would create it', async () => {
    expect(roles.strategy.allowCreateOnUpdate).toBe(true);
    for (const type of [PATCH_TYPES.merge, PATCH_TYPES.strategic, PATCH_TYPES.json]) {
      const body = type === PATCH_TYPES.json ? [] : { rules: [] };
      await expect(patch(roleScope, 'missing', type, body)).rejects.toMatchObject({
        code: 404,
        reason: 'NotFound',
      });
    }
  });

  it('refuses bad patches with 4xx', async () => {
    const cases: Array<[string, unknown, number]> = [
      [PATCH_TYPES.json, { op: 'add' }, 400],
      [PATCH_TYPES.json, [{ op: 'test', path: '/data/a', value: 'x' }], 422],
      [PATCH_TYPES.merge, [1], 400],
      [PATCH_TYPES.merge, { kind: 'Secret' }, 400],
      ['text/plain', {}, 415],
      [PATCH_TYPES.apply, {}, 415],
    ];
    for (const [type, body, code] of cases) {
      await expect(
        patch(cmScope, 'cm', type, body),
        `${type} ${JSON.stringify(body)}`,
      ).rejects.toMatchObject({ code });
    }
  });
});
