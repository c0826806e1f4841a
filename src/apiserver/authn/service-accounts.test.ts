import { generateKeyPairSync } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type KubeObject, nameOf } from '../../apimachinery/meta.ts';
import { isStatusError } from '../../apimachinery/status.ts';
import { silentLogger } from '../../logging/logger.ts';
import { CLUSTER_NAME_EXTRA } from '../authz/scopes.ts';
import { eventually, type TestEnv, testEnv } from '../authz/testing.ts';
import { tokenRequestSubresource } from '../builtin/authentication/tokenrequests.ts';
import { reviewToken } from '../builtin/authentication/tokenreviews.ts';
import { ServiceAccountTokenController } from '../controllers/serviceaccount-token/token-controller.ts';
import type { VirtualCreateContext } from '../registry/resource-type.ts';
import type { UserInfo } from '../rest/scope.ts';
import { decodeJwt, signJwt } from './jwt.ts';
import {
  CREDENTIAL_ID_EXTRA,
  InvalidTokenError,
  ServiceAccountTokens,
  SIGNING_KEY_FILE,
  serviceAccountTokenCluster,
  storageLookup,
} from './service-accounts.ts';
import { TokenAuthenticator } from './token-file.ts';

const SA = { group: '', version: 'v1', resource: 'serviceaccounts' };
const SECRETS = { group: '', version: 'v1', resource: 'secrets' };
const NS = { group: '', version: 'v1', resource: 'namespaces' };

let env: TestEnv;
let clock: number;
let tokens: ServiceAccountTokens;

async function createSA(name: string, cluster = 'root', namespace = 'team'): Promise<KubeObject> {
  const namespaces = env.client.resource(cluster, NS);
  if (!(await namespaces.find(namespace))) {
    await namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  }
  return env.client
    .resource(cluster, SA, namespace)
    .create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
}

function ref(sa: KubeObject, cluster = 'root') {
  return {
    cluster,
    namespace: sa.metadata.namespace as string,
    name: nameOf(sa),
    uid: sa.metadata.uid as string,
  };
}

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'accepted';
  } catch (err) {
    if (err instanceof InvalidTokenError) return err.message;
    throw err;
  }
}

beforeEach(() => {
  env = testEnv();
  clock = 1_700_000_000;
  tokens = ServiceAccountTokens.loadOrCreate(env.dir, {
    lookup: storageLookup(env.storage),
    now: () => clock,
  });
});

afterEach(async () => {
  await env.close();
});

describe('the signing key', () => {
  it('is created once in the data directory, private to its owner', () => {
    const path = join(env.dir, SIGNING_KEY_FILE);
    expect(existsSync(path)).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = ServiceAccountTokens.loadOrCreate(env.dir, {
      lookup: storageLookup(env.storage),
    });
    expect(again.keyId).toBe(tokens.keyId);
  });
});

