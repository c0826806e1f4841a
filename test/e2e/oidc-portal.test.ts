/**
 * "Sign in with <issuer>" in the portal, in Chromium, end to end: `canopy start` trusting a
 * real OpenID provider on loopback (oidc-provider, its own sign-in page), the hub as its
 * OAuth client (a confidential client with PKCE). The user signs in on the provider's page,
 * lands in their workspace, enables a provider as themselves (the control plane's RBAC for
 * their OIDC groups decides), gets their ID token refreshed before it expires, downloads a
 * kubeconfig that kubectl uses as them, and signs out of the hub and the issuer. The ID
 * token the control plane sees is the issuer's, unchanged, and never in a URL.
 * A screenshot of each step lands in test/e2e/artifacts/oidc-portal/.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensurePortalBuilt } from '../../web/build.ts';
import { hubContext, launchChromium, Shots } from './harness/browser.ts';
import { type CanopyProcess, startCanopy } from './harness/canopy-process.ts';
import { readyWorkspaces } from './harness/hub.ts';
import { type Kubectl, kubectl } from './harness/kubectl.ts';
import { type TestClient, TestOidcProvider } from './harness/oidc-provider.ts';
import { card, navLink, openKindEntry, poll } from './harness/portal.ts';
import { until } from './harness/wait.ts';

/** Short-lived ID tokens, so the refresh happens within the test. */
const ID_TOKEN_TTL = 40;
const ACCOUNTS = {
  alice: { email: 'alice@example.com', email_verified: true, groups: ['team-a'] },
};

const WIDGETS_ENTRY = openKindEntry({
  name: 'widgets',
  displayName: 'Widgets',
  description: 'Widgets for every tenant.',
  kind: 'Widget',
});

/** root:alice belongs to the issuer's group team-a (prefixed oidc:), nobody else. */
const TEAM_RBAC = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: team-a-admins
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }
subjects:
  - { apiGroup: rbac.authorization.k8s.io, kind: Group, name: "oidc:team-a" }
