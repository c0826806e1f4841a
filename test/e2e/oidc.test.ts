/**
 * OpenID Connect sign-in to the API server, end to end: `canopy start` with the `--oidc-*`
 * flags trusting a real OpenID provider on loopback (oidc-provider, over HTTPS with its own
 * CA), and ID tokens got through the provider's sign-in page.
 *
 * - kubectl (1.33 and 1.27) with an ID token as the bearer: `auth whoami`, objects created
 *   and refused by group-based RBAC, in each workspace separately;
 * - every refusal the issue lists (expired, not yet valid, wrong audience, another issuer,
 *   bad signature, `alg: none`, HS256 signed with the public key, no username claim, an
 *   unverified email) is a 401 with the same body, revealing nothing;
 * - key rotation without a restart, with a bounded number of key fetches under a flood of
 *   tokens naming unknown keys;
 * - impersonation rules and the audit log for an OIDC user, and TokenReview of its token.
 */
import { createHmac, createPublicKey, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeKubeconfig, singleContextKubeconfig } from '../../src/apimachinery/kubeconfig.ts';
import { type CanopyProcess, startCanopy } from './harness/canopy-process.ts';
import { httpClient, type RawResponse } from './harness/http.ts';
import { kubectl } from './harness/kubectl.ts';
import { type TestClient, TestOidcProvider, type Tokens } from './harness/oidc-provider.ts';
import { clusterRoleBinding } from './harness/tenants.ts';
import { until } from './harness/wait.ts';

const RBAC = 'rbac.authorization.k8s.io';
const WS = '/apis/tenancy.kcp.io/v1alpha1/workspaces';
const CLIENT: TestClient = {
  clientId: 'canopy',
  clientSecret: randomBytes(12).toString('hex'),
  redirectUris: ['https://127.0.0.1/callback'],
};
const ACCOUNTS = {
  alice: { email: 'alice@example.com', email_verified: true, groups: ['dev'] },
  bob: { email: 'bob@example.com', email_verified: true, groups: ['ops'] },
  carol: { email: 'carol@example.com', email_verified: false, groups: ['dev'] },
  dave: { groups: ['dev'] },
};

let provider: TestOidcProvider;
let stranger: TestOidcProvider;
let server: CanopyProcess;
let home: string;
let send: ReturnType<typeof httpClient>;
let caPem: string;
const tokens: Record<string, Tokens> = {};

const UNAUTHORIZED = {
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'Unauthorized',
  reason: 'Unauthorized',
  code: 401,
};

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8'));
}

/** A kubeconfig for `workspace` with `token` as the bearer. */
function kubeconfigFor(name: string, workspace: string, token: string): string {
  const file = join(home, `${name}.kubeconfig`);
  writeFileSync(
    file,
    serializeKubeconfig(
      singleContextKubeconfig({
        name,
        server: `${server.url}/clusters/${workspace}`,
        caPem,
        user: { token },
      }),
    ),
  );
  return file;
}