describe('bound tokens', () => {
  it('carry upstream claims and the logical cluster', async () => {
    const sa = await createSA('builder');
    const { token, expirationTimestamp } = tokens.mint({
      serviceAccount: ref(sa),
      expirationSeconds: 3600,
    });
    const jwt = decodeJwt(token);
    expect(jwt?.header).toEqual({ alg: 'ES256', kid: tokens.keyId });
    expect(jwt?.claims).toMatchObject({
      iss: 'https://kubernetes.default.svc.cluster.local',
      sub: 'system:serviceaccount:team:builder',
      aud: ['https://kubernetes.default.svc.cluster.local'],
      iat: clock,
      nbf: clock,
      exp: clock + 3600,
      'kubernetes.io': {
        clusterName: 'root',
        namespace: 'team',
        serviceaccount: { name: 'builder', uid: sa.metadata.uid },
      },
    });
    expect(expirationTimestamp).toBe(
      new Date((clock + 3600) * 1000).toISOString().replace('.000', ''),
    );
    expect(serviceAccountTokenCluster(token)).toBe('root');
  });

  it('authenticate as the service account', async () => {
    const sa = await createSA('builder');
    const { token } = tokens.mint({ serviceAccount: ref(sa) });
    const result = await tokens.verify(token);
    const user = result?.user as UserInfo;
    expect(user.username).toBe('system:serviceaccount:team:builder');
    expect(user.uid).toBe(sa.metadata.uid);
    expect(user.groups).toEqual([
      'system:serviceaccounts',
      'system:serviceaccounts:team',
      'system:authenticated',
    ]);
    expect(user.extra?.[CLUSTER_NAME_EXTRA]).toEqual(['root']);
    expect(user.extra?.[CREDENTIAL_ID_EXTRA]?.[0]).toMatch(/^JTI=[0-9a-f-]{36}$/);
  });

  it('are refused once expired (with upstream’s minute of leeway)', async () => {
    const sa = await createSA('builder');
    const { token } = tokens.mint({ serviceAccount: ref(sa), expirationSeconds: 600 });
    clock += 600 + 60;
    expect((await tokens.verify(token))?.user.username).toBe('system:serviceaccount:team:builder');
    clock += 1;
    expect(await failure(tokens.verify(token))).toBe('service account token has expired');
  });

  it('are refused when tampered with', async () => {
    const sa = await createSA('builder');
    const other = await createSA('admin');
    const { token } = tokens.mint({ serviceAccount: ref(sa) });
    const [h, p, s] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    claims.sub = 'system:serviceaccount:team:admin';
    claims['kubernetes.io'].serviceaccount = { name: 'admin', uid: other.metadata.uid };
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    expect(await failure(tokens.verify(forged))).toBe('token signature is invalid');
    // A flipped signature byte, too.
    const sig = Buffer.from(s, 'base64url');
    sig[5] = (sig[5] as number) ^ 1;
    expect(await failure(tokens.verify(`${h}.${p}.${sig.toString('base64url')}`))).toBe(
      'token signature is invalid',
    );
  });

  it('are refused when signed by another key with our issuer', async () => {
    const sa = await createSA('builder');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const { token } = new ServiceAccountTokens({
      signingKey: privateKey,
      lookup: storageLookup(env.storage),
      now: () => clock,
    }).mint({ serviceAccount: ref(sa) });
    expect(await failure(tokens.verify(token))).toBe('token signature is invalid');
  });

  it('leave tokens of other issuers to other authenticators', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const token = signJwt({ iss: 'https://dex.example.com', sub: 'x' }, privateKey);
    expect(await tokens.verify(token)).toBeUndefined();
    expect(await tokens.verify('not-a-jwt')).toBeUndefined();
  });

  it('are refused for an audience they were not minted for', async () => {
    const sa = await createSA('builder');
    const { token } = tokens.mint({ serviceAccount: ref(sa), audiences: ['vault'] });
    expect(await failure(tokens.verify(token))).toBe(
      'token audiences ["vault"] is invalid for the target audiences ["https://kubernetes.default.svc.cluster.local"]',
    );
    expect((await tokens.verify(token, ['vault', 'other']))?.audiences).toEqual(['vault']);
  });

  it('die with their service account, even if one of the same name is recreated', async () => {
    const sa = await createSA('builder');
    const { token } = tokens.mint({ serviceAccount: ref(sa) });
    await env.client.resource('root', SA, 'team').delete('builder');
    expect(await failure(tokens.verify(token))).toBe('serviceaccounts "builder" not found');
    const again = await createSA('builder');
    expect(again.metadata.uid).not.toBe(sa.metadata.uid);
    expect(await failure(tokens.verify(token))).toBe(
      `service account UID (${again.metadata.uid}) does not match claim (${sa.metadata.uid})`,
    );
  });

  it('are looked up in the cluster they were minted in', async () => {
    const sa = await createSA('builder', 'root');
    await createSA('builder', 'other');
    const { token } = tokens.mint({ serviceAccount: ref(sa, 'root') });
    expect((await tokens.verify(token))?.user.extra?.[CLUSTER_NAME_EXTRA]).toEqual(['root']);
    await env.client.resource('root', SA, 'team').delete('builder');
    // The account of the same name in another cluster does not keep it alive.
    expect(await failure(tokens.verify(token))).toBe('serviceaccounts "builder" not found');
  });

  it('bound to a Secret die with it', async () => {
    const sa = await createSA('builder');
    const secret = await env.client.resource('root', SECRETS, 'team').create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'anchor', namespace: 'team' },
    });
    const { token } = tokens.mint({
      serviceAccount: ref(sa),
      boundObject: { kind: 'Secret', name: 'anchor', uid: secret.metadata.uid as string },
    });
    expect((await tokens.verify(token))?.user.username).toBe('system:serviceaccount:team:builder');
    await env.client.resource('root', SECRETS, 'team').delete('anchor');
    expect(await failure(tokens.verify(token))).toBe('secrets "anchor" not found');
  });

  it('make a 401 through the request authenticator', async () => {
    const req = (token: string) =>
      ({
        headers: { authorization: `Bearer ${token}` },
      }) as unknown as import('node:http').IncomingMessage;
    const sa = await createSA('builder');
    const { token } = tokens.mint({ serviceAccount: ref(sa) });
    expect((await tokens.authenticate(req(token)))?.username).toBe(
      'system:serviceaccount:team:builder',
    );
    clock += 7200;
    const err = await tokens.authenticate(req(token)).catch((e: unknown) => e);
    expect(isStatusError(err) && err.code).toBe(401);
    expect(isStatusError(err) && err.status.message).toBe('Unauthorized');
  });

  it('publish their keys as a JWKS', () => {
    const jwks = tokens.jwks();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({
      kty: 'EC',
      crv: 'P-256',
      kid: tokens.keyId,
      alg: 'ES256',
    });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });
});

