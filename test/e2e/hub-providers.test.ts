/**
 * The hub's reconcile and the enable/disable API end to end, with real processes, real
 * kubectl and token-file users who are not admins: the seed's CatalogEntry becomes a
 * provider workspace with schema, export (both API versions), endpoint slice, bind grant and
 * identity; tenants enable it through the hub's HTTP API and through `kubectl kcp bind`;
 * accepted and rejected claims decide what the provider's identity sees through the
 * virtual workspace; dependencies, untrusted claims, schema changes, disable, heartbeats,
 * deletion and a restart. The core flow runs again against a separate `canopy hub`.
 */

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANOPY_BIN, type CanopyProcess, startCanopy } from './harness/canopy-process.ts';
import { httpClient, type RawResponse } from './harness/http.ts';
import {
  type HubProcess,
  kubeconfigCa,
  startHubProcess,
  tenantWorkspace,
  writeTokenKubeconfig,
} from './harness/hub.ts';
import { type Kubectl, kubectl, kubectlWithPlugins } from './harness/kubectl.ts';
import { eventually, until } from './harness/wait.ts';

const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'hub', 'my-provider.yaml');
const EXPORT = 'my-provider.providers.kedge.faros.sh';
const PROVIDER_WS = 'root:kedge:providers:my-provider';
const TOKENS: Record<string, string> = {
  alice: 'alice-token-0123456789',
  bob: 'bob-token-0123456789',
  carol: 'carol-token-0123456789',
};

const json = <T = Record<string, unknown>>(r: RawResponse): T => JSON.parse(r.body) as T;

interface Env {
  server: CanopyProcess;
  tmp: string;
  hubUrl: string;
  admin: Kubectl;
  root: string;
  hub: ReturnType<typeof httpClient>;
  as: (user: string) => Kubectl;
}

async function setUp(
  mode: 'in-process' | 'canopy hub',
): Promise<Env & { standalone?: HubProcess }> {
  const tmp = mkdtempSync(join(tmpdir(), 'canopy-hub-providers-'));
  const tokens = join(tmp, 'tokens.csv');
  writeFileSync(
    tokens,
    Object.entries(TOKENS)
      .map(([user, token]) => `${token},${user},${user}-uid,"tenants"`)
      .join('\n'),
  );
  const server = await startCanopy({
    hub: mode === 'in-process',
    args: ['--token-auth-file', tokens],
  });
  let standalone: HubProcess | undefined;
  let hubUrl = server.hubUrl ?? '';
  if (mode === 'canopy hub') {
    // Its own CA would do too; the control plane's lets one client trust both.
    standalone = await startHub(server, server.dataDir);
    hubUrl = hubUrlIn(server.dataDir);
  }
  const admin = kubectl('1.33', server.kubeconfig, join(tmp, 'admin-home'));
  const root = `${server.url}/clusters/root`;
  const ca = kubeconfigCa(server.kubeconfig);
  const as = (user: string) =>
    kubectl(
      '1.33',
      writeTokenKubeconfig(join(tmp, `${user}.kubeconfig`), {
        server: `${root}:${user}`,
        caPem: ca,
        token: TOKENS[user] as string,
        user,
      }),
      join(tmp, `${user}-home`),
    );
  return {
    server,
    tmp,
    hubUrl,
    admin,
    root,
    hub: httpClient(server.kubeconfig, hubUrl),
    as,
    ...(standalone ? { standalone } : {}),
  };
}

async function tearDown(env: (Env & { standalone?: HubProcess }) | undefined): Promise<void> {
  await env?.standalone?.stop();
  await env?.server.stop();
  env?.server.cleanup();
  if (env?.tmp) rmSync(env.tmp, { recursive: true, force: true });
}

const enable = (env: Env, user: string, ws: string, name: string, accepted: object[]) =>
  env.hub({
    method: 'POST',
    path: `/api/workspaces/${ws}/providers/${name}/enable`,
    token: TOKENS[user] ?? user,
    body: JSON.stringify({ acceptedClaims: accepted }),
  });
const disable = (env: Env, user: string, ws: string, name: string) =>
  env.hub({
    method: 'POST',
    path: `/api/workspaces/${ws}/providers/${name}/disable`,
    token: TOKENS[user] ?? user,
  });

/** As the admin in root:kedge, where the catalog lives. */
const inKedge = (env: Env, args: string[], input?: string) =>
  env.admin.ok(['--server', `${env.root}:kedge`, ...args], input === undefined ? {} : { input });