async function post(path: string, body: unknown): Promise<void> {
  const res = await send({ method: 'POST', path, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${res.body}`);
}

async function workspace(name: string): Promise<void> {
  await post(`/clusters/root${WS}`, {
    apiVersion: 'tenancy.kcp.io/v1alpha1',
    kind: 'Workspace',
    metadata: { name },
  });
  await until(`root:${name} Ready`, async () => {
    const res = await send({ path: `/clusters/root${WS}/${name}` });
    return res.status === 200 && JSON.parse(res.body).status?.phase === 'Ready';
  });
}

const get = (token: string, path = '/clusters/root:team/api/v1/namespaces/default/configmaps') =>
  send({ path, token });

function expectUnauthorized(res: RawResponse): void {
  expect(res.status).toBe(401);
  expect(JSON.parse(res.body)).toEqual(UNAUTHORIZED);
}

async function metric(name: string): Promise<number> {
  const res = await send({ path: '/metrics' });
  let total = 0;
  for (const line of res.body.split('\n')) {
    if (line.startsWith(`${name}{`) && line.includes('result="success"')) {
      total += Number(line.split(' ').pop());
    }
  }
  return total;
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'canopy-oidc-e2e-'));
  provider = await TestOidcProvider.start({ accounts: ACCOUNTS, clients: [CLIENT] });
  stranger = await TestOidcProvider.start({ accounts: ACCOUNTS, clients: [CLIENT] });
  server = await startCanopy({
    args: [
      '--audit',
      '--oidc-issuer-url',
      provider.issuer,
      '--oidc-client-id',
      CLIENT.clientId,
      '--oidc-username-claim',
      'email',
      '--oidc-username-prefix',
      'oidc:',
      '--oidc-groups-claim',
      'groups',
      '--oidc-groups-prefix',
      'oidc:',
      '--oidc-ca-file',
      provider.caFile,
    ],
  });
  send = httpClient(server.kubeconfig);
  caPem = readFileSync(join(server.dataDir, 'ca.crt'), 'utf8');
  for (const who of Object.keys(ACCOUNTS)) tokens[who] = await provider.login(who, CLIENT);

  // Two workspaces; in root:team the IdP group dev administers, in root:ops only group ops.
  await workspace('team');
  await workspace('ops');
  await post(
    `/clusters/root:team/apis/${RBAC}/v1/clusterrolebindings`,
    clusterRoleBinding('dev-admins', 'cluster-admin', { kind: 'Group', name: 'oidc:dev' }),
  );
  await post(
    `/clusters/root:ops/apis/${RBAC}/v1/clusterrolebindings`,
    clusterRoleBinding('ops-admins', 'cluster-admin', { kind: 'Group', name: 'oidc:ops' }),
  );
  // The first request of an OIDC user waits for the provider's keys; they come once.
  await until(
    'the API server has the provider keys',
    async () => (await get(tokens.alice?.idToken ?? '')).status === 200,
  );
}, 120_000);

afterAll(async () => {
  await server?.stop();
  server?.cleanup();
  await provider?.stop();
  await stranger?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('kubectl with an ID token', () => {
  it.each(['1.33', '1.27'])(
    'kubectl %s: whoami names the OIDC user and its groups',
    async (version) => {
      const k = kubectl(
        version,
        kubeconfigFor(`alice-${version}`, 'root:team', tokens.alice?.idToken ?? ''),
        home,
      );
      const out = await k.ok(['auth', 'whoami', '-o', 'json']);
      const status = JSON.parse(out).status.userInfo;
      expect(status.username).toBe('oidc:alice@example.com');
      expect(status.groups).toEqual(['oidc:dev', 'system:authenticated']);
    },
  );

  it('group-based RBAC decides in each workspace on its own', async () => {
    const alice = kubectl(
      '1.33',
      kubeconfigFor('alice-team', 'root:team', tokens.alice?.idToken ?? ''),
      home,
    );
    await alice.ok(['create', 'configmap', 'from-alice', '--from-literal=k=v']);
    expect(await alice.ok(['get', 'configmap', 'from-alice', '-o', 'jsonpath={.data.k}'])).toBe(
      'v',
    );
    expect((await alice.ok(['auth', 'can-i', 'delete', 'secrets'])).trim()).toBe('yes');

    // bob's group is not bound in root:team: he may not even enter it.
    const bob = kubectl(
      '1.33',
      kubeconfigFor('bob-team', 'root:team', tokens.bob?.idToken ?? ''),
      home,
    );
    const refused = await bob(['get', 'configmaps']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/forbidden/i);

    // In root:ops it is the other way round.
    const aliceOps = kubectl(
      '1.33',
      kubeconfigFor('alice-ops', 'root:ops', tokens.alice?.idToken ?? ''),
      home,
    );
    expect((await aliceOps(['create', 'configmap', 'nope'])).stderr).toMatch(/forbidden/i);
    const bobOps = kubectl(
      '1.33',
      kubeconfigFor('bob-ops', 'root:ops', tokens.bob?.idToken ?? ''),
      home,
    );
    await bobOps.ok(['create', 'configmap', 'from-bob']);
  });

  it('a token refreshed at the provider is as good as the first', async () => {
    // RS256 signatures are deterministic: a refresh within the second the first token was
    // issued in may carry the very same claims, and so be the very same token.
    const issuedAt = Number(claimsOf(tokens.alice?.idToken ?? '').iat);
    await until('a second after the first token', () => Date.now() / 1000 >= issuedAt + 1);
    const refreshed = await provider.refresh(CLIENT, tokens.alice?.refreshToken ?? '');
    expect(refreshed.idToken).not.toBe(tokens.alice?.idToken);
    expect((await get(refreshed.idToken)).status).toBe(200);
  });
});

describe('refusals: 401 and nothing else', () => {
  const good = () => claimsOf(tokens.alice?.idToken ?? '');
  const now = () => Math.floor(Date.now() / 1000);
  const cases: Array<[string, () => Promise<string>]> = [
    ['an expired token', () => provider.sign({ ...good(), iat: now() - 7200, exp: now() - 3600 })],
    [
      'a token not valid yet',
      () => provider.sign({ ...good(), nbf: now() + 3600, exp: now() + 7200 }),
    ],
    ['a token for another audience', () => provider.sign({ ...good(), aud: 'someone-else' })],
    [
      'a token of another provider claiming this issuer',
      () => stranger.sign({ ...good(), iss: provider.issuer }, { kid: provider.kid }),
    ],
    [
      'a token with a forged payload',
      async () => {
        const [h, , s] = (tokens.bob?.idToken ?? '').split('.');
        const p = Buffer.from(JSON.stringify({ ...good(), groups: ['ops', 'dev'] })).toString(
          'base64url',
        );
        return `${h}.${p}.${s}`;
      },
    ],
    [
      'alg none',
      async () => {
        const h = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
        return `${h}.${Buffer.from(JSON.stringify(good())).toString('base64url')}.`;
      },
    ],
    [
      'HS256 signed with the public key',
      async () => {
        const jwks = JSON.parse((await fetchText(`${provider.issuer}/jwks`)) ?? '{}');
        const h = Buffer.from(JSON.stringify({ alg: 'HS256', kid: provider.kid })).toString(
          'base64url',
        );
        const p = Buffer.from(JSON.stringify(good())).toString('base64url');
        // The classic confusion: the RSA public key's PEM used as an HMAC secret.
        const secret = createPublicKey({ key: jwks.keys[0], format: 'jwk' }).export({
          type: 'spki',
          format: 'pem',
        });
        return `${h}.${p}.${createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url')}`;
      },
    ],
    ['a token without the username claim (a real sign-in)', async () => tokens.dave?.idToken ?? ''],
    [
      'an unverified email as the username (a real sign-in)',
      async () => tokens.carol?.idToken ?? '',
    ],
  ];
  it.each(cases)('%s', async (_name, token) => {
    expectUnauthorized(await get(await token()));
  });

  it('a token of another issuer is nobody here', async () => {
    const theirs = await stranger.login('alice', CLIENT);
    expectUnauthorized(await get(theirs.idToken));
  });

  it('logs the reasons for the operator, never the tokens', () => {
    const out = server.output();
    expect(out).toContain('oidc: email not verified');
    expect(out).toContain('token is expired');
    for (const t of Object.values(tokens)) expect(out).not.toContain(t.idToken);
  });
});

