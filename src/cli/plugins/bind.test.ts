import { describe, expect, it } from 'vitest';
import {
  apiBindingFor,
  bindAPIExport,
  parsePermissionClaim,
  splitList,
  validateBind,
} from './bind.ts';
import { claimsTable, getClaims, tabwrite } from './claims.ts';
import { FakeKcp, fakeContext, kubeconfigFor } from './testing.ts';

const BASE = 'https://kcp.test:6443';

describe('permission claim flags', () => {
  it('parse resource.group with core meaning the core group', () => {
    expect(parsePermissionClaim('secrets.core', 'Accepted')).toEqual({
      group: '',
      resource: 'secrets',
      verbs: ['*'],
      selector: { matchAll: true },
      state: 'Accepted',
    });
    expect(parsePermissionClaim('gateways.networking.istio.io', 'Rejected')).toMatchObject({
      group: 'networking.istio.io',
      resource: 'gateways',
      state: 'Rejected',
    });
    expect(() => parsePermissionClaim('secrets', 'Accepted')).toThrow(
      'invalid permission claim "secrets"',
    );
  });

  it('split repeated and comma-separated values', () => {
    expect(splitList(['secrets.core,namespaces.core', 'configmaps.core'])).toEqual([
      'secrets.core',
      'namespaces.core',
      'configmaps.core',
    ]);
    expect(splitList(undefined)).toEqual([]);
  });

  it('are validated with kcp messages', () => {
    const ref = 'root:providers:database:postgres';
    expect(() => validateBind(undefined, {})).toThrow(
      '`root:ws:apiexport_object` reference to bind is required as an argument',
    );
    expect(() =>
      validateBind(ref, { acceptAllPermissionClaims: true, rejectAllPermissionClaims: true }),
    ).toThrow('cannot use both --accept-all-permission-claims and --reject-all-permission-claims');
    expect(() =>
      validateBind(ref, {
        acceptAllPermissionClaims: true,
        acceptPermissionClaims: ['secrets.core'],
      }),
    ).toThrow('cannot use --accept-all-permission-claims with --accept-permission-claim');
    expect(() =>
      validateBind(ref, {
        acceptAllPermissionClaims: true,
        rejectPermissionClaims: ['secrets.core'],
      }),
    ).toThrow('cannot use --accept-all-permission-claims together with --reject-permission-claim');
    expect(() =>
      validateBind(ref, {
        rejectAllPermissionClaims: true,
        rejectPermissionClaims: ['secrets.core'],
      }),
    ).toThrow('cannot use --reject-all-permission-claims with --reject-permission-claim');
    expect(() =>
      validateBind(ref, {
        rejectAllPermissionClaims: true,
        acceptPermissionClaims: ['secrets.core'],
      }),
    ).toThrow('cannot use --reject-all-permission-claims together with --accept-permission-claim');
    expect(() => validateBind('postgres', {})).toThrow(
      'fully qualified reference to workspace where APIExport exists is required. The format is `<logical-cluster-name>:<apiexport>` or `<full>:<path>:<to>:<apiexport>`',
    );
    expect(() => validateBind(ref, { acceptPermissionClaims: ['secrets', 'cm'] })).toThrow(
      'invalid accepted permission claims: [invalid permission claim "secrets" invalid permission claim "cm"]',
    );
    expect(() => validateBind(ref, { rejectPermissionClaims: ['x'] })).toThrow(
      'invalid rejected permission claims: [invalid permission claim "x"]',
    );
    expect(() =>
      validateBind(ref, {
        acceptPermissionClaims: ['secrets.core,namespaces.core'],
        rejectPermissionClaims: ['secrets.core'],
      }),
    ).toThrow('accepted permission claim secrets conflicts with rejected permission claim secrets');
    expect(validateBind(ref, { acceptPermissionClaims: ['secrets.core'] })).toMatchObject({
      exportPath: 'root:providers:database',
      exportName: 'postgres',
    });
    // A bare logical cluster name is a valid export path.
    expect(validateBind('2cynbfy2m0wtjqcs:postgres', {}).exportPath).toBe('2cynbfy2m0wtjqcs');
  });
});

