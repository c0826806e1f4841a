/**
 * The portal in a real browser (Debian's Chromium through playwright-core) against
 * `canopy start` with its hub, as tenants with bearer tokens: sign in, the catalog, Enable
 * with its claims, the side navigation, a resource list kept live by a watch, create from
 * the generated form with the server's field errors next to the fields, the detail view,
 * Disable with what disappears; and the boundaries: a second tenant sees nothing of the
 * first, a user without rights gets the server's 403, a provider whose dependency is not
 * enabled gets the server's 409, markup in object fields renders as text. A screenshot of
 * each step lands in test/e2e/artifacts/portal/.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DIST_DIR, ensurePortalBuilt } from '../../web/build.ts';
import { hubContext, launchChromium, Shots } from './harness/browser.ts';
import { type CanopyProcess, startCanopy } from './harness/canopy-process.ts';
import { readyWorkspaces } from './harness/hub.ts';
import { type Kubectl, kubectl } from './harness/kubectl.ts';
import { card, mainNav, navLink, openKindEntry, poll } from './harness/portal.ts';
import { eventually } from './harness/wait.ts';

const ALICE = 'alice-portal-token-0123456789';
const BOB = 'bob-portal-token-0123456789';
const CAROL = 'carol-portal-token-0123456789';
const TOKENS = `${ALICE},alice,u-alice,tenants\n${BOB},bob,u-bob,tenants\n${CAROL},carol,u-carol,tenants\n`;
const XSS = '<img src=x onerror=alert(1)>';

const GROUP = 'widgets.example.com';
const EXPORT = `widgets.${GROUP}`;

/** A provider with one namespaced kind, Widget, whose schema has a CEL rule the form cannot know. */
const WIDGETS_ENTRY = `apiVersion: providers.kedge.faros.sh/v1alpha1
kind: CatalogEntry
metadata:
  name: widgets
spec:
  displayName: Widgets
  description: Widgets for every tenant, with a note shown in the list.
  category: Developer
  apiExport:
    name: ${EXPORT}
    permissionClaims:
      - group: ""
        resource: configmaps
        verbs: [get, list, watch]
        tenantScoped: true
      - group: ""
        resource: secrets
        verbs: [get]
        tenantScoped: true
    schemas:
      - groupResource: widgets.${GROUP}
        body: |
          apiVersion: apis.kcp.io/v1alpha1
          kind: APIResourceSchema
          metadata:
            name: v1.widgets.${GROUP}
          spec:
            group: ${GROUP}
            names: { kind: Widget, listKind: WidgetList, plural: widgets, singular: widget }
            scope: Namespaced
            versions:
              - name: v1
                served: true
                storage: true
                schema:
                  openAPIV3Schema:
                    type: object
                    properties:
                      spec:
                        type: object
                        required: [size]
                        x-kubernetes-validations:
                          - rule: "self.size % 2 == 1"
                            message: size must be odd
                            fieldPath: .size
                        properties:
                          size: { type: integer, minimum: 1, description: How big the widget is. }
                          note: { type: string, description: A note shown in the list. }
                      status:
                        type: object
                        properties:
                          phase: { type: string }
                additionalPrinterColumns:
                  - { name: Size, type: integer, jsonPath: .spec.size }
                  - { name: Note, type: string, jsonPath: .spec.note }
`;

/** A provider that needs Widgets enabled first. */
const GADGETS_ENTRY = openKindEntry({
  name: 'gadgets',
  displayName: 'Gadgets',
  description: 'Gadgets, built from widgets.',
  kind: 'Gadget',
  dependencies: ['widgets'],
});

const bindRole = (
  name: string,
  role: string,
  users: readonly string[],
) => `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: ${name}
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ${role} }
subjects:
${users.map((u) => `  - { apiGroup: rbac.authorization.k8s.io, kind: User, name: ${u} }`).join('\n')}
`;

/** RBAC of a tenant workspace: admins may do anything; viewers may enter and read (bindings too). */
/**
 * A provider's own UI, kedge's micro-frontend: main.js defines <kedge-provider-ui-demo>,
 * shows what kedgeContext handed it (never the token itself) and asks the portal to navigate.
 */
