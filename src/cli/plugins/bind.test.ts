import { describe, expect, it } from 'vitest';
import {
  apiBindingFor,
  bindAPIExport,
  parsePermissionClaim,
  splitList,
  validateBind,
} from './bind.ts';
import {
  claimsTable,
  decideClaims,
  decideClaimsCommand,
  getClaims,
  openClaims,
  parseResourceGroup,
  tabwrite,
} from './claims.ts';
import type { AcceptablePermissionClaim, APIBinding } from './kcp-api.ts';
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
      'could not bind postgres: context deadline exceeded; the APIBinding is left as it is (`kubectl get apibinding postgres -o yaml` shows it, `kubectl delete apibinding postgres` removes it)',
    );
    // Binding again names the command that changes the existing binding's claims.
    await expect(bindAPIExport(ctx, 'root:p:postgres', {})).rejects.toThrow(
      'failed to create APIBinding: apibindings.apis.kcp.io "postgres" already exists; to change its permission claims use `kubectl kcp claims accept postgres --resource=<resource.group>`',
    );
    const plain = fakeContext(kcp, kubeconfigFor(BASE));
    await expect(bindAPIExport(plain, 'root:p:postgres', {})).rejects.toThrow(
      `current URL "${BASE}" does not point to workspace`,
    );
  });
});

const DATABASE_EXPORT = {
  metadata: { name: 'postgresql.cnpg.io' },
  spec: {
    permissionClaims: [
      { group: '', resource: 'events', verbs: ['*'] },
      { group: '', resource: 'namespaces', verbs: ['*'] },
      { group: '', resource: 'secrets', verbs: ['*'] },
      { group: 'example.io', resource: 'widgets', identityHash: 'h4sh', verbs: ['get'] },
    ],
  },
};

function databaseKcp(): FakeKcp {
  const kcp = new FakeKcp(BASE);
  kcp.addWorkspace('root:providers');
  kcp.addWorkspace('root:providers:database');
  kcp.addWorkspace('root:consumers');
  kcp.addWorkspace('root:consumers:two');
  kcp.exports.set('root:providers:database', [structuredClone(DATABASE_EXPORT)]);
  return kcp;
}