describe('APIBinding objects', () => {
  const claims = [
    parsePermissionClaim('secrets.core', 'Accepted'),
    parsePermissionClaim('namespaces.core', 'Rejected'),
  ];

  it('v1alpha2: reference.export and claims with verbs and selector', () => {
    expect(
      apiBindingFor('v1alpha2', 'postgres', 'root:providers:database', 'postgres', claims),
    ).toEqual({
      apiVersion: 'apis.kcp.io/v1alpha2',
      kind: 'APIBinding',
      metadata: { name: 'postgres' },
      spec: {
        reference: { export: { path: 'root:providers:database', name: 'postgres' } },
        permissionClaims: [
          {
            group: '',
            resource: 'secrets',
            verbs: ['*'],
            selector: { matchAll: true },
            state: 'Accepted',
          },
          {
            group: '',
            resource: 'namespaces',
            verbs: ['*'],
            selector: { matchAll: true },
            state: 'Rejected',
          },
        ],
      },
    });
  });

  it('v1alpha1: claims with all: true', () => {
    expect(apiBindingFor('v1alpha1', 'pg', 'root:p', 'postgres', claims).spec).toEqual({
      reference: { export: { path: 'root:p', name: 'postgres' } },
      permissionClaims: [
        { group: '', resource: 'secrets', all: true, state: 'Accepted' },
        { group: '', resource: 'namespaces', all: true, state: 'Rejected' },
      ],
    });
    expect(apiBindingFor('v1alpha1', 'pg', 'root:p', 'postgres', []).spec).toEqual({
      reference: { export: { path: 'root:p', name: 'postgres' } },
    });
    expect(() => apiBindingFor('v1beta1', 'pg', 'root:p', 'postgres', [])).toThrow(
      'v1beta1 is not supported by this plugin',
    );
  });
});

describe('kubectl kcp bind apiexport', () => {
  it('creates the binding in the preferred version and waits for Bound', async () => {
    const kcp = new FakeKcp(BASE);
    kcp.addWorkspace('root:consumers');
    kcp.addWorkspace('root:consumers:pg');
    kcp.boundAfterGets = 3;
    const ctx = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root:consumers:pg`));
    await bindAPIExport(ctx, 'root:providers:database:postgres', {
      acceptPermissionClaims: ['secrets.core,namespaces.core'],
    });
    expect(ctx.stdout()).toBe(
      'apibinding postgres created. Waiting to successfully bind ...\npostgres created and bound.\n',
    );
    const post = kcp.requests.find((r) => r.method === 'POST');
    expect(post?.path).toBe('/clusters/root:consumers:pg/apis/apis.kcp.io/v1alpha2/apibindings');
    expect(post?.body).toMatchObject({
      spec: {
        reference: { export: { path: 'root:providers:database', name: 'postgres' } },
        permissionClaims: [
          {
            group: '',
            resource: 'secrets',
            verbs: ['*'],
            selector: { matchAll: true },
            state: 'Accepted',
          },
          {
            group: '',
            resource: 'namespaces',
            verbs: ['*'],
            selector: { matchAll: true },
            state: 'Accepted',
          },
        ],
      },
    });
    expect(ctx.clock).toBe(1000);
  });

  it('uses v1alpha1 when that is all the server serves, and --name', async () => {
    const kcp = new FakeKcp(BASE);
    kcp.apisVersions = ['v1alpha1'];
    const ctx = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root`));
    await bindAPIExport(ctx, 'root:p:postgres', {
      name: 'mine',
      rejectPermissionClaims: ['secrets.core'],
    });
    const post = kcp.requests.find((r) => r.method === 'POST');
    expect(post?.path).toBe('/clusters/root/apis/apis.kcp.io/v1alpha1/apibindings');
    expect(post?.body).toMatchObject({
      apiVersion: 'apis.kcp.io/v1alpha1',
      metadata: { name: 'mine' },
      spec: {
        permissionClaims: [{ group: '', resource: 'secrets', all: true, state: 'Rejected' }],
      },
    });
    expect(ctx.stdout()).toContain('mine created and bound.\n');
  });

  it('--accept-all-permission-claims copies the export claims', async () => {
    const kcp = new FakeKcp(BASE);
    kcp.addWorkspace('root:providers');
    kcp.exports.set('root:providers', [
      {
        metadata: { name: 'postgres' },
        spec: {
          permissionClaims: [
            { group: '', resource: 'secrets', verbs: ['get', 'list'] },
            { group: 'example.io', resource: 'widgets', identityHash: 'abc', verbs: ['*'] },
          ],
        },
      },
    ]);
    const ctx = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root`));
    await bindAPIExport(ctx, 'root:providers:postgres', { acceptAllPermissionClaims: true });
    expect(kcp.requests.find((r) => r.method === 'POST')?.body).toMatchObject({
      spec: {
        permissionClaims: [
          {
            group: '',
            resource: 'secrets',
            verbs: ['*'],
            selector: { matchAll: true },
            state: 'Accepted',
          },
          { group: 'example.io', resource: 'widgets', identityHash: 'abc', state: 'Accepted' },
        ],
      },
    });
    await expect(
      bindAPIExport(ctx, 'root:providers:missing', { rejectAllPermissionClaims: true }),
    ).rejects.toThrow(
      'failed to get APIExport "missing": apiexports.apis.kcp.io "missing" not found',
    );
  });

  it('reports kcp errors: discovery, create, timeout', async () => {
    const kcp = new FakeKcp(BASE);
    kcp.apisVersions = [];
    const ctx = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root`));
    await expect(bindAPIExport(ctx, 'root:p:postgres', {})).rejects.toThrow(
      'service discovery failed: server does not serve apibindings.apis.kcp.io',
    );
    kcp.apisVersions = ['v1alpha2'];
    kcp.boundAfterGets = Number.POSITIVE_INFINITY;
    await expect(bindAPIExport(ctx, 'root:p:postgres', { timeoutMs: 2000 })).rejects.toThrow(
      'could not bind postgres: context deadline exceeded',
    );
    await expect(bindAPIExport(ctx, 'root:p:postgres', {})).rejects.toThrow(
      'failed to create APIBinding: apibindings.apis.kcp.io "postgres" already exists',
    );
    const plain = fakeContext(kcp, kubeconfigFor(BASE));
    await expect(bindAPIExport(plain, 'root:p:postgres', {})).rejects.toThrow(
      `current URL "${BASE}" does not point to workspace`,
    );
  });
});

