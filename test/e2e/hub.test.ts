/**
 * The provider hub's HTTP surface, in-process in `canopy start` and as a separate
 * `canopy hub` process against it, driven with real kubectl and raw HTTPS: probes and
 * metrics, the portal's static assets (media types, SPA fallback, CSP, the page shown when
 * the portal is not built, no way out of the directory), the control plane proxied as the
 * caller (never as the hub), `GET /api/providers` from real CatalogEntries, and the
 * CatalogEntry API's validation and approval gate as the control plane enforces them.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  parseKubeconfig,
  serializeKubeconfig,
  singleContextKubeconfig,
} from '../../src/apimachinery/kubeconfig.ts';
import { ControlPlane } from '../../src/hub/control-plane.ts';
import { ensureCatalogApi } from '../../src/hub/required-apis.ts';
import { CANOPY_BIN, type CanopyProcess, startCanopy } from './harness/canopy-process.ts';
import { httpClient, type RawRequest, type RawResponse } from './harness/http.ts';
import { readyWorkspaces, startHubProcess } from './harness/hub.ts';
import { type Kubectl, kubectl } from './harness/kubectl.ts';
import { until } from './harness/wait.ts';

const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'hub', 'my-provider.yaml');
const ALICE_TOKEN = 'alice-token-0123456789';
const BOB_TOKEN = 'bob-token-0123456789';

const json = <T>(r: RawResponse): T => JSON.parse(r.body) as T;

interface ProvidersBody {
  items: Array<Record<string, unknown> & { name: string }>;
  categories: Array<{ name: string; icon: string; order: number }>;
}

describe('the hub in canopy start, and canopy hub on its own', () => {
  let server: CanopyProcess;
  let tmp: string;
  let uiDir: string;
  let hub: (r: RawRequest) => Promise<RawResponse>;
  let admin: Kubectl;
  let alice: Kubectl;
  let catalogServer: string;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'canopy-hub-e2e-'));
    uiDir = join(tmp, 'ui');
    mkdirSync(join(uiDir, 'assets'), { recursive: true });
    writeFileSync(
      join(uiDir, 'index.html'),
      '<!doctype html><html><head><script type="module" src="/ui/assets/app-1a2b.js"></script></head><body><div id="root"></div></body></html>',
    );
    writeFileSync(join(uiDir, 'assets', 'app-1a2b.js'), 'console.log("portal");');
    writeFileSync(join(uiDir, 'assets', 'app-1a2b.css'), 'body { margin: 0 }');
    writeFileSync(join(uiDir, 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    const tokens = join(tmp, 'tokens.csv');
    writeFileSync(
      tokens,
      `${ALICE_TOKEN},alice,alice-uid,"tenants"\n${BOB_TOKEN},bob,bob-uid,"tenants"\n`,
    );
    server = await startCanopy({
      hub: true,
      args: ['--token-auth-file', tokens, '--ui-dir', uiDir],
    });
    hub = httpClient(server.kubeconfig, server.hubUrl);
    admin = kubectl('1.33', server.kubeconfig, join(tmp, 'admin-home'));
    const config = parseKubeconfig(readFileSync(server.kubeconfig, 'utf8'));
    const ca = Buffer.from(
      config.clusters[0]?.cluster['certificate-authority-data'] ?? '',
      'base64',
    ).toString();
    const aliceConfig = join(tmp, 'alice.kubeconfig');
    writeFileSync(
      aliceConfig,
      serializeKubeconfig(
        singleContextKubeconfig({
          name: 'alice',
          server: `${server.url}/clusters/root`,
          caPem: ca,
          user: { token: ALICE_TOKEN },
        }),
      ),
    );
    alice = kubectl('1.33', aliceConfig, join(tmp, 'alice-home'));
    catalogServer = `${server.url}/clusters/root:kedge`;
  });

  afterAll(async () => {
    await server?.stop();
    server?.cleanup();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('names the hub in the ready line and in <data-dir>/hub-url, and answers probes and metrics', async () => {
    expect(server.hubUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(server.hubUrl).not.toBe(server.url);
    const ready = server
      .output()
      .split('\n')
      .find((l) => l.includes('ready'));
    expect(JSON.parse(ready ?? '{}').hub).toBe(server.hubUrl);
    for (const path of ['/healthz', '/livez', '/readyz']) {
      const r = await hub({ path, token: null });
      expect(r.status, path).toBe(200);
      expect(r.body).toBe('ok');
    }
    const metrics = await hub({ path: '/metrics', token: null });
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('canopy_hub_http_requests_total{route="healthz",code="200"}');
    expect(metrics.body).toMatch(/canopy_hub_catalog_entries\{ready="true"\} \d+/);
  });

  it('serves the portal under /ui/ with media types, an SPA fallback and a strict CSP', async () => {
    const root = await hub({ path: '/', token: null });
    expect(root.status).toBe(302);
    expect(root.headers.location).toBe('/ui/');

    const index = await hub({ path: '/ui/', token: null });
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.body).toContain('<div id="root">');
    const csp = String(index.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(index.headers['x-content-type-options']).toBe('nosniff');

    const js = await hub({ path: '/ui/assets/app-1a2b.js', token: null });
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/^(application|text)\/javascript/);
    expect(js.headers['cache-control']).toContain('immutable');
    const css = await hub({ path: '/ui/assets/app-1a2b.css', token: null });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    const svg = await hub({ path: '/ui/logo.svg', token: null });
    expect(svg.headers['content-type']).toBe('image/svg+xml');

    // A page of the app is index.html; a file that is not there is a 404.
    const page = await hub({ path: '/ui/catalog/my-provider', token: null });
    expect(page.status).toBe(200);
    expect(page.body).toBe(index.body);
    expect((await hub({ path: '/ui/assets/missing.js', token: null })).status).toBe(404);

    // Nothing outside the directory, however the path is spelt.
    for (const path of [
      '/ui/../admin.token',
      '/ui/%2e%2e/admin.token',
      '/ui/..%2f..%2fadmin.token',
      '/ui/assets/%2e%2e%2f%2e%2e%2ftokens.csv',
      '/ui/%00index.html',
    ]) {
      const r = await hub({ path, token: null });
      expect(r.status, path).not.toBe(200);
      expect(r.body, path).not.toContain(ALICE_TOKEN);
    }
  });

  it('proxies /clusters/* to the control plane as the caller, never as the hub', async () => {
    // kubectl through the hub, with the admin's own token.
    const viaHub = await admin.ok([
      '--server',
      `${server.hubUrl}/clusters/root`,
      'get',
      'namespaces',
      '-o',
      'name',
    ]);
    expect(viaHub).toContain('namespace/default');
    // Kubernetes' /api under a cluster path is the control plane's, not the hub's.
    const core = await hub({ path: '/clusters/root/api/v1', token: null });
    expect(core.status).toBe(401);
    const coreAdmin = await hub({ path: '/clusters/root/api' });
    expect(json<{ kind: string }>(coreAdmin).kind).toBe('APIVersions');
    // Without a token the control plane sees an anonymous request.
    const anonymous = await hub({ path: '/clusters/root/api/v1/namespaces', token: null });
    expect(anonymous.status).toBe(401);
    // A tenant's token is the tenant: the catalog workspace is not theirs.
    const tenant = await hub({
      path: '/clusters/root:kedge/apis/providers.kedge.faros.sh/v1alpha1/catalogentries',
      token: ALICE_TOKEN,
    });
    expect(tenant.status).toBe(403);
    // A bare /api is the hub's namespace, not the control plane's core API.
    const bare = await hub({ path: '/api/v1/namespaces' });
    expect(bare.status).toBe(404);
    expect(json<{ kind: string }>(bare).kind).toBe('Status');
  });

  it('streams watch events through the proxy', async () => {
    const events: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const config = parseKubeconfig(readFileSync(server.kubeconfig, 'utf8'));
      const url = new URL(
        `${server.hubUrl}/clusters/root/api/v1/namespaces/default/configmaps?watch=1&fieldSelector=metadata.name=streamed`,
      );
      import('node:https').then(({ request }) => {
        const req = request(
          {
            host: url.hostname,
            port: url.port,
            path: url.pathname + url.search,
            ca: Buffer.from(
              config.clusters[0]?.cluster['certificate-authority-data'] ?? '',
              'base64',
            ),
            headers: { Authorization: `Bearer ${config.users[0]?.user.token}` },
          },
          (res) => {
            res.setEncoding('utf8');
            res.on('data', (d: string) => {
              events.push(d);
              if (events.join('').includes('"ADDED"')) {
                req.destroy();
                resolve();
              }
            });
          },
        );
        req.on('error', (err) => {
          if (!events.join('').includes('"ADDED"')) reject(err);
        });
        req.end();
      }, reject);
    });
    // The watch is open (through the hub) before the object exists.
    await until('the watch to be registered', async () => {
      const m = await httpClient(server.kubeconfig)({ path: '/metrics' });
      return /apiserver_registered_watchers \d*[1-9]/.test(m.body);
    });
    await admin.ok(['create', 'configmap', 'streamed', '-n', 'default']);
    await done;
    expect(events.join('')).toContain('"name":"streamed"');
  });

  it('lists the catalog from real CatalogEntries; the seed example applies unchanged', async () => {
    expect((await hub({ path: '/api/providers', token: null })).status).toBe(401);
    expect((await hub({ path: '/api/providers', token: 'not-a-token' })).status).toBe(401);
    await admin.ok(['--server', catalogServer, 'apply', '-f', EXAMPLE]);
    const table = await admin.ok(['--server', catalogServer, 'get', 'ce']);
    expect(table).toMatch(/^NAME\s+DISPLAY NAME\s+CATEGORY\s+EXPORT\s+READY\s+AGE\n/);
    expect(table).toMatch(
      /my-provider\s+My Provider\s+Custom\s+my-provider\.providers\.kedge\.faros\.sh/,
    );

    const list = await hub({ path: '/api/providers', token: ALICE_TOKEN });
    expect(list.status).toBe(200);
    const body = json<ProvidersBody>(list);
    const item = body.items.find((i) => i.name === 'my-provider');
    expect(item).toMatchObject({
      name: 'my-provider',
      displayName: 'My Provider',
      description: 'Manage Things.',
      category: 'Custom',
      vendor: '',
      version: '',
      hasUI: true,
      hasBackend: true,
      iconURL: '',
      dependencies: [],
      children: [],
      apiExportPath: 'root:kedge:providers:my-provider',
      apiExportName: 'my-provider.providers.kedge.faros.sh',
      permissionClaims: [
        { group: '', resource: 'configmaps', verbs: ['get', 'list', 'watch'], tenantScoped: true },
        { group: '', resource: 'secrets', verbs: ['get', 'list', 'watch'], tenantScoped: true },
      ],
      builtin: false,
    });
    expect(typeof item?.ready).toBe('boolean');
    expect(body.categories.map((c) => c.name)).toContain('Custom');
    // The catalog workspace is the admins': a tenant cannot even read it.
    const peek = await alice(['--server', catalogServer, 'get', 'ce']);
    expect(peek.code).not.toBe(0);
    expect(peek.stderr).toContain('Forbidden');
    // Only the catalog workspace serves CatalogEntries.
    const elsewhere = await admin(['get', 'catalogentries']);
    expect(elsewhere.code).not.toBe(0);
    expect(elsewhere.stderr).toContain('the server doesn\'t have a resource type "catalogentries"');
  });

  it('refuses bad CatalogEntries with field causes', async () => {
    const entry = (name: string, apiExport: Record<string, unknown>) =>
      JSON.stringify({
        apiVersion: 'providers.kedge.faros.sh/v1alpha1',
        kind: 'CatalogEntry',
        metadata: { name },
        spec: { displayName: 'Bad', apiExport },
      });
    const schema = (group: string, plural: string) =>
      [
        'apiVersion: apis.kcp.io/v1alpha1',
        'kind: APIResourceSchema',
        'metadata:',
        `  name: v1.${plural}.${group}`,
        'spec:',
        `  group: ${group}`,
        `  names: {kind: Widget, listKind: WidgetList, plural: ${plural}, singular: widget}`,
        '  scope: Namespaced',
        '  versions:',
        '  - name: v1',
        '    served: true',
        '    storage: true',
        '    schema: {type: object}',
      ].join('\n');
    const cases: Array<[string, string, string]> = [
      ['Bad_Name', entry('Bad_Name', { name: 'x' }), 'metadata.name'],
      [
        'body',
        entry('body', { name: 'x', schemas: [{ groupResource: 'widgets.x.io', body: 'a: [' }] }),
        'spec.apiExport.schemas[0].body: Invalid value',
      ],
      [
        'kind',
        entry('kind', {
          name: 'x',
          schemas: [{ groupResource: 'widgets.x.io', body: 'apiVersion: v1\nkind: ConfigMap\n' }],
        }),
        'must be an APIResourceSchema document',
      ],
      [
        'group',
        entry('group', {
          name: 'x',
          schemas: [{ groupResource: 'widgets.x.io', body: schema('y.io', 'widgets') }],
        }),
        'spec.apiExport.schemas[0].groupResource: Invalid value: "widgets.x.io"',
      ],
      [
        'dup',
        entry('dup', {
          name: 'x',
          schemas: [
            { groupResource: 'widgets.x.io', body: schema('x.io', 'widgets') },
            { groupResource: 'widgets.x.io', body: schema('x.io', 'widgets') },
          ],
        }),
        'spec.apiExport.schemas[1].groupResource: Duplicate value',
      ],
      [
        'verbs',
        entry('verbs', {
          name: 'x',
          permissionClaims: [{ resource: 'secrets', verbs: ['get', 'steal'], tenantScoped: true }],
        }),
        'spec.apiExport.permissionClaims[0].verbs[1]: Unsupported value: "steal"',
      ],
    ];
    for (const [name, manifest, message] of cases) {
      const r = await admin(['--server', catalogServer, 'create', '-f', '-'], { input: manifest });
      expect(r.code, name).not.toBe(0);
      expect(r.stderr, name).toContain(message);
    }
    const left = await admin.ok(['--server', catalogServer, 'get', 'ce', '-o', 'name']);
    expect(left).not.toMatch(/body|kind|group|dup|verbs/);
  });

  it('answers malformed requests to its API with a Status of the right code, never a 500', async () => {
    const enable = '/api/workspaces/root/providers/my-provider/enable';
    const cases: Array<[RawRequest, number]> = [
      [{ method: 'POST', path: '/api/providers/%E0%A4%A/heartbeat' }, 404],
      [{ method: 'POST', path: '/api/workspaces/%ZZ/providers/my-provider/enable' }, 400],
      [{ method: 'POST', path: '/api/workspaces/root/providers/%ZZ/disable' }, 404],
      [{ method: 'GET', path: '/api/workspaces/root%3Aalice/providers/%E0/enable' }, 404],
      [{ method: 'DELETE', path: '/api/workspaces/root/providers/enabled' }, 405],
      [{ method: 'POST', path: enable, body: '[' }, 400],
      [{ method: 'POST', path: enable, body: '"claims"' }, 400],
      [{ method: 'POST', path: enable, body: '{"acceptedClaims":"all"}' }, 400],
      [{ method: 'POST', path: enable, body: '{"acceptedClaims":[{"resource":7}]}' }, 400],
      [{ method: 'POST', path: enable, body: `{"x":"${'a'.repeat(70_000)}"}` }, 413],
      [{ method: 'GET', path: '/api/nothing' }, 404],
    ];
    for (const [request, code] of cases) {
      const r = await hub({ ...request, token: ALICE_TOKEN });
      const what = `${request.method} ${request.path}`;
      expect(r.status, what).toBe(code);
      expect(json<{ kind: string; code: number }>(r), what).toMatchObject({ kind: 'Status', code });
    }
    expect((await hub({ path: '/ui/%E0%A4%A', token: null })).status).toBe(400);
    // Still serving.
    expect((await hub({ path: '/api/providers', token: ALICE_TOKEN })).status).toBe(200);
  });

  it('lets only someone allowed to approve accept untrusted claims', async () => {
    // bob may write CatalogEntries in the catalog workspace, but not approve them.
    await admin.ok(['--server', catalogServer, 'apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'ClusterRole',
            metadata: { name: 'catalog-editor' },
            rules: [
              {
                apiGroups: ['providers.kedge.faros.sh'],
                resources: ['catalogentries'],
                verbs: ['get', 'list', 'create', 'update', 'patch'],
              },
              { nonResourceURLs: ['/'], verbs: ['access'] },
            ],
          },
          {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'ClusterRoleBinding',
            metadata: { name: 'bob-catalog-editor' },
            roleRef: {
              apiGroup: 'rbac.authorization.k8s.io',
              kind: 'ClusterRole',
              name: 'catalog-editor',
            },
            subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bob' }],
          },
        ],
      }),
    });
    const bob = (args: string[], input?: string) =>
      admin(['--server', catalogServer, '--token', BOB_TOKEN, ...args], input ? { input } : {});
    const untrusted = (annotations: Record<string, string>) =>
      JSON.stringify({
        apiVersion: 'providers.kedge.faros.sh/v1alpha1',
        kind: 'CatalogEntry',
        metadata: { name: 'nosy', annotations },
        spec: {
          displayName: 'Nosy',
          apiExport: {
            name: 'nosy.providers.kedge.faros.sh',
            permissionClaims: [{ resource: 'secrets', verbs: ['get'], tenantScoped: false }],
          },
        },
      });
    const approve = { 'kedge.faros.sh/accept-untrusted-claims': 'true' };
    const refused = await bob(['create', '-f', '-'], untrusted(approve));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('forbidden');
    expect(refused.stderr).toContain('"approve" verb');
    // Without the annotation bob may create it; adding it later is refused too.
    await until(
      'bob creates the entry',
      async () => (await bob(['create', '-f', '-'], untrusted({}))).code === 0,
    );
    const approveNosy = ['annotate', 'ce', 'nosy', 'kedge.faros.sh/accept-untrusted-claims=true'];
    const annotate = await bob(approveNosy);
    expect(annotate.code).not.toBe(0);
    expect(annotate.stderr).toContain('"approve" verb');
    // The admin may approve; then bob may not widen what was approved.
    await admin.ok(['--server', catalogServer, ...approveNosy]);
    const widen = await bob([
      'patch',
      'ce',
      'nosy',
      '--type',
      'json',
      '-p',
      '[{"op":"replace","path":"/spec/apiExport/permissionClaims/0/verbs","value":["get","list","delete"]}]',
    ]);
    expect(widen.code).not.toBe(0);
    expect(widen.stderr).toContain('"approve" verb');
    // Display changes need no approval.
    await bob([
      'patch',
      'ce',
      'nosy',
      '--type',
      'merge',
      '-p',
      '{"spec":{"description":"Reads secrets"}}',
    ]).then((r) => expect(r.code, r.stderr).toBe(0));
    await admin.ok(['--server', catalogServer, 'delete', 'ce', 'nosy', '--wait=false']);
  });

  it('lets only someone allowed to approve offer the export of another workspace', async () => {
    // A workspace's own export, which nobody outside it may bind.
    await readyWorkspaces(admin, `${server.url}/clusters/root`, ['private']);
    const privateServer = `${server.url}/clusters/root:private`;
    await admin.ok(['--server', privateServer, 'create', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'apis.kcp.io/v1alpha1',
            kind: 'APIResourceSchema',
            metadata: { name: 'v1.widgets.private.io' },
            spec: {
              group: 'private.io',
              names: {
                kind: 'Widget',
                listKind: 'WidgetList',
                plural: 'widgets',
                singular: 'widget',
              },
              scope: 'Namespaced',
              versions: [{ name: 'v1', served: true, storage: true, schema: { type: 'object' } }],
            },
          },
          {
            apiVersion: 'apis.kcp.io/v1alpha2',
            kind: 'APIExport',
            metadata: { name: 'private-api' },
            spec: {
              resources: [
                {
                  group: 'private.io',
                  name: 'widgets',
                  schema: 'v1.widgets.private.io',
                  storage: { crd: {} },
                },
              ],
            },
          },
        ],
      }),
    });
    const borrowed = JSON.stringify({
      apiVersion: 'providers.kedge.faros.sh/v1alpha1',
      kind: 'CatalogEntry',
      metadata: { name: 'borrowed' },
      spec: { displayName: 'Borrowed', apiExport: { name: 'private-api', path: 'root:private' } },
    });
    // bob writes CatalogEntries (the previous test's catalog-editor) but may not approve.
    const refused = await admin(
      ['--server', catalogServer, '--token', BOB_TOKEN, 'create', '-f', '-'],
      {
        input: borrowed,
      },
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      'offering the export of workspace root:private (spec.apiExport.path), which the hub makes bindable by every authenticated user, needs the "approve" verb',
    );
    // What is at stake: approved by an admin, the hub grants bind on it to everyone.
    await admin.ok(['--server', catalogServer, 'create', '-f', '-'], { input: borrowed });
    await until('the bind grant in root:private', async () => {
      const out = await admin.ok([
        '--server',
        privateServer,
        'get',
        'clusterrolebindings',
        '-o',
        'name',
      ]);
      return out.includes('kedge:providers:bind:private-api') ? true : undefined;
    });
    await admin.ok(['--server', catalogServer, 'delete', 'ce', 'borrowed', '--timeout=60s']);
    const left = await admin.ok([
      '--server',
      privateServer,
      'get',
      'clusterrolebindings',
      '-o',
      'name',
    ]);
    expect(left).not.toContain('kedge:providers:bind:private-api');
  });

  it('serves CatalogEntries with its own CRD where a control plane does not (as on kcp)', async () => {
    const controlPlane = await ControlPlane.fromKubeconfig(server.kubeconfig);
    try {
      // Canopy serves them in the catalog workspace: the hub installs nothing there.
      expect(await ensureCatalogApi(controlPlane.at('root:kedge'))).toBe('system');
      const crds = await admin.ok(['--server', catalogServer, 'get', 'crd', '-o', 'name']);
      expect(crds).not.toContain('catalogentries');
      // A workspace that does not serve them stands for a kcp's catalog workspace.
      await readyWorkspaces(admin, `${server.url}/clusters/root`, ['crd-catalog']);
      const elsewhere = `${server.url}/clusters/root:crd-catalog`;
      expect(await ensureCatalogApi(controlPlane.at('root:crd-catalog'))).toBe('crd');
      // Again on the next start: brought up to date, still the CRD.
      expect(await ensureCatalogApi(controlPlane.at('root:crd-catalog'))).toBe('crd');
      await admin.ok(['--server', elsewhere, 'apply', '-f', EXAMPLE]);
      const table = await admin.ok(['--server', elsewhere, 'get', 'ce']);
      expect(table).toMatch(/^NAME\s+DISPLAY NAME\s+CATEGORY\s+EXPORT\s+READY\s+AGE\n/);
      expect(table).toMatch(/my-provider\s+My Provider\s+Custom\s+my-provider\./);
      // The status is a subresource, as the hub writes it.
      await admin.ok([
        '--server',
        elsewhere,
        'patch',
        'ce',
        'my-provider',
        '--subresource=status',
        '--type=merge',
        '-p',
        '{"status":{"workspace":"root:kedge:providers:my-provider"}}',
      ]);
      expect(
        await admin.ok([
          '--server',
          elsewhere,
          'get',
          'ce',
          'my-provider',
          '-o',
          'jsonpath={.status.workspace}',
        ]),
      ).toBe('root:kedge:providers:my-provider');
      // The schema's bounds and enums are checked on write.
      const bad = await admin(['--server', elsewhere, 'create', '-f', '-'], {
        input: JSON.stringify({
          apiVersion: 'providers.kedge.faros.sh/v1alpha1',
          kind: 'CatalogEntry',
          metadata: { name: 'bad' },
          spec: {
            displayName: 'x'.repeat(129),
            apiExport: {
              name: 'x',
              permissionClaims: [{ resource: 'secrets', verbs: ['steal'], tenantScoped: true }],
            },
          },
        }),
      });
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain('spec.displayName: Too long');
      expect(bad.stderr).toContain(
        'spec.apiExport.permissionClaims[0].verbs[0]: Unsupported value: "steal"',
      );
    } finally {
      controlPlane.close();
      await admin(['delete', 'workspace', 'crd-catalog', '--wait=false']);
    }
  });

  it('tells a terminal user without a kubeconfig what to pass', () => {
    const run = spawnSync(process.execPath, [CANOPY_BIN, 'providers', 'list'], {
      encoding: 'utf8',
      env: {
        ...process.env,
        KUBECONFIG: join(tmp, 'missing.kubeconfig'),
        CANOPY_HUB_URL: server.hubUrl ?? '',
      },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      `canopy providers: no kubeconfig with a cluster in ${join(tmp, 'missing.kubeconfig')}: pass --kubeconfig or set KUBECONFIG`,
    );
  });

  it('says at once that a control plane without workspaces cannot hold a catalog', async () => {
    const plain = await startCanopy({ plain: true });
    try {
      const run = spawnSync(
        process.execPath,
        [
          CANOPY_BIN,
          'hub',
          '--kubeconfig',
          plain.kubeconfig,
          '--port',
          '0',
          '--data-dir',
          join(tmp, 'plain-hub'),
        ],
        { encoding: 'utf8', timeout: 60_000 },
      );
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(
        `the control plane at ${plain.url} serves no workspaces (workspaces.tenancy.kcp.io/v1alpha1 in root): the hub needs a kcp-compatible control plane, such as canopy start without --plain, or kcp`,
      );
    } finally {
      await plain.stop();
      plain.cleanup();
    }
  });

  it('runs as canopy hub against the same control plane, with a page saying the portal is not built', async () => {
    const dataDir = join(tmp, 'standalone');
    const emptyUi = join(tmp, 'empty-ui');
    mkdirSync(emptyUi);
    const standalone = await startHubProcess(server.kubeconfig, dataDir, '--ui-dir', emptyUi);
    try {
      const url = readFileSync(join(dataDir, 'hub-url'), 'utf8').trim();
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const ready = standalone
        .output()
        .split('\n')
        .find((l) => l.includes('Canopy hub ready'));
      expect(JSON.parse(ready ?? '{}').url).toBe(url);
      // Its own CA: trust <data-dir>/ca.crt.
      const { request } = await import('node:https');
      const get = (path: string, token?: string) =>
        new Promise<RawResponse>((resolve, reject) => {
          const u = new URL(url + path);
          const req = request(
            {
              host: u.hostname,
              port: u.port,
              path: u.pathname,
              ca: readFileSync(join(dataDir, 'ca.crt')),
              headers: token ? { Authorization: `Bearer ${token}` } : {},
            },
            (res) => {
              let body = '';
              res.setEncoding('utf8');
              res.on('data', (d: string) => {
                body += d;
              });
              res.on('end', () =>
                resolve({ status: res.statusCode ?? 0, headers: res.headers, body }),
              );
            },
          );
          req.on('error', reject);
          req.end();
        });
      const page = await get('/ui/');
      expect(page.status).toBe(503);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.body).toContain('The Canopy portal is not built');
      expect(page.body).not.toContain('<script');
      expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");
      const providers = json<ProvidersBody>(await get('/api/providers', ALICE_TOKEN));
      expect(providers.items.map((i) => i.name)).toContain('my-provider');
    } finally {
      await standalone.stop();
    }
  });
});