async function readyEntry(env: Env, name: string): Promise<void> {
  await inKedge(env, ['wait', '--for=condition=Ready', `catalogentry/${name}`, '--timeout=60s']);
}

/** As the admin: CatalogEntry `name` with `spec`, applied. */
const applyEntry = (env: Env, name: string, spec: object) =>
  inKedge(
    env,
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'providers.kedge.faros.sh/v1alpha1',
      kind: 'CatalogEntry',
      metadata: { name },
      spec,
    }),
  );

/** As the admin: a jsonpath of CatalogEntry `name`. */
const entryField = (env: Env, name: string, jsonpath: string) =>
  inKedge(env, ['get', 'ce', name, '-o', `jsonpath=${jsonpath}`]);

/** As the admin: `kubectl get ARGS -o json` at `server`, parsed. */
const getJson = async (env: Env, server: string, ...args: string[]) =>
  JSON.parse(await env.admin.ok(['--server', server, 'get', ...args, '-o', 'json']));

/** The catalog as the hub lists it to the holder of `token`. */
const catalog = async (hub: Env['hub'], token: string | undefined) =>
  json<{ items: Array<{ name: string; ready: boolean; builtin?: boolean }> }>(
    await hub({ path: '/api/providers', token }),
  ).items;

/** `canopy hub` for the control plane of `server`, writing its URL to `dataDir`/hub-url. */
const startHub = (server: CanopyProcess, dataDir: string, ...extra: string[]) =>
  startHubProcess(server.kubeconfig, dataDir, ...extra);
const hubUrlIn = (dataDir: string) => readFileSync(join(dataDir, 'hub-url'), 'utf8').trim();

/** The provider's identity: its kubeconfig from the Secret, aimed at the virtual workspace. */
async function providerView(env: Env): Promise<(args: string[]) => Promise<string>> {
  const secret = await env.admin.ok([
    '--server',
    `${env.root}:kedge:providers:my-provider`,
    'get',
    'secret',
    'kedge-provider-kubeconfig',
    '-n',
    'default',
    '-o',
    'jsonpath={.data.kubeconfig}',
  ]);
  const file = join(env.tmp, 'provider.kubeconfig');
  writeFileSync(file, Buffer.from(secret, 'base64'), { mode: 0o600 });
  const provider = kubectl('1.33', file, join(env.tmp, 'provider-home'));
  // Found as a provider's controller finds it: from its export's endpoint slice.
  const url = await until('the endpoint slice URL', async () => {
    const out = await provider.ok([
      'get',
      'apiexportendpointslice',
      EXPORT,
      '-o',
      'jsonpath={.status.endpoints[0].url}',
    ]);
    return out || undefined;
  });
  return (args) => provider.ok(['--server', `${url}/clusters/*`, ...args]);
}

