/**
 * OpenID Connect benchmark: GET throughput of one ConfigMap with an ID token as the bearer
 * (from a real issuer on loopback, oidc-provider, through its sign-in page) against the same
 * GETs with a static token (`--token-auth-file`) on the same server in the same run. Both
 * tokens are the same user (`sub` with no prefix), allowed by the same RoleBinding, so the
 * only difference is authentication: an ID token's signature is verified once and the
 * result cached per token (until it expires, at most 10 s), not redone per request. Short
 * rounds alternate between the two and the ratio is the median of each pair's. The cost of
 * one authentication by the API server's authenticator, verified and from the cache, is also
 * measured in process.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  compileAuthenticators,
  oidcFlagsAuthentication,
} from '../src/apiserver/authn/oidc/authentication-config.ts';
import { OidcAuthenticator } from '../src/apiserver/authn/oidc/oidc-authenticator.ts';
import { TestOidcProvider } from '../test/e2e/harness/oidc-provider.ts';
import { load, startCanopy } from './lib/canopy-server.ts';
import { median, Report } from './lib/report.ts';

const NAMESPACE = 'load-oidc';
const CONCURRENCY = 50;
const ROUND_MS = 2000;
const ROUNDS = 5;
const USER = 'bench';
const STATIC_TOKEN = 'bench-static-token-0123456789abcdef';
const CLIENT = { clientId: 'canopy-bench', redirectUris: ['https://127.0.0.1/callback'] };

interface Gets {
  readonly p50: number;
  readonly p99: number;
  readonly perSecond: number;
}

export async function run(): Promise<Report> {
  const report = new Report('oidc');
  const dir = mkdtempSync(join(tmpdir(), 'canopy-bench-oidc-'));
  const provider = await TestOidcProvider.start({ accounts: { [USER]: {} }, clients: [CLIENT] });
  const tokenFile = join(dir, 'tokens.csv');
  writeFileSync(tokenFile, `${STATIC_TOKEN},${USER},uid-${USER}\n`, { mode: 0o600 });
  const server = await startCanopy({
    plain: true,
    args: [
      '--log-level',
      'warn',
      '--token-auth-file',
      tokenFile,
      '--oidc-issuer-url',
      provider.issuer,
      '--oidc-client-id',
      CLIENT.clientId,
      '--oidc-ca-file',
      provider.caFile,
      '--oidc-username-prefix',
      '-',
    ],
  });
  try {
    const { idToken } = await provider.login(USER, CLIENT, 'openid');
    await load('rbac-fixtures', server.kubeconfig, NAMESPACE, 0, USER);
    // Warm both paths up (connections, JIT, the token cache) before measuring.
    await load('token-gets', server.kubeconfig, NAMESPACE, STATIC_TOKEN, CONCURRENCY, 1000);
    await load('token-gets', server.kubeconfig, NAMESPACE, idToken, CONCURRENCY, 1000);
    const statics: Gets[] = [];
    const oidc: Gets[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      statics.push(
        await load<Gets>(
          'token-gets',
          server.kubeconfig,
          NAMESPACE,
          STATIC_TOKEN,
          CONCURRENCY,
          ROUND_MS,
        ),
      );
      oidc.push(
        await load<Gets>(
          'token-gets',
          server.kubeconfig,
          NAMESPACE,
          idToken,
          CONCURRENCY,
          ROUND_MS,
        ),
      );
    }
    report.metric(
      `GET throughput, static token (${CONCURRENCY} clients)`,
      median(statics.map((g) => g.perSecond)),
      'ops/s',
    );
    report.metric(
      `GET throughput, OIDC ID token (${CONCURRENCY} clients)`,
      median(oidc.map((g) => g.perSecond)),
      'ops/s',
    );
    report.metric('GET p50, static token', median(statics.map((g) => g.p50)), 'ms');
    report.metric('GET p50, OIDC ID token', median(oidc.map((g) => g.p50)), 'ms');
    report.metric('GET p99, static token', median(statics.map((g) => g.p99)), 'ms');
    report.metric('GET p99, OIDC ID token', median(oidc.map((g) => g.p99)), 'ms');
    report.ratio(
      'oidc-gets',
      median(oidc.map((g, i) => g.perSecond / (statics[i] as Gets).perSecond)),
      `GET/s with an OIDC ID token ÷ GET/s with a static token, same user and RBAC, median of ${ROUNDS} alternating rounds`,
      0.9,
    );
    for (const [what, cacheTtlMs] of [
      ['verified (no cache: signature, claims)', 0],
      ['answered from the cache', undefined],
    ] as const) {
      report.metric(
        `authenticate one ID token in process, ${what}`,
        await authenticationCost(provider, idToken, cacheTtlMs),
        'µs',
      );
    }
  } finally {
    await server.stop();
    server.cleanup();
    await provider.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return report;
}

/** Microseconds per authentication of `idToken` by the API server's OIDC authenticator. */
async function authenticationCost(
  provider: TestOidcProvider,
  idToken: string,
  cacheTtlMs: number | undefined,
): Promise<number> {
  const jwt = oidcFlagsAuthentication({
    issuerUrl: provider.issuer,
    clientId: CLIENT.clientId,
    usernamePrefix: '-',
    ca: provider.caPem,
  });
  if (!jwt) throw new Error('no OIDC authentication configured');
  const authenticator = new OidcAuthenticator(compileAuthenticators(jwt), {
    ...(cacheTtlMs !== undefined ? { cacheTtlMs } : {}),
  });
  authenticator.start();
  try {
    const user = await authenticator.authenticateToken(idToken);
    if (user?.username !== USER) throw new Error(`authenticated as ${user?.username}, not ${USER}`);
    const n = cacheTtlMs === 0 ? 2000 : 200_000;
    const start = performance.now();
    for (let i = 0; i < n; i++) await authenticator.authenticateToken(idToken);
    return ((performance.now() - start) * 1000) / n;
  } finally {
    authenticator.stop();
  }
}