describe('kubectl kcp bind apiexport: what a newcomer needs told', () => {
  it('warns about every claim the binding leaves open, with the command that accepts it', async () => {
    const kcp = databaseKcp();
    const ctx = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root:consumers:two`));
    await bindAPIExport(ctx, 'root:providers:database:postgresql.cnpg.io', {
      rejectPermissionClaims: ['events.core'],
    });
    expect(ctx.stdout()).toBe(
      'apibinding postgresql.cnpg.io created. Waiting to successfully bind ...\npostgresql.cnpg.io created and bound.\n',
    );
    // The rejected claim is a decision; the three others are open.
    expect(ctx.stderr()).toBe(
      [
        'Warning: APIExport root:providers:database:postgresql.cnpg.io claims 3 resources in this workspace that APIBinding postgresql.cnpg.io neither accepts nor rejects: namespaces, secrets, widgets.example.io.',
        'The provider cannot use them here until you accept them. To accept:',
        '  kubectl kcp claims accept postgresql.cnpg.io --resource=namespaces',
        '  kubectl kcp claims accept postgresql.cnpg.io --resource=secrets',
        '  kubectl kcp claims accept postgresql.cnpg.io --identity-hash=h4sh',
        '(`kubectl kcp claims get apibinding postgresql.cnpg.io` lists the claims; `--accept-all-permission-claims` accepts them all when binding.)',
        '',
      ].join('\n'),
    );
  });

  it('says nothing more when every claim is decided', async () => {
    const kcp = databaseKcp();
    const ctx = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root:consumers:two`));
    await bindAPIExport(ctx, 'root:providers:database:postgresql.cnpg.io', {
      acceptAllPermissionClaims: true,
    });
    expect(ctx.stderr()).toBe('');
  });

  it('fails at once for an export that does not exist, and deletes the binding it made', async () => {
    const kcp = databaseKcp();
    kcp.missingExports.add('root:providers:database:postgresql.cnpg.oi');
    const ctx = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root:consumers:two`));
    await expect(
      bindAPIExport(ctx, 'root:providers:database:postgresql.cnpg.oi', {}),
    ).rejects.toThrow(
      'could not bind postgresql.cnpg.oi: APIExport root:providers:database:postgresql.cnpg.oi not found; the APIBinding postgresql.cnpg.oi it created was deleted',
    );
    expect(ctx.clock).toBe(0);
    expect(kcp.bindings.get('root:consumers:two')).toEqual([]);
  });

  it('names the failing conditions when binding times out', async () => {
    const kcp = databaseKcp();
    kcp.boundAfterGets = Number.POSITIVE_INFINITY;
    // The controller found the export but cannot serve its schemas.
    kcp.newBindingStatus = {
      phase: 'Binding',
      conditions: [
        { type: 'APIExportValid', status: 'True', reason: 'Valid' },
        {
          type: 'InitialBindingCompleted',
          status: 'False',
          reason: 'APIResourceSchemaInvalid',
          message: 'APIResourceSchemas not found: v1.clusters.postgresql.cnpg.io',
        },
        { type: 'Ready', status: 'False', reason: 'Binding', message: 'waiting' },
      ],
    };
    const ctx = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root:consumers:two`));
    await expect(
      bindAPIExport(ctx, 'root:providers:database:postgresql.cnpg.io', { timeoutMs: 1000 }),
    ).rejects.toThrow(
      'could not bind postgresql.cnpg.io: context deadline exceeded (InitialBindingCompleted APIResourceSchemaInvalid: APIResourceSchemas not found: v1.clusters.postgresql.cnpg.io); the APIBinding is left as it is',
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

describe('permission claims decided after binding', () => {
  const bound = (claims: AcceptablePermissionClaim[] = []): APIBinding => ({
    apiVersion: 'apis.kcp.io/v1alpha2',
    metadata: { name: 'pg', resourceVersion: '7' },
    spec: {
      reference: { export: { path: 'root:providers:database', name: 'postgresql.cnpg.io' } },
      permissionClaims: claims,
    },
    status: {
      phase: 'Bound',
      exportPermissionClaims: DATABASE_EXPORT.spec.permissionClaims,
    },
  });

  it('open claims are those of the export the binding has not decided', () => {
    expect(
      openClaims(
        bound([
          { group: '', resource: 'secrets', state: 'Accepted' },
          { group: '', resource: 'events', state: 'Rejected' },
          // A claim for another export's widgets is not this one.
          { group: 'example.io', resource: 'widgets', identityHash: 'other', state: 'Accepted' },
        ]),
      ).map((c) => c.resource),
    ).toEqual(['namespaces', 'widgets']);
    expect(openClaims({ metadata: { name: 'unbound' } })).toEqual([]);
  });

  it('claims get apibinding lists open claims as Open', () => {
    expect(
      claimsTable(
        [bound([{ group: '', resource: 'secrets', verbs: ['*'], state: 'Accepted' }])],
        'v1alpha2',
      ),
    ).toBe(
      'APIBINDING   GROUP-RESOURCE       VERBS   STATUS\n' +
        'pg           secrets              *       Accepted\n' +
        'pg           events               *       Open\n' +
        'pg           namespaces           *       Open\n' +
        'pg           widgets.example.io   get     Open\n',
    );
  });

  it('--resource reads as kcp reads it', () => {
    expect(parseResourceGroup('secrets')).toEqual({ group: '', resource: 'secrets' });
    expect(parseResourceGroup('secrets.core')).toEqual({ group: '', resource: 'secrets' });
    expect(parseResourceGroup('gateways.networking.istio.io')).toEqual({
      group: 'networking.istio.io',
      resource: 'gateways',
    });
  });

  it('accepting adds an open claim and changes a decided one', () => {
    const next = decideClaims(
      bound([
        {
          group: '',
          resource: 'secrets',
          verbs: ['*'],
          selector: { matchAll: true },
          state: 'Rejected',
        },
      ]),
      'Accepted',
      { resources: [parseResourceGroup('secrets'), parseResourceGroup('namespaces.core')] },
    );
    expect(next.spec?.permissionClaims).toEqual([
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
    ]);
    expect(next.metadata.resourceVersion).toBe('7');
    const byHash = decideClaims(bound(), 'Rejected', { resources: [], identityHash: 'h4sh' });
    expect(byHash.spec?.permissionClaims).toEqual([
      {
        group: 'example.io',
        resource: 'widgets',
        identityHash: 'h4sh',
        verbs: ['*'],
        selector: { matchAll: true },
        state: 'Rejected',
      },
    ]);
    // v1alpha1 bindings carry `all` instead of verbs and selector.
    const v1 = decideClaims({ ...bound(), apiVersion: 'apis.kcp.io/v1alpha1' }, 'Accepted', {
      resources: [parseResourceGroup('events')],
    });
    expect(v1.spec?.permissionClaims).toEqual([
      { group: '', resource: 'events', all: true, state: 'Accepted' },
    ]);
  });

  it('a claim the export does not make is refused, naming those it makes', () => {
    expect(() =>
      decideClaims(bound(), 'Accepted', { resources: [parseResourceGroup('configmaps')] }),
    ).toThrow(
      'APIBinding "pg" has no claim "configmaps"; its export claims events, namespaces, secrets, widgets.example.io',
    );
    expect(() =>
      decideClaims({ metadata: { name: 'new' } }, 'Accepted', {
        resources: [parseResourceGroup('secrets')],
      }),
    ).toThrow('its export makes no claims (or the binding is not bound yet)');
  });

  it('kubectl kcp claims accept writes the binding and says what it did', async () => {
    const kcp = databaseKcp();
    const ctx = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root:consumers:two`));
    await bindAPIExport(ctx, 'root:providers:database:postgresql.cnpg.io', {});
    const accept = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root:consumers:two`));
    // Someone else wrote the binding between our read and our write: read again.
    kcp.conflicts = 1;
    await decideClaimsCommand(accept, 'accept', 'postgresql.cnpg.io', { resources: ['secrets'] });
    expect(accept.stdout()).toBe(
      'claim "secrets" on APIBinding "postgresql.cnpg.io" is accepted\n',
    );
    const several = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root:consumers:two`));
    await decideClaimsCommand(several, 'reject', 'postgresql.cnpg.io', {
      resources: ['events,namespaces'],
    });
    expect(several.stdout()).toBe(
      'claims "events", "namespaces" on APIBinding "postgresql.cnpg.io" are rejected\n',
    );
    const list = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root:consumers:two`));
    await getClaims(list, 'postgresql.cnpg.io');
    expect(list.stdout()).toBe(
      'APIBINDING           GROUP-RESOURCE       VERBS   STATUS\n' +
        'postgresql.cnpg.io   secrets              *       Accepted\n' +
        'postgresql.cnpg.io   events               *       Rejected\n' +
        'postgresql.cnpg.io   namespaces           *       Rejected\n' +
        'postgresql.cnpg.io   widgets.example.io   get     Open\n',
    );
    const put = kcp.requests.filter((r) => r.method === 'PUT');
    expect(put.map((r) => r.path)).toEqual(
      Array(3).fill(
        '/clusters/root:consumers:two/apis/apis.kcp.io/v1alpha2/apibindings/postgresql.cnpg.io',
      ),
    );
  });

  it('kubectl kcp claims accept needs a binding and a claim', async () => {
    const kcp = databaseKcp();
    const ctx = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root:consumers:two`));
    await expect(decideClaimsCommand(ctx, 'accept', undefined, {})).rejects.toThrow(
      'error APIBinding name is missing',
    );
    await expect(decideClaimsCommand(ctx, 'accept', 'pg', {})).rejects.toThrow(
      'say which claim to accept: --resource resource.group (for example --resource=secrets) or --identity-hash hash; `kubectl kcp claims get apibinding pg` lists them',
    );
    await expect(
      decideClaimsCommand(ctx, 'accept', 'pg', { resources: ['secrets'] }),
    ).rejects.toThrow(
      'error updating permission claim for APIBinding "pg": apibindings.apis.kcp.io "pg" not found',
    );
  });
});