describe('providers through the hub in canopy start', () => {
  let env: Env & { standalone?: HubProcess };

  beforeAll(async () => {
    env = await setUp('in-process');
    for (const user of ['alice', 'bob']) await tenantWorkspace(env.admin, env.root, user, user);
    await inKedge(env, ['apply', '-f', EXAMPLE]);
    await readyEntry(env, 'my-provider');
  }, 120_000);
  afterAll(() => tearDown(env));

  it('turns the seed CatalogEntry into workspace, schema, export, slice, grant and identity', async () => {
    const ws = `${env.root}:kedge:providers:my-provider`;
    const status = JSON.parse(await entryField(env, 'my-provider', '{.status}'));
    expect(status).toMatchObject({
      workspace: PROVIDER_WS,
      kubeconfigSecret: { namespace: 'default', name: 'kedge-provider-kubeconfig' },
    });
    expect(status.logicalCluster).toMatch(/^[a-z0-9]+$/);
    expect(status.identityHash).toMatch(/^[0-9a-f]{64}$/);
    expect(
      status.conditions
        .map((c: { type: string; status: string }) => `${c.type}=${c.status}`)
        .sort(),
    ).toEqual([
      'APIExportReady=True',
      'BindGrantReady=True',
      'IdentityReady=True',
      'Ready=True',
      'SchemasApplied=True',
      'WorkspaceReady=True',
    ]);
    expect(
      await env.admin.ok([
        '--server',
        `${env.root}:kedge:providers`,
        'get',
        'workspace',
        'my-provider',
        '-o',
        'jsonpath={.spec.type.name}',
      ]),
    ).toBe('provider');
    expect(await env.admin.ok(['--server', ws, 'get', 'apiresourceschemas', '-o', 'name'])).toBe(
      'apiresourceschema.apis.kcp.io/v260529-abc.things.my-provider.providers.kedge.faros.sh\n',
    );
    const v2 = await getJson(env, ws, `apiexports.v1alpha2.apis.kcp.io/${EXPORT}`);
    expect(v2.spec.resources).toEqual([
      {
        name: 'things',
        group: 'my-provider.providers.kedge.faros.sh',
        schema: 'v260529-abc.things.my-provider.providers.kedge.faros.sh',
        storage: { crd: {} },
      },
    ]);
    expect(
      v2.spec.permissionClaims.map((c: { resource: string; verbs: string[] }) => [
        c.resource,
        c.verbs,
      ]),
    ).toEqual([
      ['configmaps', ['get', 'list', 'watch']],
      ['secrets', ['get', 'list', 'watch']],
    ]);
    const v1 = await getJson(env, ws, `apiexports.v1alpha1.apis.kcp.io/${EXPORT}`);
    expect(v1.spec.latestResourceSchemas).toEqual([
      'v260529-abc.things.my-provider.providers.kedge.faros.sh',
    ]);
    expect(v1.spec.permissionClaims.map((c: { resource: string }) => c.resource)).toEqual([
      'configmaps',
      'secrets',
    ]);
    expect(
      await env.admin.ok(['--server', ws, 'get', 'apiexportendpointslices', '-o', 'name']),
    ).toContain(EXPORT);
    const grant = await getJson(env, ws, 'clusterrole', `kedge:providers:bind:${EXPORT}`);
    expect(grant.rules).toEqual([
      {
        apiGroups: ['apis.kcp.io'],
        resources: ['apiexports'],
        resourceNames: [EXPORT],
        verbs: ['bind'],
      },
    ]);
    const grantBinding = await getJson(
      env,
      ws,
      'clusterrolebinding',
      `kedge:providers:bind:${EXPORT}`,
    );
    expect(grantBinding.subjects).toEqual([
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:authenticated' },
    ]);
    // The provider type allows no child workspaces.
    const child = await env.admin(['--server', ws, 'create', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'tenancy.kcp.io/v1alpha1',
        kind: 'Workspace',
        metadata: { name: 'nested' },
      }),
    });
    expect(child.code).not.toBe(0);
  });

  it('lets a tenant enable it through the hub, as themselves, with the claims they accept', async () => {
    const r = await enable(env, 'alice', 'root:alice', 'my-provider', [
      { group: '', resource: 'configmaps' },
    ]);
    expect(r.status, r.body).toBe(200);
    expect(json(r)).toEqual({
      provider: 'my-provider',
      workspace: 'root:alice',
      bindingName: 'my-provider',
      phase: 'Bound',
      acceptedClaims: [{ group: '', resource: 'configmaps' }],
      rejectedClaims: [{ group: '', resource: 'secrets' }],
    });
    // Safe to repeat.
    const again = await enable(env, 'alice', 'root:alice', 'my-provider', [
      { group: '', resource: 'configmaps' },
    ]);
    expect(again.status).toBe(200);
    const alice = env.as('alice');
    const binding = JSON.parse(await alice.ok(['get', 'apibinding', 'my-provider', '-o', 'json']));
    expect(binding.spec.reference.export).toEqual({ path: PROVIDER_WS, name: EXPORT });
    expect(
      binding.spec.permissionClaims.map(
        (c: { resource: string; state: string }) => `${c.resource}=${c.state}`,
      ),
    ).toEqual(['configmaps=Accepted', 'secrets=Rejected']);
    const enabled = await env.hub({
      path: '/api/workspaces/root:alice/providers/enabled',
      token: TOKENS.alice,
    });
    expect(json(enabled)).toEqual({
      'my-provider': { bindingName: 'my-provider', phase: 'Bound' },
    });

    await alice.ok(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'my-provider.providers.kedge.faros.sh/v1alpha1',
        kind: 'Thing',
        metadata: { name: 'alices-thing', namespace: 'default' },
        spec: { replicas: 2 },
      }),
    });
    await alice.ok(['create', 'configmap', 'alices-config']);
    await alice.ok(['create', 'secret', 'generic', 'alices-secret', '--from-literal=k=v']);
    expect(await alice.ok(['get', 'things', '-o', 'name'])).toBe(
      'thing.my-provider.providers.kedge.faros.sh/alices-thing\n',
    );
  });

  it('lets a tenant bind it with kubectl kcp bind, thanks to the bind grant', async () => {
    env.as('bob'); // writes bob.kubeconfig
    mkdirSync(join(env.tmp, 'bob-home'), { recursive: true });
    const bob = kubectlWithPlugins(
      join(env.tmp, 'bob.kubeconfig'),
      join(env.tmp, 'bob-home'),
      'kubeconfig',
    );
    const bound = await bob.ok([
      'kcp',
      'bind',
      'apiexport',
      `${PROVIDER_WS}:${EXPORT}`,
      '--name',
      'things',
      '--accept-permission-claim',
      'configmaps.core,secrets.core',
    ]);
    expect(bound).toContain('created and bound');
    await bob.ok(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'my-provider.providers.kedge.faros.sh/v1alpha1',
        kind: 'Thing',
        metadata: { name: 'bobs-thing', namespace: 'default' },
      }),
    });
    await bob.ok(['create', 'secret', 'generic', 'bobs-secret', '--from-literal=k=v']);
    // The hub sees bob's own binding as the provider being enabled.
    const enabled = await env.hub({
      path: '/api/workspaces/root:bob/providers/enabled',
      token: TOKENS.bob,
    });
    expect(json(enabled)).toEqual({ 'my-provider': { bindingName: 'things', phase: 'Bound' } });
  });

  it('shows the provider identity only what tenants accepted, through the virtual workspace', async () => {
    const view = await providerView(env);
    await eventually('both tenants’ things', async () => {
      const things = await view([
        'get',
        'things',
        '-A',
        '-o',
        'jsonpath={.items[*].metadata.name}',
      ]);
      expect(things.split(' ').sort()).toEqual(['alices-thing', 'bobs-thing']);
    });
    await eventually('accepted claims only', async () => {
      const secrets = await view([
        'get',
        'secrets',
        '-A',
        '-o',
        'jsonpath={.items[*].metadata.name}',
      ]);
      expect(secrets).toContain('bobs-secret');
      expect(secrets).not.toContain('alices-secret');
      const configmaps = await view([
        'get',
        'configmaps',
        '-A',
        '-o',
        'jsonpath={.items[*].metadata.name}',
      ]);
      expect(configmaps).toContain('alices-config');
    });
    // The identity is the provider's, not an admin's: the catalog is out of its reach.
    const catalog = await env.admin([
      '--kubeconfig',
      join(env.tmp, 'provider.kubeconfig'),
      '--server',
      `${env.root}:kedge`,
      'get',
      'ce',
    ]);
    expect(catalog.code).not.toBe(0);
  });

  it('refuses what the caller may not do, and providers that do not exist', async () => {
    const forbidden = await enable(env, 'carol', 'root:alice', 'my-provider', []);
    expect(forbidden.status).toBe(403);
    expect(json<{ kind: string }>(forbidden).kind).toBe('Status');
    expect(
      (await env.hub({ path: '/api/workspaces/root:alice/providers/enabled', token: TOKENS.carol }))
        .status,
    ).toBe(403);
    expect((await disable(env, 'carol', 'root:alice', 'my-provider')).status).toBe(403);
    const unknown = await enable(env, 'alice', 'root:alice', 'nope', []);
    expect(unknown.status).toBe(404);
    expect(json<{ message: string }>(unknown).message).toBe(
      'provider "nope" is not in the catalog',
    );
    const badClaim = await enable(env, 'alice', 'root:alice', 'my-provider', [
      { group: '', resource: 'pods' },
    ]);
    expect(badClaim.status).toBe(400);
    expect(
      (await enable(env, 'alice', 'root:alice', 'my-provider', 'not-a-list' as never)).status,
    ).toBe(400);
    expect((await enable(env, 'alice', 'Not_A_Path', 'my-provider', [])).status).toBe(400);
    expect((await enable(env, 'not-a-token', 'root:alice', 'my-provider', [])).status).toBe(401);
    expect(
      (
        await env.hub({
          method: 'GET',
          path: '/api/workspaces/root:alice/providers/my-provider/enable',
          token: TOKENS.alice,
        })
      ).status,
    ).toBe(405);
  });

  it('answers 409 naming a dependency that is not enabled', async () => {
    await applyEntry(env, 'addon', {
      displayName: 'Add-on',
      dependencies: [{ name: 'my-provider' }],
      apiExport: { name: 'addon.providers.kedge.faros.sh' },
    });
    await readyEntry(env, 'addon');
    await tenantWorkspace(env.admin, env.root, 'carol', 'carol');
    const missing = await enable(env, 'carol', 'root:carol', 'addon', []);
    expect(missing.status).toBe(409);
    expect(json(missing)).toMatchObject({
      kind: 'Status',
      reason: 'Conflict',
      message: 'provider "addon" needs "my-provider" enabled in root:carol first',
    });
    expect((await enable(env, 'alice', 'root:alice', 'addon', [])).status).toBe(200);
  });

  it('moves the export to a schema under a new name while the old binding keeps serving', async () => {
    const entry = await getJson(env, `${env.root}:kedge`, 'ce', 'my-provider');
    const oldBody: string = entry.spec.apiExport.schemas[0].body;
    const withColor = oldBody.replace(
      '                replicas:\n                  type: integer\n',
      '                replicas:\n                  type: integer\n                color:\n                  type: string\n',
    );
    expect(withColor).not.toBe(oldBody);
    // The same name with another body is refused and reported; the export stays.
    const patch = (body: string) =>
      inKedge(env, [
        'patch',
        'ce',
        'my-provider',
        '--type',
        'json',
        '-p',
        JSON.stringify([{ op: 'replace', path: '/spec/apiExport/schemas/0/body', value: body }]),
      ]);
    await patch(withColor);
    await eventually('SchemaChanged reported', async () => {
      const reason = await entryField(
        env,
        'my-provider',
        '{.status.conditions[?(@.type=="SchemasApplied")].reason}',
      );
      expect(reason).toBe('SchemaChanged');
    });
    const ws = `${env.root}:kedge:providers:my-provider`;
    const exportSchema = () =>
      env.admin.ok([
        '--server',
        ws,
        'get',
        `apiexports.v1alpha2.apis.kcp.io/${EXPORT}`,
        '-o',
        'jsonpath={.spec.resources[0].schema}',
      ]);
    expect(await exportSchema()).toBe('v260529-abc.things.my-provider.providers.kedge.faros.sh');

    await patch(withColor.replace('v260529-abc.', 'v260601-def.'));
    await readyEntry(env, 'my-provider');
    await eventually('the export on the new schema', async () => {
      expect(await exportSchema()).toBe('v260601-def.things.my-provider.providers.kedge.faros.sh');
    });
    expect(
      await env.admin.ok(['--server', ws, 'get', 'apiresourceschemas', '-o', 'name']),
    ).toContain('v260529-abc');
    // Alice's binding, made before, still serves her Thing, and now the new field.
    const alice = env.as('alice');
    expect(
      await alice.ok(['get', 'thing', 'alices-thing', '-o', 'jsonpath={.spec.replicas}']),
    ).toBe('2');
    await eventually('the new field served', async () => {
      await alice.ok([
        'patch',
        'thing',
        'alices-thing',
        '--type',
        'merge',
        '-p',
        '{"spec":{"color":"green"}}',
      ]);
      expect(await alice.ok(['get', 'thing', 'alices-thing', '-o', 'jsonpath={.spec.color}'])).toBe(
        'green',
      );
    });
  });

  it('keeps an entry with untrusted claims out of reach until approved', async () => {
    await applyEntry(env, 'nosy', {
      displayName: 'Nosy',
      apiExport: {
        name: 'nosy.providers.kedge.faros.sh',
        permissionClaims: [{ group: '', resource: 'secrets', verbs: ['get'], tenantScoped: false }],
      },
    });
    await eventually('UntrustedClaims', async () => {
      const ready = await entryField(
        env,
        'nosy',
        '{.status.conditions[?(@.type=="Ready")].reason}',
      );
      expect(ready).toBe('UntrustedClaims');
    });
    const exports = await env.admin.ok([
      '--server',
      `${env.root}:kedge:providers:nosy`,
      'get',
      'apiexports',
      '-o',
      'name',
    ]);
    expect(exports).toBe('');
    const refused = await enable(env, 'alice', 'root:alice', 'nosy', [
      { group: '', resource: 'secrets' },
    ]);
    expect(refused.status).toBe(503);
    expect(json<{ message: string }>(refused).message).toContain('need approval');
    const listed = (await catalog(env.hub, TOKENS.alice)).find((i) => i.name === 'nosy');
    expect(listed?.ready).toBe(false);
    await inKedge(env, ['annotate', 'ce', 'nosy', 'kedge.faros.sh/accept-untrusted-claims=true']);
    await readyEntry(env, 'nosy');
  });

  it('accepts heartbeats only from the provider’s own identity', async () => {
    const ws = `${env.root}:kedge:providers:my-provider`;
    const token = Buffer.from(
      await env.admin.ok([
        '--server',
        ws,
        'get',
        'secret',
        'kedge-provider-token',
        '-n',
        'default',
        '-o',
        'jsonpath={.data.token}',
      ]),
      'base64',
    ).toString();
    const beat = (t: string) =>
      env.hub({
        method: 'POST',
        path: '/api/providers/my-provider/heartbeat',
        token: t,
        body: '{"version":"1.2.3"}',
      });
    expect((await beat(TOKENS.alice as string)).status).toBe(403);
    // A ServiceAccount of the same name in a tenant's workspace is someone else.
    const alice = env.as('alice');
    await alice.ok(['create', 'serviceaccount', 'kedge-provider', '-n', 'default']);
    const impostor = (
      await alice.ok(['create', 'token', 'kedge-provider', '-n', 'default'])
    ).trim();
    const refused = await beat(impostor);
    expect(refused.status).toBe(403);
    expect(json<{ message: string }>(refused).message).toContain('own identity');
    const ok = await beat(token);
    expect(ok.status, ok.body).toBe(200);
    await eventually('the heartbeat recorded', async () => {
      const got = await entryField(env, 'my-provider', '{.status.reportedVersion}');
      expect(got).toBe('1.2.3');
    });
  });

  it('disables: the binding and its objects go, and repeating is harmless', async () => {
    const addon = await disable(env, 'alice', 'root:alice', 'addon');
    expect(json(addon)).toEqual({ removed: ['addon'] });
    const r = await disable(env, 'alice', 'root:alice', 'my-provider');
    expect(r.status, r.body).toBe(200);
    expect(json(r)).toEqual({ removed: ['my-provider'] });
    const alice = env.as('alice');
    expect(await alice.ok(['get', 'apibindings', '-o', 'name'])).toBe('');
    const things = await alice(['get', 'things']);
    expect(things.code).not.toBe(0);
    const view = await providerView(env);
    await eventually('alice’s thing gone from the provider’s view', async () => {
      expect(await view(['get', 'things', '-A', '-o', 'jsonpath={.items[*].metadata.name}'])).toBe(
        'bobs-thing',
      );
    });
    expect(json(await disable(env, 'alice', 'root:alice', 'my-provider'))).toEqual({ removed: [] });
  });

  it('proxies a provider’s UI and backend with the verified identity only', async () => {
    const echo = createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Set-Cookie': 'provider=1' });
      res.end(JSON.stringify({ url: req.url, headers: req.headers }));
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    const port = (echo.address() as AddressInfo).port;
    try {
      await applyEntry(env, 'echo', {
        displayName: 'Echo',
        ui: { url: `http://127.0.0.1:${port}/ui-base` },
        backend: { url: `http://127.0.0.1:${port}/api-base/` },
      });
      await readyEntry(env, 'echo');
      const aliceCluster = await env.admin.ok([
        '--server',
        env.root,
        'get',
        'workspace',
        'alice',
        '-o',
        'jsonpath={.spec.cluster}',
      ]);
      const spoofed = {
        'X-Kedge-User': 'admin',
        'X-Kedge-Groups': 'system:masters',
        'X-Kedge-Cluster': 'root',
        'X-Remote-User': 'admin',
        'X-Forwarded-User': 'admin',
        'Impersonate-User': 'admin',
        Cookie: 'session=hub-secret',
      };
      const seen = (r: RawResponse) => json<{ url: string; headers: Record<string, string> }>(r);

      const backend = await env.hub({
        path: '/services/providers/echo/things?x=1',
        token: TOKENS.alice,
        headers: { ...spoofed, 'X-Kedge-Workspace': 'root:alice' },
      });
      expect(backend.status, backend.body).toBe(200);
      expect(backend.headers['set-cookie']).toBeUndefined();
      const b = seen(backend);
      expect(b.url).toBe('/api-base/things?x=1');
      expect(b.headers).toMatchObject({
        authorization: `Bearer ${TOKENS.alice}`,
        'x-kedge-user': 'alice',
        'x-kedge-workspace': 'root:alice',
        'x-kedge-cluster': aliceCluster,
      });
      expect(b.headers['x-kedge-groups']?.split(',')).toContain('tenants');
      expect(b.headers['x-kedge-groups']).not.toContain('system:masters');
      for (const h of ['x-remote-user', 'x-forwarded-user', 'impersonate-user', 'cookie'])
        expect(b.headers[h], h).toBeUndefined();

      const ui = await env.hub({
        path: '/ui/providers/echo/main.js',
        token: TOKENS.alice,
        headers: spoofed,
      });
      const u = seen(ui);
      expect(u.url).toBe('/ui-base/main.js');
      expect(u.headers).toMatchObject({
        'x-kedge-user': 'alice',
        'x-kedge-base-path': '/ui/providers/echo/',
      });
      for (const h of [
        'authorization',
        'cookie',
        'x-kedge-cluster',
        'x-remote-user',
        'impersonate-user',
      ])
        expect(u.headers[h], h).toBeUndefined();
      const anonymous = seen(
        await env.hub({ path: '/ui/providers/echo/main.js', token: null, headers: spoofed }),
      );
      expect(anonymous.headers['x-kedge-user']).toBeUndefined();

      // A page of the portal, not a file of the provider.
      const page = await env.hub({ path: '/ui/providers/echo/settings', token: null });
      expect(String(page.headers['content-type'])).toContain('text/html');

      expect((await env.hub({ path: '/services/providers/echo/x', token: null })).status).toBe(401);
      const elsewhere = await env.hub({
        path: '/services/providers/echo/x',
        token: TOKENS.alice,
        headers: { 'X-Kedge-Workspace': 'root:bob' },
      });
      expect(elsewhere.status).toBe(403);
      expect(
        (await env.hub({ path: '/services/providers/nope/x', token: TOKENS.alice })).status,
      ).toBe(404);
      // A backend that does not answer is a 502 that names it.
      const down = await env.hub({
        path: '/services/providers/my-provider/x',
        token: TOKENS.alice,
      });
      expect(down.status).toBe(502);
      expect(json<{ message: string }>(down).message).toContain(
        'the backend of provider "my-provider"',
      );

      // Not Ready: 503, nothing forwarded.
      await applyEntry(env, 'shy', {
        displayName: 'Shy',
        backend: { url: `http://127.0.0.1:${port}/` },
        apiExport: {
          name: 'shy.providers.kedge.faros.sh',
          permissionClaims: [{ resource: 'secrets', verbs: ['get'] }],
        },
      });
      await eventually('shy listed', async () => {
        const r = await env.hub({ path: '/services/providers/shy/x', token: TOKENS.alice });
        expect(r.status).toBe(503);
      });
    } finally {
      echo.close();
    }
  });

  it('removes a deleted entry from the catalog, and its workspace with it', async () => {
    // A tenant still bound to it when it goes.
    expect((await enable(env, 'bob', 'root:bob', 'addon', [])).status).toBe(200);
    await inKedge(env, ['delete', 'ce', 'addon', '--timeout=60s']);
    const items = (await catalog(env.hub, TOKENS.alice)).map((i) => i.name);
    expect(items).not.toContain('addon');
    await eventually('the provider workspace gone', async () => {
      const left = await env.admin.ok([
        '--server',
        `${env.root}:kedge:providers`,
        'get',
        'workspaces',
        '-o',
        'name',
      ]);
      expect(left).not.toContain('addon');
    });
    // The tenant's binding says its export is gone, as kcp's does; bob's other binding is fine.
    const bob = env.as('bob');
    await eventually('the binding reporting its export missing', async () => {
      const valid = JSON.parse(
        await bob.ok([
          'get',
          'apibinding',
          'addon',
          '-o',
          'jsonpath={.status.conditions[?(@.type=="APIExportValid")]}',
        ]),
      );
      expect(valid).toMatchObject({ status: 'False', reason: 'APIExportNotFound' });
      expect(valid.message).toContain('addon.providers.kedge.faros.sh');
    });
    expect(
      await bob.ok(['get', 'things', '-n', 'default', '-o', 'jsonpath={.items[*].metadata.name}']),
    ).toBe('bobs-thing');
  });

  it('rebuilds the catalog after a restart', async () => {
    const before = await catalog(env.hub, TOKENS.alice);
    await env.server.stop();
    env.server = await startCanopy({
      hub: true,
      dataDir: env.server.dataDir,
      args: ['--token-auth-file', join(env.tmp, 'tokens.csv')],
    });
    env.hub = httpClient(env.server.kubeconfig, env.server.hubUrl);
    const after = await catalog(env.hub, TOKENS.alice);
    expect(after.map((i) => [i.name, i.ready])).toEqual(before.map((i) => [i.name, i.ready]));
  });
});