`;

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8'));
}

describe('Sign in with an OpenID issuer in the portal', () => {
  let home: string;
  let provider: TestOidcProvider;
  let client: TestClient;
  let server: CanopyProcess;
  let hubUrl: string;
  let k: Kubectl;
  let browser: Browser;
  const shots = new Shots('oidc-portal');
  const at = (ws: string) => ['--server', `${server.url}/clusters/${ws}`];
  let alice: Awaited<ReturnType<typeof hubContext>> | undefined;
  /** Every bearer the page sent to the control plane, and every URL it asked for. */
  const bearers = new Set<string>();
  const urls: string[] = [];

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'canopy-oidc-portal-e2e-'));
    await ensurePortalBuilt(() => undefined);
    client = {
      clientId: 'canopy-portal',
      clientSecret: randomBytes(16).toString('hex'),
      redirectUris: ['https://127.0.0.1/not-yet'],
    };
    provider = await TestOidcProvider.start({
      accounts: ACCOUNTS,
      clients: [client],
      idTokenTtl: ID_TOKEN_TTL,
    });
    writeFileSync(join(home, 'client-secret'), `${client.clientSecret}\n`);
    server = await startCanopy({
      hub: true,
      args: [
        '--oidc-issuer-url',
        provider.issuer,
        '--oidc-client-id',
        client.clientId,
        '--oidc-ca-file',
        provider.caFile,
        '--oidc-username-claim',
        'email',
        '--oidc-groups-claim',
        'groups',
        '--oidc-groups-prefix',
        'oidc:',
        '--hub-oidc-client-secret-file',
        join(home, 'client-secret'),
      ],
    });
    hubUrl = server.hubUrl ?? '';
    // The hub's redirect URIs exist only now that it listens.
    client = {
      ...client,
      redirectUris: [`${hubUrl}/auth/callback`],
      postLogoutRedirectUris: [`${hubUrl}/ui/signin`],
    };
    await provider.register(client);
    k = kubectl('1.33', server.kubeconfig, home);
    await readyWorkspaces(k, `${server.url}/clusters/root`, ['alice']);
    await k.ok([...at('root:alice'), 'apply', '-f', '-'], { input: TEAM_RBAC });
    await k.ok([...at('root:kedge'), 'apply', '-f', '-'], { input: WIDGETS_ENTRY });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    server?.cleanup();
    await provider?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail' && alice && !alice.page.isClosed()) {
      await shots.take(alice.page, 'FAILED', true);
      console.log('page errors:', alice.pageErrors, '\nconsole errors:', alice.consoleErrors);
    }
  });

  const sessionToken = async () =>
    (
      JSON.parse(
        (await alice?.page.evaluate(() => sessionStorage.getItem('canopy.session'))) ?? '{}',
      ) as { token?: string }
    ).token ?? '';

  it('signs in on the issuer’s own page and lands in the workspace as the issuer’s user', async () => {
    alice = await hubContext(browser);
    const { page } = alice;
    page.on('request', (request) => {
      urls.push(request.url());
      const auth = request.headers().authorization;
      if (request.url().startsWith(`${hubUrl}/clusters/`) && auth) bearers.add(auth);
    });
    await page.goto(`${hubUrl}/`);
    await page.waitForURL(`${hubUrl}/ui/signin`);
    const button = page.getByRole('button', {
      name: `Sign in with ${new URL(provider.issuer).host}`,
    });
    await button.waitFor();
    await page.getByLabel('Workspace').fill('root:alice');
    await shots.take(page, 'sign-in');
    await button.click();
    // The issuer's sign-in page, on its own origin.
    await page.waitForURL((url) => url.origin === provider.issuer);
    await page.locator('input[name="login"]').fill('alice');
    await page.locator('input[name="password"]').fill('any');
    await shots.take(page, 'issuer-login');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.waitForURL(`${hubUrl}/ui/w/root:alice/catalog`);
    await poll(() => page.locator('.user').textContent()).toBe('alice@example.com');
    await shots.take(page, 'signed-in');

    // The bearer is the issuer's ID token for the hub's client, unchanged.
    const token = await sessionToken();
    const claims = claimsOf(token);
    expect(claims.iss).toBe(provider.issuer);
    expect(claims.aud).toBe(client.clientId);
    expect(claims.email).toBe('alice@example.com');
    await poll(() => bearers.size).toBeGreaterThan(0);
    expect([...bearers]).toEqual([`Bearer ${token}`]);
    // No token in any URL, and no cookie the page's script can read.
    expect(urls.some((u) => u.includes(token))).toBe(false);
    // The hub's session is a cookie the page's script cannot read, sent to no other site.
    // (The issuer's own cookies are there too: cookies are per host, not per port.)
    const cookies = (await alice.context.cookies(hubUrl)).filter((c) => c.name.includes('canopy'));
    expect(cookies.map((c) => [c.name, c.httpOnly, c.secure, c.sameSite])).toEqual([
      ['__Host-canopy-session', true, true, 'Strict'],
    ]);
    expect(cookies[0]?.value).not.toContain(token);
  });

  it('enables a provider as that user: the control plane’s RBAC for the issuer’s group decides', async () => {
    const { page } = alice!;
    const widgets = card(page, 'Widgets');
    await widgets.getByText('Available').waitFor({ timeout: 60_000 });
    await widgets.getByRole('button', { name: 'Enable' }).click();
    const dialog = page.getByRole('dialog', { name: 'Enable Widgets in root:alice?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 60_000 });
    await widgets.getByText('Enabled').waitFor();
    await shots.take(page, 'enabled');
    const bindings = JSON.parse(
      await k.ok([...at('root:alice'), 'get', 'apibindings', '-o', 'json']),
    ) as { items: Array<{ metadata: { name: string }; status?: { phase?: string } }> };
    expect(bindings.items.map((b) => `${b.metadata.name}=${b.status?.phase}`)).toEqual([
      'widgets=Bound',
    ]);
  });

  it('gets a fresh ID token from the hub before the old one expires, and keeps working, even after a sleep', async () => {
    const { page } = alice!;
    const before = await sessionToken();
    const old = claimsOf(before);
    const fresh = await until(
      'the portal to refresh its ID token',
      async () => {
        const now = await sessionToken();
        return now && now !== before ? now : undefined;
      },
      (ID_TOKEN_TTL + 30) * 1000,
      250,
    );
    const renewed = claimsOf(fresh);
    expect(renewed.iss).toBe(provider.issuer);
    expect(renewed.email).toBe('alice@example.com');
    // Issued by the refresh before the old token ran out.
    expect(Number(renewed.iat)).toBeLessThan(Number(old.exp));
    // Past the old token's expiry, the page still reads its workspace with the new one.
    await until(
      'the first token to expire',
      () => Date.now() / 1000 > Number(old.exp) + 1,
      60_000,
      250,
    );
    await navLink(page, 'Workspaces').click();
    await navLink(page, 'Catalog').click();
    await card(page, 'Widgets').getByText('Enabled').waitFor();
    expect(page.url()).toBe(`${hubUrl}/ui/w/root:alice/catalog`);
    expect(bearers.has(`Bearer ${fresh}`)).toBe(true);

    // A page that slept past its refresh sends its expired token: the 401 makes it ask the
    // hub, which has a fresh one, and the user stays signed in.
    await page.evaluate((stale) => {
      const session = JSON.parse(sessionStorage.getItem('canopy.session') ?? '{}');
      sessionStorage.setItem(
        'canopy.session',
        JSON.stringify({ ...session, token: stale, refreshAt: Date.now() + 3_600_000 }),
      );
    }, before);
    await page.reload();
    const revived = await until('a fresh token after the expired one’s 401', async () => {
      const now = await sessionToken();
      return now && now !== before ? now : undefined;
    });
    expect(claimsOf(revived).email).toBe('alice@example.com');
    await card(page, 'Widgets').getByText('Enabled').waitFor();
    expect(page.url()).toBe(`${hubUrl}/ui/w/root:alice/catalog`);
  }, 120_000);

  it('downloads a kubeconfig that kubectl uses as the signed-in user', async () => {
    const { page } = alice!;
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download a kubeconfig for root:alice' }).click();
    const file = join(home, 'alice.kubeconfig');
    await (await download).saveAs(file);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('# The token is valid until');
    expect(text).toContain(`${server.url}/clusters/root:alice`);
    expect(text).toContain(await sessionToken());
    const own = kubectl('1.33', file, home);
    const whoami = JSON.parse(await own.ok(['auth', 'whoami', '-o', 'json'])) as {
      status: { userInfo: { username: string; groups: string[] } };
    };
    expect(whoami.status.userInfo.username).toBe('alice@example.com');
    expect(whoami.status.userInfo.groups).toContain('oidc:team-a');
    expect(await own.ok(['get', 'apibindings', '-o', 'name'])).toContain(
      'apibinding.apis.kcp.io/widgets',
    );
    // The same file reaches nothing outside the workspace its groups open.
    const root = await own([
      '--server',
      `${server.url}/clusters/root:kedge`,
      'get',
      'catalogentries',
    ]);
    expect(root.code).not.toBe(0);
    expect(root.stderr).toContain('Forbidden');
  });

  it('signs out of the hub and the issuer: the next sign-in asks for the login again', async () => {
    const { page } = alice!;
    await page.getByRole('button', { name: 'Sign out' }).click();
    // The issuer's own sign-out page, then back to the portal.
    await page.waitForURL((url) => url.origin === provider.issuer);
    await shots.take(page, 'issuer-sign-out');
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.waitForURL(`${hubUrl}/ui/signin`);
    expect(await page.evaluate(() => sessionStorage.getItem('canopy.session'))).toBeNull();
    // The hub's session is gone: no token for this browser any more.
    const status = await page.evaluate(
      async () => (await fetch('/auth/token', { method: 'POST' })).status,
    );
    expect(status).toBe(401);
    await page.getByLabel('Workspace').fill('root:alice');
    await page
      .getByRole('button', { name: `Sign in with ${new URL(provider.issuer).host}` })
      .click();
    await page.waitForURL((url) => url.origin === provider.issuer);
    await page.locator('input[name="login"]').waitFor();
    await shots.take(page, 'login-again');
  });

  it('says why when the user cancels on the issuer’s page, and lets no link put words on the page', async () => {
    const { page } = alice!;
    // The previous step left the browser on the issuer's sign-in page.
    await page.getByRole('link', { name: '[ Cancel ]' }).click();
    await page.waitForURL((url) => url.href.startsWith(`${hubUrl}/ui/signin`));
    await poll(() => page.getByRole('alert').textContent()).toContain(
      `${provider.issuer} refused the sign-in`,
    );
    await shots.take(page, 'cancelled');
    expect(await page.evaluate(() => sessionStorage.getItem('canopy.session'))).toBeNull();
    // A crafted link with a message of its own shows nothing.
    await page.goto(`${hubUrl}/ui/signin?sso_error=Your+account+is+locked`);
    await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
  });
});
