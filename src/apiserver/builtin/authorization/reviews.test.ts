/**
 * The review resources and the TokenRequest subresource through the HTTP resource handler:
 * POST answers 201 with the computed object, nothing is stored, other verbs are 405.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../apimachinery/meta.ts';
import { ServiceAccountTokens, storageLookup } from '../../authn/service-accounts.ts';
import { Authorization } from '../../authz/authorization.ts';
import { type TestEnv, testEnv } from '../../authz/testing.ts';
import { requestInfo } from '../../http/request-info.ts';
import { handleResource } from '../../http/resource-handler.ts';
import { writeError } from '../../http/respond.ts';
import { TypeRegistry } from '../../registry/type-registry.ts';
import type { UserInfo } from '../../rest/scope.ts';
import { authenticationTypes, withTokenRequest } from '../authentication/index.ts';
import { serviceAccounts } from '../core/serviceaccounts.ts';
import { builtinTypes } from '../index.ts';
import { authorizationTypes } from './index.ts';

const RBAC = 'rbac.authorization.k8s.io';
let env: TestEnv;
let server: Server;
let base: string;
let authz: Authorization;

const USERS: Record<string, UserInfo> = {
  alice: { username: 'alice', groups: ['devs', 'system:authenticated'] },
  admin: { username: 'admin', groups: ['system:masters', 'system:authenticated'] },
};

beforeAll(async () => {
  authz = new Authorization();
  env = testEnv();
  const lookup = storageLookup(env.storage);
  const tokens = ServiceAccountTokens.loadOrCreate(env.dir, { lookup });
  // The registry of a server: ServiceAccounts with their token subresource, the reviews.
  const registry = new TypeRegistry([
    ...builtinTypes.map((t) =>
      t === serviceAccounts ? withTokenRequest(t, { tokens, lookup }) : t,
    ),
    ...authenticationTypes({ tokens }),
    ...authorizationTypes(authz),
  ]);
  await authz.start(env.store);
  await env.client
    .resource('root', { group: '', version: 'v1', resource: 'namespaces' })
    .create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
  await env.client
    .resource('root', { group: '', version: 'v1', resource: 'serviceaccounts' }, 'team')
    .create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder' } });
  await env.client
    .resource('root', { group: RBAC, version: 'v1', resource: 'rolebindings' }, 'team')
    .create({
      apiVersion: `${RBAC}/v1`,
      kind: 'RoleBinding',
      metadata: { name: 'devs-edit', namespace: 'team' },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'edit' },
      subjects: [{ kind: 'Group', apiGroup: RBAC, name: 'devs' }],
    } as KubeObject);
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const user = USERS[String(req.headers['x-user'])] ?? (USERS.alice as UserInfo);
    const info = requestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
    handleResource(
      { req, res, info, query: url.searchParams, cluster: 'root', user },
      { storage: env.storage, registry },
    ).catch((err: unknown) => writeError(res, err));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  authz.stop();
  await env.close();
});

async function call(
  method: string,
  path: string,
  body?: unknown,
  user = 'alice',
): Promise<{ code: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-user': user },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { code: res.status, body: (await res.json()) as Record<string, unknown> };
}

const SSAR = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';

describe('SelfSubjectAccessReview', () => {
  it('answers kubectl auth can-i', async () => {
    const ask = (resourceAttributes: Record<string, string>) =>
      call('POST', SSAR, {
        kind: 'SelfSubjectAccessReview',
        apiVersion: 'authorization.k8s.io/v1',
        metadata: { creationTimestamp: null },
        spec: { resourceAttributes },
        status: { allowed: false },
      });
    const yes = await ask({ namespace: 'team', verb: 'create', resource: 'secrets' });
    expect(yes.code).toBe(201);
    expect(yes.body).toMatchObject({
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      spec: { resourceAttributes: { namespace: 'team', verb: 'create', resource: 'secrets' } },
      status: {
        allowed: true,
        reason:
          'RBAC: allowed by RoleBinding "devs-edit/team" of ClusterRole "edit" to Group "devs"',
      },
    });
    const no = await ask({ namespace: 'default', verb: 'create', resource: 'secrets' });
    expect(no.body.status).toEqual({ allowed: false });
  });

  it('answers non-resource questions', async () => {
    const r = await call('POST', SSAR, {
      spec: { nonResourceAttributes: { path: '/healthz', verb: 'get' } },
    });
    expect(r.body.status).toMatchObject({ allowed: true });
  });

  it('is create-only and stores nothing', async () => {
    expect((await call('GET', SSAR)).code).toBe(405);
    expect((await call('DELETE', `${SSAR}/x`)).code).toBe(405);
  });

  it('refuses a review without attributes', async () => {
    const r = await call('POST', SSAR, { spec: {} });
    expect(r.code).toBe(422);
    expect(r.body.message).toBe(
      'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes must be specified',
    );
  });

  it('refuses a body of another kind', async () => {
    const r = await call('POST', SSAR, {
      kind: 'SubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
    });
    expect(r.code).toBe(400);
  });
});

describe('SubjectAccessReview and LocalSubjectAccessReview', () => {
  it('ask about someone else', async () => {
    const r = await call('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      spec: {
        user: 'erin',
        groups: ['devs'],
        resourceAttributes: { namespace: 'team', verb: 'get', resource: 'configmaps' },
      },
    });
    expect(r.code).toBe(201);
    expect(r.body.status).toMatchObject({ allowed: true });
    const nobody = await call('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      spec: { resourceAttributes: { verb: 'get', resource: 'configmaps' } },
    });
    expect(nobody.body.message).toBe(
      'SubjectAccessReview.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified',
    );
  });

  it('keep a local review in its namespace', async () => {
    const path = '/apis/authorization.k8s.io/v1/namespaces/team/localsubjectaccessreviews';
    const ok = await call('POST', path, {
      spec: {
        user: 'x',
        groups: ['devs'],
        resourceAttributes: { namespace: 'team', verb: 'list', resource: 'pods' },
      },
    });
    expect(ok.code).toBe(201);
    expect(ok.body.metadata).toMatchObject({ namespace: 'team' });
    expect(ok.body.status).toMatchObject({ allowed: true });
    const elsewhere = await call('POST', path, {
      spec: {
        user: 'x',
        resourceAttributes: { namespace: 'other', verb: 'list', resource: 'pods' },
      },
    });
    expect(elsewhere.code).toBe(422);
    expect(elsewhere.body.message).toContain(
      'spec.resourceAttributes.namespace: Invalid value: "other": must match metadata.namespace',
    );
  });
});

describe('SelfSubjectRulesReview', () => {
  it('lists the rules of a namespace (kubectl auth can-i --list)', async () => {
    const r = await call('POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', {
      spec: { namespace: 'team' },
    });
    expect(r.code).toBe(201);
    const status = r.body.status as {
      resourceRules: Record<string, string[]>[];
      nonResourceRules: Record<string, string[]>[];
      incomplete: boolean;
    };
    expect(status.incomplete).toBe(false);
    expect(status.resourceRules).toContainEqual({
      verbs: ['create'],
      apiGroups: [''],
      resources: ['serviceaccounts/token'],
    });
    expect(status.nonResourceRules).toContainEqual({
      verbs: ['get'],
      nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'],
    });
    const none = await call('POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', {
      spec: {},
    });
    expect([none.code, none.body.message]).toEqual([400, 'no namespace on request']);
  });
});

describe('SelfSubjectReview', () => {
  it('says who the user is, in the version asked', async () => {
    for (const version of ['v1', 'v1beta1']) {
      const r = await call('POST', `/apis/authentication.k8s.io/${version}/selfsubjectreviews`, {
        apiVersion: `authentication.k8s.io/${version}`,
        kind: 'SelfSubjectReview',
      });
      expect(r.code).toBe(201);
      expect(r.body).toMatchObject({
        apiVersion: `authentication.k8s.io/${version}`,
        kind: 'SelfSubjectReview',
        status: { userInfo: { username: 'alice', groups: ['devs', 'system:authenticated'] } },
      });
    }
  });
});

describe('serviceaccounts/token', () => {
  const path = '/api/v1/namespaces/team/serviceaccounts/builder/token';

  it('mints a token (kubectl create token)', async () => {
    const r = await call('POST', path, {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      spec: { expirationSeconds: 600 },
    });
    expect(r.code).toBe(201);
    expect(r.body).toMatchObject({ kind: 'TokenRequest', spec: { expirationSeconds: 600 } });
    expect((r.body.status as { token: string }).token.split('.')).toHaveLength(3);
  });

  it('is create-only; the service account itself is served as usual', async () => {
    expect((await call('GET', path)).code).toBe(405);
    const sa = await call('GET', '/api/v1/namespaces/team/serviceaccounts/builder');
    expect([sa.code, sa.body.kind]).toEqual([200, 'ServiceAccount']);
  });

  it('refuses a body of another kind', async () => {
    const r = await call('POST', path, { kind: 'ServiceAccount', apiVersion: 'v1' });
    expect([r.code, r.body.message]).toEqual([
      400,
      'the API version in the data (v1) does not match the expected API version (authentication.k8s.io/v1)',
    ]);
  });
});