describe('providers through a separate canopy hub process', () => {
  let env: Env & { standalone?: HubProcess };

  beforeAll(async () => {
    env = await setUp('canopy hub');
    await tenantWorkspace(env.admin, env.root, 'alice', 'alice');
  }, 120_000);
  afterAll(() => tearDown(env));

  it('provisions the seed entry, enables it for a tenant and disables it again', async () => {
    await inKedge(env, ['apply', '-f', EXAMPLE]);
    await readyEntry(env, 'my-provider');
    const r = await enable(env, 'alice', 'root:alice', 'my-provider', [
      { group: '', resource: 'configmaps' },
    ]);
    expect(r.status, r.body).toBe(200);
    const alice = env.as('alice');
    await alice.ok(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'my-provider.providers.kedge.faros.sh/v1alpha1',
        kind: 'Thing',
        metadata: { name: 'thing', namespace: 'default' },
      }),
    });
    const view = await providerView(env);
    await eventually('the thing seen by the provider', async () => {
      expect(await view(['get', 'things', '-A', '-o', 'jsonpath={.items[*].metadata.name}'])).toBe(
        'thing',
      );
    });
    expect(json(await disable(env, 'alice', 'root:alice', 'my-provider'))).toEqual({
      removed: ['my-provider'],
    });
  });

  it('lets one of several hubs reconcile, and another take over when it stops', async () => {
    const second = await startHub(env.server, join(env.tmp, 'second-hub'));
    try {
      const holder = () =>
        inKedge(env, [
          'get',
          'lease',
          'canopy-hub',
          '-n',
          'default',
          '-o',
          'jsonpath={.spec.holderIdentity}',
        ]);
      const first = env.standalone as HubProcess;
      expect(await holder()).toContain(`_${first.child.pid}_`);
      await first.stop();
      await eventually('the second hub leading', async () => {
        expect(await holder()).toContain(`_${second.child.pid}_`);
      });
      await applyEntry(env, 'later', {
        displayName: 'Later',
        apiExport: { name: 'later.providers.kedge.faros.sh' },
      });
      await readyEntry(env, 'later');
    } finally {
      await second.stop();
    }
  });

  it('writes the entries of the built-in providers it is told to offer, and removes them after', async () => {
    // The control plane's data dir (its CA), so that the same client trusts the hub.
    const hubWith = (...extra: string[]) => startHub(env.server, env.server.dataDir, ...extra);
    const entry = async () => {
      const r = await env.admin([
        '--server',
        `${env.root}:kedge`,
        'get',
        'ce',
        'postgresql',
        '-o',
        'json',
      ]);
      return r.code === 0 ? JSON.parse(r.stdout) : undefined;
    };
    // The only hub, so that it leads.
    await env.standalone?.stop();
    const offering = await hubWith('--builtin-providers', 'postgresql');
    try {
      const written = await until('the built-in entry', entry);
      expect(written.metadata.labels).toEqual({ 'providers.kedge.faros.sh/builtin': 'true' });
      expect(written.spec.apiExport).toMatchObject({
        name: 'postgresql.cnpg.io',
        path: 'root:providers:database',
      });
      // This control plane has no such export: the entry says so instead of failing.
      await eventually('the missing workspace reported', async () => {
        const ready = (await entry())?.status?.conditions?.find(
          (c: { type: string }) => c.type === 'Ready',
        );
        expect(ready).toMatchObject({ status: 'False', reason: 'WorkspaceNotFound' });
        expect(ready.message).toContain('root:providers:database');
      });
      const hub = httpClient(env.server.kubeconfig, hubUrlIn(env.server.dataDir));
      const listed = (await catalog(hub, TOKENS.alice)).find((i) => i.name === 'postgresql');
      expect(listed).toMatchObject({ builtin: true, ready: false });
    } finally {
      await offering.stop();
    }
    const unknown = spawnSync(
      process.execPath,
      [CANOPY_BIN, 'hub', '--kubeconfig', env.server.kubeconfig, '--builtin-providers', 'mysql'],
      { encoding: 'utf8' },
    );
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toContain(
      'unknown built-in provider "mysql"; the built-in providers are: postgresql',
    );
    const plain = await hubWith();
    try {
      await until('the built-in entry removed', async () =>
        (await entry()) === undefined ? true : undefined,
      );
    } finally {
      await plain.stop();
    }
  });

  it('answers 503 saying it cannot reach the control plane while that is down, never a 500', async () => {
    // The control plane's data dir (its CA), so that the same client trusts the hub.
    const hub = await startHub(env.server, env.server.dataDir);
    try {
      const get = httpClient(env.server.kubeconfig, hubUrlIn(env.server.dataDir));
      await env.server.stop();
      // carol's token was never reviewed by this hub: it must ask the control plane.
      const r = await get({ path: '/api/providers', token: TOKENS.carol });
      expect(r.status, r.body).toBe(503);
      expect(r.headers['retry-after']).toBe('5');
      expect(json(r)).toMatchObject({ kind: 'Status', code: 503, reason: 'ServiceUnavailable' });
      expect(json<{ message: string }>(r).message).toContain(
        'the hub cannot reach the control plane: ',
      );
      expect((await get({ path: '/healthz', token: null })).status).toBe(200);
    } finally {
      await hub.stop();
    }
  });
});