async function fetchText(url: string): Promise<string | undefined> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    request(url, { ca: provider.caPem }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d;
      });
      res.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

describe('key rotation', () => {
  it('a token signed by a new key is accepted without a restart', async () => {
    const before = await metric('canopy_authentication_jwt_key_fetches_total');
    const oldKid = provider.kid;
    await provider.restart({ rotate: true });
    expect(provider.kid).not.toBe(oldKid);
    const fresh = await provider.login('alice', CLIENT);
    expect(
      JSON.parse(Buffer.from(fresh.idToken.split('.')[0] as string, 'base64url').toString()).kid,
    ).toBe(provider.kid);
    // The server fetched the keys at most once since the last fetch interval began, so the
    // new key may need the interval (10 s) to pass before it is fetched.
    await until(
      'the rotated key verifies',
      async () => (await get(fresh.idToken)).status === 200,
      30_000,
      500,
    );
    expect(await metric('canopy_authentication_jwt_key_fetches_total')).toBeGreaterThan(before);
    // The old key is gone from the issuer's key set, so every token it signed stops verifying
    // once its 10 s cache entry lapses (as upstream's would): the later tests sign in again.
    tokens.alice = fresh;
    for (const who of Object.keys(ACCOUNTS)) {
      if (who !== 'alice') tokens[who] = await provider.login(who, CLIENT);
    }
  });

  it('a flood of tokens naming unknown keys costs the provider a bounded number of fetches', async () => {
    const before = await metric('canopy_authentication_jwt_key_fetches_total');
    const started = Date.now();
    const forged = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        provider.sign({ ...claimsOf(tokens.alice?.idToken ?? ''), n: i }, { kid: `made-up-${i}` }),
      ),
    );
    const answers = await Promise.all(forged.map((t) => get(t)));
    for (const res of answers) expectUnauthorized(res);
    const elapsed = Date.now() - started;
    const fetches = (await metric('canopy_authentication_jwt_key_fetches_total')) - before;
    // One fetch per 10 s interval at most (plus the one that may start the interval).
    expect(fetches).toBeLessThanOrEqual(1 + Math.ceil(elapsed / 10_000));
  });
});