const DEMO_MAIN_JS = `class Demo extends HTMLElement {
  set kedgeContext(context) { this.context = context; this.render(); }
  get kedgeContext() { return this.context; }
  render() {
    const c = this.context;
    const line = document.createElement('p');
    line.textContent = 'Demo for ' + c.user + ' in ' + c.workspace + ' at ' + c.subPath + ', ' + c.theme + ' theme, base ' + c.basePath + ', token ' + (c.token ? 'given' : 'missing');
    const go = document.createElement('button');
    go.textContent = 'Open settings';
    go.addEventListener('click', () => this.dispatchEvent(new CustomEvent('kedge-navigate', { detail: { path: 'settings' }, bubbles: true })));
    this.replaceChildren(line, go);
  }
}
customElements.define('kedge-provider-ui-demo', Demo);
`;

const demoEntry = (url: string) => `apiVersion: providers.kedge.faros.sh/v1alpha1
kind: CatalogEntry
metadata:
  name: ui-demo
spec:
  displayName: UI Demo
  description: A provider with a page of its own and no API to bind.
  category: Demo
  ui:
    url: ${url}
`;

function tenantRbac(admins: readonly string[], viewers: readonly string[] = []): string {
  const docs = [bindRole('tenant-admins', 'cluster-admin', admins)];
  if (viewers.length > 0) {
    docs.push(
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: enter
rules:
  - { nonResourceURLs: ["/"], verbs: [access] }
  - { apiGroups: [apis.kcp.io], resources: [apibindings], verbs: [get, list, watch] }
`,
      bindRole('tenant-enter', 'enter', viewers),
      bindRole('tenant-viewers', 'view', viewers),
    );
  }
  return docs.join('---\n');
}

describe('the portal in Chromium, against canopy start and its hub', () => {
  let home: string;
  let server: CanopyProcess;
  let hubUrl: string;
  let k: Kubectl;
  let browser: Browser;
  let demoUi: Server;
  const shots = new Shots('portal');
  const at = (ws: string) => ['--server', `${server.url}/clusters/${ws}`];

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'canopy-portal-e2e-'));
    // The hub serves web/dist: test what the sources say, not an older build.
    await ensurePortalBuilt(() => undefined);
    writeFileSync(join(home, 'tokens.csv'), TOKENS);
    server = await startCanopy({
      hub: true,
      args: ['--token-auth-file', join(home, 'tokens.csv')],
    });
    hubUrl = server.hubUrl ?? '';
    k = kubectl('1.33', server.kubeconfig, home);
    await readyWorkspaces(k, `${server.url}/clusters/root`, ['alice', 'bob']);
    await k.ok([...at('root:alice'), 'apply', '-f', '-'], { input: tenantRbac(['alice']) });
    await k.ok([...at('root:bob'), 'apply', '-f', '-'], {
      input: tenantRbac(['bob'], ['carol']),
    });
    await k.ok([...at('root:kedge'), 'apply', '-f', '-'], { input: WIDGETS_ENTRY });
    await k.ok([...at('root:kedge'), 'apply', '-f', '-'], { input: GADGETS_ENTRY });
    demoUi = createServer((req, res) => {
      if (req.url?.startsWith('/main.js')) {
        res.writeHead(200, { 'Content-Type': 'text/javascript' });
        res.end(DEMO_MAIN_JS);
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => demoUi.listen(0, '127.0.0.1', r));
    const address = demoUi.address();
    const demoPort = typeof address === 'object' && address ? address.port : 0;
    await k.ok([...at('root:kedge'), 'apply', '-f', '-'], {
      input: demoEntry(`http://127.0.0.1:${demoPort}`),
    });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    demoUi?.close();
    await server?.stop();
    server?.cleanup();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  async function signIn(page: Page, token: string, workspace: string): Promise<void> {
    await page.goto(`${hubUrl}/`);
    await page.getByLabel('Token').fill(token);
    await page.getByLabel('Workspace').fill(workspace);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Catalog' }).waitFor();
  }

  // The steps share alice's browser page and run in order.
  let alice: Awaited<ReturnType<typeof hubContext>> | undefined;
  const dialogs: string[] = [];

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail' && alice && !alice.page.isClosed()) {
      await shots.take(alice.page, 'FAILED', true);
      console.log('page errors:', alice.pageErrors, '\nconsole errors:', alice.consoleErrors);
    }
  });

  it('serves React’s production build, whatever NODE_ENV the build ran under (Vitest’s is test)', async () => {
    // The hub serves web/dist, which beforeAll built if its sources changed.
    const html = readFileSync(join(DIST_DIR, 'index.html'), 'utf8');
    const script = /src="\/ui\/(assets\/index-[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const code = readFileSync(join(DIST_DIR, script as string), 'utf8');
    expect(code).not.toContain('Each child in a list should have a unique');
  });

  it('signs in with a token, refusing a wrong one, and keeps the token out of the URL', async () => {
    alice = await hubContext(browser);
    const { page } = alice!;
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${hubUrl}/`);
    await page.waitForURL(`${hubUrl}/ui/signin`);
    await shots.take(page, 'sign-in');
    await page.getByLabel('Token').fill('not-a-token');
    await page.getByLabel('Workspace').fill('root:alice');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await poll(() => page.getByRole('alert').textContent()).toContain('The token was not accepted');
    await shots.take(page, 'sign-in-refused');
    await signIn(page, ALICE, 'root:alice');
    await page.waitForURL(`${hubUrl}/ui/w/root:alice/catalog`);
    expect(page.url()).not.toContain(ALICE);
    await poll(() => page.locator('.user').textContent()).toBe('alice');
  });

  it('lists the catalog with badges, search and categories', async () => {
    const { page } = alice!;
    await card(page, 'Widgets').getByText('Available').waitFor();
    await poll(() => card(page, 'Gadgets').textContent()).toContain('Enable Widgets first.');
    await shots.take(page, 'catalog');
    await page.getByLabel('Search providers').fill('gadg');
    await poll(() =>
      page.getByRole('list', { name: 'Providers' }).getByRole('listitem').count(),
    ).toBe(1);
    await page.getByLabel('Search providers').fill('');
    await page.getByRole('button', { name: 'Developer' }).click();
    await poll(() =>
      page.getByRole('list', { name: 'Providers' }).getByRole('listitem').count(),
    ).toBe(2);
    await page.getByRole('button', { name: 'All' }).click();
  });

  it('enables a provider: its claims in words, progress to Bound, the nav entry', async () => {
    const { page } = alice!;
    await card(page, 'Widgets').getByRole('button', { name: 'Enable' }).click();
    const dialog = page.getByRole('dialog', { name: 'Enable Widgets in root:alice?' });
    await dialog.waitFor();
    const claims = dialog.getByRole('checkbox');
    await poll(() => claims.count()).toBe(2);
    expect(await dialog.textContent()).toContain('get, list and watch on configmaps (core API)');
    expect(await dialog.textContent()).toContain('get on secrets (core API)');
    expect(await claims.nth(0).isChecked()).toBe(true);
    expect(await claims.nth(1).isChecked()).toBe(true);
    // Unticking a claim sends it as Rejected.
    await claims.nth(1).uncheck();
    await shots.take(page, 'enable-dialog');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 60_000 });
    await card(page, 'Widgets').getByText('Enabled').waitFor();
    const bindings = JSON.parse(
      await k.ok([...at('root:alice'), 'get', 'apibindings', '-o', 'json']),
    ) as {
      items: Array<{ spec: { permissionClaims?: Array<{ resource: string; state: string }> } }>;
    };
    expect(
      bindings.items[0]?.spec.permissionClaims?.map((c) => `${c.resource}=${c.state}`).sort(),
    ).toEqual(['configmaps=Accepted', 'secrets=Rejected']);

    const nav = mainNav(page);
    await nav.getByRole('link', { name: 'Widgets' }).waitFor();
    expect(await nav.getByRole('heading', { name: 'Developer' }).count()).toBe(1);
    await shots.take(page, 'enabled');
  });

  it('opens a provider’s own UI with kedge’s context, and follows its navigation', async () => {
    const { page } = alice!;
    await navLink(page, 'Catalog').click();
    await card(page, 'UI Demo').getByRole('link', { name: 'Open' }).click();
    const demo = page.locator('kedge-provider-ui-demo');
    await poll(() => demo.textContent()).toContain(
      'Demo for alice in root:alice at /, light theme, base /ui/w/root:alice/p/ui-demo, token given',
    );
    expect(await demo.textContent()).not.toContain(ALICE);
    await shots.take(page, 'provider-ui');
    await demo.getByRole('button', { name: 'Open settings' }).click();
    await page.waitForURL(`${hubUrl}/ui/w/root:alice/p/ui-demo/settings`);
    await poll(() => demo.textContent()).toContain('at /settings');
  });

  it('creates from the generated form, with the server’s errors next to their fields', async () => {
    const { page } = alice!;
    await navLink(page, 'Widgets').click();
    await page.getByText('No Widgets in this workspace yet.').waitFor();
    await shots.take(page, 'empty-list');
    await page.getByRole('link', { name: 'Create the first Widget' }).click();
    await page.getByLabel('name*').fill('Bad_Name');
    await page.getByLabel('size*').fill('2');
    await page.getByLabel('note').fill(XSS);
    await page.getByRole('button', { name: 'Create Widget' }).click();
    const nameField = page.locator('.form-group', { has: page.getByLabel('name*') }).last();
    await poll(() => nameField.textContent()).toMatch(/RFC 1123|lower case|DNS/i);
    await shots.take(page, 'form-server-errors', true);
    await page.getByLabel('name*').fill('first');
    await page.getByRole('button', { name: 'Create Widget' }).click();
    const sizeField = page.locator('.form-group', { has: page.getByLabel('size*') }).last();
    await poll(() => sizeField.textContent()).toContain('size must be odd');
    await page.getByLabel('size*').fill('3');
    await page.getByRole('button', { name: 'Create Widget' }).click();
    await page.getByRole('heading', { name: 'first', exact: true }).waitFor();
    await shots.take(page, 'detail');
  });

  it('keeps the list live from a watch and renders markup in fields as text', async () => {
    const { page } = alice!;
    await page.getByRole('link', { name: 'Widgets' }).first().click();
    await page.getByRole('cell', { name: 'first' }).waitFor();
    await k.ok([...at('root:alice'), 'apply', '-f', '-'], {
      input: `apiVersion: ${GROUP}/v1\nkind: Widget\nmetadata:\n  name: second\n  namespace: default\n  annotations:\n    note: "${XSS}"\nspec:\n  size: 5\n`,
    });
    await page.getByRole('cell', { name: 'second' }).waitFor();
    await page.getByRole('cell', { name: XSS }).waitFor();
    expect(await page.locator('main img').count()).toBe(0);
    // Every column fits a wide screen, the one with the longest cell (Note) last.
    const note = await page.getByRole('columnheader', { name: 'Note' }).boundingBox();
    expect((note?.x ?? 0) + (note?.width ?? Number.POSITIVE_INFINITY)).toBeLessThanOrEqual(1280);
    await shots.take(page, 'live-list');

    await page.getByRole('link', { name: 'second' }).click();
    await page.getByText(`note=${XSS}`).waitFor();
    expect(await page.locator('main img').count()).toBe(0);
    await page.getByRole('tab', { name: 'YAML' }).click();
    await page.getByText('size: 5').waitFor();
    // The editor is styled (its styles are not refused by the CSP): gutters beside the text.
    const gutters = await page.evaluate(
      "getComputedStyle(document.querySelector('.yaml-editor').shadowRoot.querySelector('.cm-gutters')).display",
    );
    expect(gutters).toBe('flex');
    await shots.take(page, 'yaml');
    await page.getByRole('button', { name: 'Delete' }).click();
    const del = page.getByRole('dialog', { name: 'Delete Widget second?' });
    await del.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('cell', { name: 'first' }).waitFor();
    await eventually('second deleted', async () =>
      expect((await k([...at('root:alice'), 'get', 'widget', 'second'])).code).not.toBe(0),
    );
  });

  it('lists thousands of objects: beyond 2,000 rows only those in view are in the page', async () => {
    const { page } = alice!;
    const ws = at('root:alice');
    const many = 2050;
    await k.ok([...ws, 'create', 'namespace', 'bulk']);
    const items = Array.from({ length: many }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `cm-${String(i).padStart(4, '0')}`, namespace: 'bulk' },
    }));
    await k.ok([...ws, 'create', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }),
    });
    await page.goto(`${hubUrl}/ui/w/root:alice/r/core/v1/configmaps`);
    await page.getByText(/\b20\d\d shown/).waitFor({ timeout: 60_000 });
    expect(await page.locator('tbody tr').count()).toBeLessThan(100);
    await page.evaluate(`document.querySelector('[data-testid="table-body"]').scrollTop = 1e9`);
    await page.getByRole('link', { name: `cm-${many - 1}` }).click();
    await page.getByRole('heading', { name: `cm-${many - 1}` }).waitFor();
    await k.ok([...ws, 'delete', 'namespace', 'bulk', '--wait=false']);
    await navLink(page, 'Widgets').click();
    await page.getByRole('cell', { name: 'first' }).waitFor();
  });

  it('edits from the generated form: what the form does not show is kept, the server’s errors at their fields, a concurrent change is its 409', async () => {
    const { page } = alice!;
    const ws = at('root:alice');
    await k.ok([...ws, 'annotate', 'widget', 'first', 'keep=me']);
    await page.getByRole('link', { name: 'first' }).click();
    await page.getByText('keep=me').waitFor();
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: 'Edit Widget first' }).waitFor();
    // The object as it is, its name not editable.
    expect(await page.getByLabel('name*').inputValue()).toBe('first');
    expect(await page.getByLabel('name*').isEditable()).toBe(false);
    expect(await page.getByLabel('size*').inputValue()).toBe('3');
    await page.getByLabel('size*').fill('4');
    await page.getByRole('button', { name: 'Save Widget' }).click();
    const sizeField = page.locator('.form-group', { has: page.getByLabel('size*') }).last();
    await poll(() => sizeField.textContent()).toContain('size must be odd');
    await shots.take(page, 'edit-server-errors', true);
    await page.getByLabel('size*').fill('5');
    await page.getByLabel('note').fill('edited in the form');
    await page.getByRole('button', { name: 'Save Widget' }).click();
    await page.getByRole('heading', { name: 'first', exact: true }).waitFor();
    const saved = JSON.parse(await k.ok([...ws, 'get', 'widget', 'first', '-o', 'json'])) as {
      metadata: { annotations?: Record<string, string> };
      spec: { size: number; note?: string };
    };
    expect(saved.spec).toEqual({ size: 5, note: 'edited in the form' });
    expect(saved.metadata.annotations?.keep).toBe('me');

    // Someone else changes it while the form is open: Save gets the server's conflict.
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByLabel('size*').waitFor();
    await k.ok([...ws, 'annotate', 'widget', 'first', 'keep=changed', '--overwrite']);
    await page.getByLabel('size*').fill('7');
    await page.getByRole('button', { name: 'Save Widget' }).click();
    await poll(() => page.getByRole('alert').textContent()).toMatch(/modified/);
    expect(await page.getByRole('alert').textContent()).toContain('(409');
    await shots.take(page, 'edit-conflict');
    // Starting again from the latest version saves over it.
    await page.getByRole('button', { name: 'Start again from the latest version' }).click();
    await poll(() => page.getByLabel('size*').inputValue()).toBe('5');
    await page.getByLabel('size*').fill('7');
    await page.getByRole('button', { name: 'Save Widget' }).click();
    await page.getByRole('heading', { name: 'first', exact: true }).waitFor();
    await page.getByText('keep=changed').waitFor();
    expect(await k.ok([...ws, 'get', 'widget', 'first', '-o', 'jsonpath={.spec.size}'])).toBe('7');
  });

  it('works with the keyboard alone: dialogs take and give back the focus, rows open with Enter', async () => {
    const { page } = alice!;
    /** Presses Tab until the focused element's label or text is `name`. */
    const tabTo = async (name: string) => {
      for (let i = 0; i < 80; i++) {
        await page.keyboard.press('Tab');
        const focused = await page.evaluate(
          `(() => { const e = document.activeElement; return e ? (e.getAttribute('aria-label') || e.textContent || '').trim() : ''; })()`,
        );
        if (focused === name) return;
      }
      throw new Error(`Tab never reached ${name}`);
    };
    const inDialog = () => page.evaluate(`document.activeElement?.closest('dialog') !== null`);
    await page.goto(`${hubUrl}/ui/w/root:alice/catalog`);
    await card(page, 'Widgets').getByText('Enabled').waitFor();
    await tabTo('Disable');
    await page.keyboard.press('Enter');
    const disable = page.getByRole('dialog', { name: 'Disable Widgets in root:alice?' });
    await disable.waitFor();
    await poll(inDialog).toBe(true);
    await page.keyboard.press('Escape');
    await disable.waitFor({ state: 'hidden' });
    await poll(() => page.evaluate(`document.activeElement?.textContent?.trim()`)).toBe('Disable');

    await page.goto(`${hubUrl}/ui/w/root:alice/r/${GROUP}/v1/widgets`);
    await page.getByRole('cell', { name: 'first' }).waitFor();
    await tabTo('first');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'first', exact: true }).waitFor();
    await page.getByRole('link', { name: 'Widgets' }).first().click();
    await page.getByRole('cell', { name: 'first' }).waitFor();
  });

  it('shows another tenant nothing of the first, and the server’s 409 for a missing dependency', async () => {
    const bob = await hubContext(browser);
    const { page } = bob;
    await signIn(page, BOB, 'root:bob');
    await card(page, 'Widgets').getByText('Available').waitFor();

    // Gadgets is blocked; Enable still asks the server, which refuses with 409 and says why.
    await card(page, 'Gadgets').getByRole('button', { name: 'Enable' }).click();
    const gadgets = page.getByRole('dialog', { name: 'Enable Gadgets in root:bob?' });
    await gadgets.getByRole('button', { name: 'Confirm' }).click();
    await poll(() => gadgets.getByRole('alert').textContent()).toContain('(409');
    expect(await gadgets.getByRole('alert').textContent()).toMatch(/widgets/i);
    await shots.take(page, 'enable-409');
    await gadgets.getByRole('button', { name: 'Cancel' }).click();

    await card(page, 'Widgets').getByRole('button', { name: 'Enable' }).click();
    const widgets = page.getByRole('dialog', { name: 'Enable Widgets in root:bob?' });
    await widgets.getByRole('button', { name: 'Confirm' }).click();
    await widgets.waitFor({ state: 'hidden', timeout: 60_000 });
    await navLink(page, 'Widgets').click();
    await page.getByText('No Widgets in this workspace yet.').waitFor();

    // A binding that names the export by its logical cluster, as kcp allows, is recognised.
    const cluster = await k.ok([
      ...at('root:kedge:providers'),
      'get',
      'workspace',
      'gadgets',
      '-o',
      'jsonpath={.spec.cluster}',
    ]);
    await k.ok([...at('root:bob'), 'apply', '-f', '-'], {
      input: `apiVersion: apis.kcp.io/v1alpha2\nkind: APIBinding\nmetadata:\n  name: gadgets-by-cluster\nspec:\n  reference:\n    export:\n      path: ${cluster.trim()}\n      name: gadgets.example.com\n`,
    });
    const nav = mainNav(page);
    await nav.getByRole('link', { name: 'Catalog' }).click();
    await card(page, 'Gadgets').getByText('Enabled').waitFor({ timeout: 60_000 });
    await nav.getByRole('link', { name: 'Gadgets' }).waitFor();

    // Alice's workspace by URL: the server's 403, and none of her objects.
    await page.goto(`${hubUrl}/ui/w/root:alice/r/${GROUP}/v1/widgets`);
    await poll(() => page.getByRole('alert').first().textContent()).toContain('(403');
    expect(await page.getByRole('cell').count()).toBe(0);
    await shots.take(page, 'other-tenant-403');
    expect(bob.pageErrors).toEqual([]);
    expect(bob.cspViolations).toEqual([]);
    await bob.context.close();
  });

  it('shows the server’s 403 to a user who may read a workspace but not change its bindings', async () => {
    const carol = await hubContext(browser);
    await signIn(carol.page, CAROL, 'root:bob');
    await card(carol.page, 'Widgets').getByText('Enabled').waitFor();
    await card(carol.page, 'Widgets').getByRole('button', { name: 'Disable' }).click();
    const disable = carol.page.getByRole('dialog', { name: 'Disable Widgets in root:bob?' });
    await disable.getByRole('button', { name: 'Disable' }).click();
    await poll(() => disable.getByRole('alert').last().textContent()).toContain('(403');
    await shots.take(carol.page, 'disable-403');
    await disable.getByRole('button', { name: 'Cancel' }).click();
    // Nor may she create a workspace there: the server's 403 again.
    await navLink(carol.page, 'Workspaces').click();
    await carol.page.getByLabel('Name').fill('mine');
    await carol.page.getByRole('button', { name: 'Create', exact: true }).click();
    await poll(() => carol.page.getByRole('alert').textContent()).toContain('(403');
    expect(carol.pageErrors).toEqual([]);
    expect(carol.cspViolations).toEqual([]);
    await carol.context.close();
  });

  it('shows the workspace tree, creates a child workspace and enters it', async () => {
    const { page } = alice!;
    const nav = mainNav(page);
    await nav.getByRole('link', { name: 'Workspaces' }).click();
    await page.getByText('No child workspaces.').waitFor();
    await page.getByLabel('Name').fill('team');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('status').getByText('Created root:alice:team').waitFor();
    const tree = page.getByRole('list', { name: 'Workspaces' });
    await tree.getByRole('link', { name: 'team', exact: true }).waitFor();
    await shots.take(page, 'workspaces');
    await tree.getByRole('link', { name: 'team', exact: true }).click();
    await page.waitForURL(`${hubUrl}/ui/w/root:alice:team/catalog`);
    const path = page.getByRole('navigation', { name: 'Workspace path' });
    expect(await path.textContent()).toBe('root:alice:team');
    await path.getByRole('link', { name: 'alice' }).click();
    await page.waitForURL(`${hubUrl}/ui/w/root:alice/workspaces`);
    await nav.getByRole('link', { name: 'Catalog' }).click();
  });

  it('has a dark theme and a phone layout', async () => {
    const { page } = alice!;
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    await shots.take(page, 'dark');
    await page.setViewportSize({ width: 390, height: 844 });
    await shots.take(page, 'phone');
    await page.getByRole('button', { name: 'Menu' }).click();
    await navLink(page, 'Catalog').waitFor();
    await shots.take(page, 'phone-menu');
    await navLink(page, 'Catalog').click();
    await shots.take(page, 'phone-catalog');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('button', { name: 'Switch to light theme' }).click();
  });

  it('disables after saying what will disappear, and signs out', async () => {
    const { page } = alice!;
    await navLink(page, 'Catalog').click();
    await card(page, 'Widgets').getByRole('button', { name: 'Disable' }).click();
    const disable = page.getByRole('dialog', { name: 'Disable Widgets in root:alice?' });
    await disable.getByText('1 Widget').waitFor();
    await shots.take(page, 'disable-dialog');
    await disable.getByRole('button', { name: 'Disable' }).click();
    await card(page, 'Widgets').getByText('Available').waitFor({ timeout: 60_000 });
    const nav = mainNav(page);
    await poll(() => nav.getByRole('link', { name: 'Widgets' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(dialogs).toEqual([]);
    expect(alice!.pageErrors).toEqual([]);
    expect(alice!.cspViolations).toEqual([]);
    await alice!.context.close();
  });
});