describe('kubectl kcp claims get apibinding', () => {
  it('aligns columns like kubectl tabwriter', () => {
    expect(
      tabwrite([
        ['A', 'BB'],
        ['long-value', 'x'],
      ]),
    ).toBe('A            BB\nlong-value   x\n');
  });

  it('prints one row per claim', async () => {
    const kcp = new FakeKcp(BASE);
    kcp.bindings.set('root', [
      {
        metadata: { name: 'postgres' },
        spec: {
          permissionClaims: [
            { group: '', resource: 'secrets', verbs: ['*'], state: 'Accepted' },
            { group: '', resource: 'namespaces', verbs: ['get', 'list'], state: 'Rejected' },
          ],
        },
      },
      {
        metadata: { name: 'cert-manager' },
        spec: {
          permissionClaims: [
            { group: 'example.io', resource: 'widgets', verbs: ['*'], state: 'Accepted' },
          ],
        },
      },
    ]);
    const ctx = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root`));
    await getClaims(ctx, 'postgres');
    expect(ctx.stdout()).toBe(
      'APIBINDING   GROUP-RESOURCE   VERBS      STATUS\n' +
        'postgres     secrets          *          Accepted\n' +
        'postgres     namespaces       get,list   Rejected\n',
    );
    const all = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root`));
    await getClaims(all, undefined);
    expect(all.stdout().split('\n')[3]).toBe(
      'cert-manager   widgets.example.io   *          Accepted',
    );
    await expect(getClaims(all, 'nope')).rejects.toThrow(
      'error finding APIBinding: apibindings.apis.kcp.io "nope" not found',
    );
  });

  it('drops the VERBS column for v1alpha1', () => {
    expect(
      claimsTable(
        [
          {
            metadata: { name: 'b' },
            spec: { permissionClaims: [{ resource: 'secrets', state: 'Accepted' }] },
          },
        ],
        'v1alpha1',
      ),
    ).toBe('APIBINDING   GROUP-RESOURCE   STATUS\nb            secrets          Accepted\n');
  });
});