describe('an OIDC user is a user like any other', () => {
  it('may impersonate only as RBAC allows, never into privileged groups', async () => {
    const alice = tokens.alice?.idToken ?? '';
    const asBob = { 'Impersonate-User': 'oidc:bob@example.com', 'Impersonate-Group': 'oidc:ops' };
    // Nothing allows alice to impersonate in root:ops.
    const refused = await send({
      path: '/clusters/root:ops/api/v1/namespaces/default/configmaps',
      token: alice,
      headers: asBob,
    });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body).message).toBe(
      'users "oidc:bob@example.com" is forbidden: User "oidc:alice@example.com" cannot impersonate resource "users" in API group "" at the cluster scope',
    );
    // In root:team she is cluster-admin, which includes impersonation (here of someone in a
    // group that may enter root:team) …
    const inTeam = kubectl('1.33', kubeconfigFor('alice-imp-team', 'root:team', alice), home);
    const whoami = JSON.parse(
      await inTeam.ok([
        'auth',
        'whoami',
        '-o',
        'json',
        '--as',
        'oidc:bob@example.com',
        '--as-group',
        'oidc:dev',
      ]),
    ).status.userInfo;
    expect(whoami.username).toBe('oidc:bob@example.com');
    // … but not of system:masters.
    const masters = await send({
      path: '/clusters/root:team/api/v1/namespaces/default/configmaps',
      token: alice,
      headers: { 'Impersonate-User': 'x', 'Impersonate-Group': 'system:masters' },
    });
    expect(masters.status).toBe(403);
    expect(JSON.parse(masters.body).message).toContain('impersonation is not allowed');
  });

  it('the admin may impersonate an OIDC user, who then has exactly its rights', async () => {
    const admin = kubectl('1.33', server.kubeconfig, home);
    const canI = (workspace: string) =>
      admin([
        'auth',
        'can-i',
        'create',
        'configmaps',
        '--server',
        `${server.url}/clusters/${workspace}`,
        '--as',
        'oidc:bob@example.com',
        '--as-group',
        'oidc:ops',
      ]);
    expect((await canI('root:ops')).stdout.trim()).toBe('yes');
    // bob may not even enter root:team.
    const team = await canI('root:team');
    expect(team.stdout.trim()).not.toBe('yes');
    expect(team.stderr).toMatch(/forbidden/i);
  });

  it('TokenReview answers for an ID token as for any other', async () => {
    const res = await send({
      method: 'POST',
      path: '/clusters/root/apis/authentication.k8s.io/v1/tokenreviews',
      body: JSON.stringify({
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenReview',
        spec: { token: tokens.bob?.idToken },
      }),
    });
    expect(res.status).toBe(201);
    const status = JSON.parse(res.body).status;
    expect(status.authenticated).toBe(true);
    expect(status.user).toEqual({
      username: 'oidc:bob@example.com',
      groups: ['oidc:ops', 'system:authenticated'],
    });
  });

  it('the audit log names the OIDC user, and holds no token', async () => {
    const log = await until('audit lines of alice', () => {
      const text = readFileSync(join(server.dataDir, 'audit.log'), 'utf8');
      return text.includes('"username":"oidc:alice@example.com"') && text.includes('"configmaps"')
        ? text
        : undefined;
    });
    const lines = log
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            user?: { username?: string; groups?: string[] };
            verb: string;
            objectRef?: { resource?: string; name?: string };
          },
      );
    const created = lines.find(
      (l) =>
        l.user?.username === 'oidc:alice@example.com' &&
        l.verb === 'create' &&
        l.objectRef?.name === 'from-alice',
    );
    expect(created?.user?.groups).toEqual(['oidc:dev', 'system:authenticated']);
    for (const t of Object.values(tokens)) expect(log).not.toContain(t.idToken.split('.')[2]);
  });
});