describe('TokenRequest', () => {
  const ctx = (name: string, extra: Partial<VirtualCreateContext> = {}): VirtualCreateContext => ({
    cluster: 'root',
    namespace: 'team',
    name,
    version: 'v1',
    user: { username: 'admin', groups: ['system:masters'] },
    dryRun: false,
    ...extra,
  });
  const body = (spec: Record<string, unknown>) =>
    ({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: { creationTimestamp: null },
      spec,
    }) as unknown as KubeObject;

  it('mints a token kubectl create token prints', async () => {
    await createSA('builder');
    const sub = tokenRequestSubresource({ tokens, lookup: storageLookup(env.storage) });
    const out = (await sub.create(
      ctx('builder'),
      body({ audiences: null, expirationSeconds: null, boundObjectRef: null }),
    )) as unknown as Record<string, Record<string, unknown>>;
    expect(out.kind).toBe('TokenRequest');
    expect(out.metadata).toMatchObject({ name: 'builder', namespace: 'team' });
    expect(out.spec).toEqual({
      audiences: ['https://kubernetes.default.svc.cluster.local'],
      expirationSeconds: 3600,
      boundObjectRef: null,
    });
    const token = out.status?.token as string;
    expect((await tokens.verify(token))?.user.username).toBe('system:serviceaccount:team:builder');
  });

  it.each<[Record<string, unknown>, number, string]>([
    [
      { expirationSeconds: 60 },
      422,
      'TokenRequest.authentication.k8s.io "builder" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes',
    ],
    [
      { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p' } },
      400,
      'cannot bind token to object of type /v1, Kind=Pod',
    ],
    [
      { boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 'nope' } },
      404,
      'secrets "nope" not found',
    ],
  ])('refuses %o', async (spec, code, message) => {
    await createSA('builder');
    const sub = tokenRequestSubresource({ tokens, lookup: storageLookup(env.storage) });
    const err = await sub.create(ctx('builder'), body(spec)).catch((e: unknown) => e);
    expect(isStatusError(err) && [err.code, err.status.message]).toEqual([code, message]);
  });

  it('answers 404 for a missing service account', async () => {
    const sub = tokenRequestSubresource({ tokens, lookup: storageLookup(env.storage) });
    const err = await sub.create(ctx('ghost'), body({})).catch((e: unknown) => e);
    expect(isStatusError(err) && err.status.message).toBe('serviceaccounts "ghost" not found');
  });
});

describe('TokenReview', () => {
  it('reviews service account and static tokens', async () => {
    const sa = await createSA('builder');
    const { token } = tokens.mint({ serviceAccount: ref(sa), audiences: ['api', 'vault'] });
    const staticTokens = new TokenAuthenticator();
    staticTokens.add('s3cr3t', { username: 'alice', groups: ['devs'] });
    const deps = { tokens, bearerAuthenticators: [staticTokens] };
    expect(await reviewToken(deps, token, ['vault'])).toMatchObject({
      authenticated: true,
      user: { username: 'system:serviceaccount:team:builder' },
      audiences: ['vault'],
    });
    expect(await reviewToken(deps, token, tokens.apiAudiences)).toMatchObject({
      authenticated: false,
      error: expect.stringContaining('is invalid for the target audiences'),
    });
    expect(await reviewToken(deps, 's3cr3t', ['x'])).toEqual({
      authenticated: true,
      user: { username: 'alice', groups: ['devs', 'system:authenticated'] },
      audiences: ['x'],
    });
    expect(await reviewToken(deps, 'nope', ['x'])).toMatchObject({ authenticated: false });
  });
});

describe('legacy token Secrets', () => {
  it('are filled, accepted, and die with their account', async () => {
    const controller = new ServiceAccountTokenController({
      client: env.client,
      store: env.store,
      tokens,
      caPem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
      logger: silentLogger(),
    });
    await controller.start();
    try {
      const sa = await createSA('builder');
      const secrets = env.client.resource('root', SECRETS, 'team');
      await secrets.create({
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/service-account-token',
        metadata: {
          name: 'builder-token',
          namespace: 'team',
          annotations: { 'kubernetes.io/service-account.name': 'builder' },
        },
      } as KubeObject);
      const filled = await eventually(async () => {
        const s = await secrets.get('builder-token');
        return (s.data as Record<string, string> | undefined)?.token ? s : undefined;
      });
      const data = filled.data as Record<string, string>;
      expect(filled.metadata.annotations?.['kubernetes.io/service-account.uid']).toBe(
        sa.metadata.uid,
      );
      expect(Buffer.from(data.namespace as string, 'base64').toString()).toBe('team');
      expect(Buffer.from(data['ca.crt'] as string, 'base64').toString()).toContain('CERTIFICATE');
      const token = Buffer.from(data.token as string, 'base64').toString();
      expect(decodeJwt(token)?.claims).toMatchObject({
        iss: 'kubernetes/serviceaccount',
        'kubernetes.io/serviceaccount/clusterName': 'root',
        'kubernetes.io/serviceaccount/secret.name': 'builder-token',
      });
      expect((await tokens.verify(token))?.user).toMatchObject({
        username: 'system:serviceaccount:team:builder',
        extra: { [CLUSTER_NAME_EXTRA]: ['root'] },
      });

      await env.client.resource('root', SA, 'team').delete('builder');
      expect(await failure(tokens.verify(token))).toMatch(/not found/);
      await eventually(async () => !(await secrets.find('builder-token')));
    } finally {
      controller.stop();
    }
  });
});