describe('--authentication-config: several issuers, claim mappings and CEL rules', () => {
  let plain: CanopyProcess;

  beforeAll(async () => {
    const config = join(home, 'authentication.yaml');
    writeFileSync(
      config,
      `apiVersion: apiserver.config.k8s.io/v1beta1
kind: AuthenticationConfiguration
jwt:
- issuer:
    url: ${provider.issuer}
    audiences: [${CLIENT.clientId}]
    certificateAuthority: |
${provider.caPem
  .trim()
  .split('\n')
  .map((l) => `      ${l}`)
  .join('\n')}
  claimValidationRules:
  - expression: "claims.email.endsWith('@example.com')"
    message: only example.com
  claimMappings:
    username:
      expression: "claims.email_verified ? 'corp:' + claims.email.split('@')[0] : ''"
    groups:
      expression: "claims.groups.map(g, 'corp:' + g)"
    extra:
    - key: example.com/issuer
      valueExpression: "'corp'"
  userValidationRules:
  - expression: "user.username != 'corp:bob'"
    message: bob is on leave
- issuer:
    url: ${stranger.issuer}
    audiences: [${CLIENT.clientId}]
    certificateAuthority: |
${stranger.caPem
  .trim()
  .split('\n')
  .map((l) => `      ${l}`)
  .join('\n')}
  claimMappings:
    username: {claim: sub, prefix: "partner:"}
`,
    );
    plain = await startCanopy({ plain: true, args: ['--authentication-config', config] });
  });

  afterAll(async () => {
    await plain?.stop();
    plain?.cleanup();
  });

  const whoami = async (token: string) => {
    const res = await httpClient(plain.kubeconfig)({
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      token,
      body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
    });
    return res.status === 201 ? JSON.parse(res.body).status.userInfo : res.status;
  };

  it('maps each issuer’s tokens as its authenticator says', async () => {
    const alice = await provider.login('alice', CLIENT);
    expect(
      await until('the keys of both issuers', async () => {
        const u = await whoami(alice.idToken);
        return typeof u === 'object' ? u : undefined;
      }),
    ).toEqual({
      username: 'corp:alice',
      groups: ['corp:dev', 'system:authenticated'],
      extra: { 'example.com/issuer': ['corp'] },
    });
    const partner = await stranger.login('bob', CLIENT);
    expect(await whoami(partner.idToken)).toEqual({
      username: 'partner:bob',
      groups: ['system:authenticated'],
    });
  });

  it('refuses what the CEL rules refuse', async () => {
    // The user rule: bob is on leave (at this issuer; at the other he is a partner).
    expect(await whoami((await provider.login('bob', CLIENT)).idToken)).toBe(401);
    // The claim rule: another domain.
    const claims = claimsOf((await provider.login('alice', CLIENT)).idToken);
    expect(await whoami(await provider.sign({ ...claims, email: 'alice@evil.com' }))).toBe(401);
    // The mapping: an unverified email maps to an empty name, which is no one.
    expect(await whoami((await provider.login('carol', CLIENT)).idToken)).toBe(401);
  });
});
