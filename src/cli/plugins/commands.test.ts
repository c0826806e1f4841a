import { beforeEach, describe, expect, it } from 'vitest';
import {
  buildKubectlCreateWorkspace,
  buildKubectlKcp,
  buildKubectlWs,
  type ContextFactory,
  runPlugin,
} from './commands.ts';
import { type FakeContext, FakeKcp, fakeContext, kubeconfigFor } from './testing.ts';

const BASE = 'https://kcp.test:6443';

describe('plugin command lines', () => {
  let kcp: FakeKcp;
  let ctx: FakeContext;
  let factoryCalls: Array<Parameters<ContextFactory>[0]>;
  let out: string;
  let err: string;
  const factory: ContextFactory = (options) => {
    factoryCalls.push(options);
    return { ...ctx, overrides: options.overrides };
  };
  const run = async (
    build: (f: ContextFactory) => ReturnType<typeof buildKubectlWs>,
    prefix: string,
    ...argv: string[]
  ) =>
    runPlugin(build(factory), argv, prefix, {
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
    });

  beforeEach(() => {
    kcp = new FakeKcp(BASE);
    kcp.addWorkspace('root:providers');
    kcp.addWorkspace('root:consumers');
    ctx = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root`));
    factoryCalls = [];
    out = '';
    err = '';
  });

  it('kubectl ws <path>, use, cd, ., current, - and tree', async () => {
    expect(await run(buildKubectlWs, 'Error', ':root:providers')).toBe(0);
    expect(await run(buildKubectlWs, 'Error', 'use', '..')).toBe(0);
    expect(await run(buildKubectlWs, 'Error', 'cd', 'consumers', '--short')).toBe(0);
    expect(await run(buildKubectlWs, 'Error', '.')).toBe(0);
    expect(await run(buildKubectlWs, 'Error', 'current', '--short')).toBe(0);
    expect(await run(buildKubectlWs, 'Error', '-')).toBe(0);
    expect(await run(buildKubectlWs, 'Error', 'tree')).toBe(0);
    expect(ctx.stdout()).toBe(
      "Current workspace is 'root:providers' (type root:universal).\n" +
        "Current workspace is 'root' (type root).\n" +
        'root:consumers\n' +
        "Current workspace is 'root:consumers'.\n" +
        'root:consumers\n' +
        "Current workspace is 'root'.\n" +
        '.\n└── root\n    ├── providers\n    └── consumers\n\n',
    );
    expect(err).toBe('');
  });

  it('prints errors the way cobra does and exits 1', async () => {
    expect(await run(buildKubectlWs, 'Error', 'nope')).toBe(1);
    expect(err).toBe('Error: workspace "root:nope" not found\n');
    err = '';
    expect(await run(buildKubectlKcp, 'error', 'ws', 'nope')).toBe(1);
    expect(err).toBe('error: workspace "root:nope" not found\n');
  });

  it('passes connection flags on as overrides', async () => {
    await run(
      buildKubectlWs,
      'Error',
      'current',
      '--context',
      'kcp',
      '--token',
      't',
      '--kubeconfig',
      '/tmp/k',
    );
    expect(factoryCalls.at(-1)).toEqual({
      kubeconfig: '/tmp/k',
      overrides: { context: 'kcp', token: 't' },
    });
    await run(buildKubectlWs, 'Error', '--server', `${BASE}/clusters/root:providers`, '.');
    expect(ctx.stdout()).toContain("Current workspace is 'root:providers'.\n");
  });

  it('kubectl ws create is deprecated but works; kubectl create workspace is the new way', async () => {
    expect(await run(buildKubectlWs, 'Error', 'create', 'db', '--enter')).toBe(0);
    expect(ctx.stderr()).toContain(
      `Command "create" is deprecated, install the 'kubectl create workspace' plugin instead`,
    );
    expect(ctx.stdout()).toContain("Current workspace is 'root:db' (type root:universal).\n");
    expect(await run(buildKubectlCreateWorkspace, 'Error', 'other', '--type', 'root:team')).toBe(0);
    expect(ctx.stdout()).toContain('Workspace "other" (type root:team) is ready to use.\n');
    expect(kcp.requests.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual([
      '/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspaces',
      '/clusters/root:db/apis/tenancy.kcp.io/v1alpha1/workspaces',
    ]);
  });

  it('kubectl kcp workspace|ws|workspaces delegate to kubectl ws', async () => {
    for (const alias of ['workspace', 'ws', 'workspaces']) {
      expect(await run(buildKubectlKcp, 'error', alias, 'current', '--short')).toBe(0);
    }
    expect(ctx.stdout()).toBe('root\nroot\nroot\n');
  });

  it('kubectl kcp bind apiexport validates flags before any request', async () => {
    expect(
      await run(
        buildKubectlKcp,
        'error',
        'bind',
        'apiexport',
        'root:providers:postgres',
        '--accept-permission-claim',
        'secrets.core',
        '--reject-permission-claim',
        'secrets.core',
      ),
    ).toBe(1);
    expect(err).toBe(
      'error: accepted permission claim secrets conflicts with rejected permission claim secrets\n',
    );
    expect(kcp.requests).toHaveLength(0);
    err = '';
    expect(
      await run(buildKubectlKcp, 'error', 'bind', 'apiexport', 'x:y', '--timeout', 'soon'),
    ).toBe(1);
    expect(err).toContain(
      `invalid argument "soon" for "--timeout" flag: time: invalid duration "soon"`,
    );
    err = '';
    expect(await run(buildKubectlKcp, 'error', 'bind', 'apiexport', 'x:y', '--timeout', '30')).toBe(
      1,
    );
    expect(err).toContain(
      `invalid argument "30" for "--timeout" flag: time: invalid duration "30"`,
    );
  });

  it('kubectl kcp bind apiexport binds and claims get lists', async () => {
    expect(
      await run(
        buildKubectlKcp,
        'error',
        'bind',
        'apiexport',
        'root:providers:postgres',
        '--accept-permission-claim',
        'secrets.core,namespaces.core',
        '--timeout',
        '10s',
      ),
    ).toBe(0);
    expect(await run(buildKubectlKcp, 'error', 'claims', 'get', 'apibinding', 'postgres')).toBe(0);
    expect(ctx.stdout()).toBe(
      'apibinding postgres created. Waiting to successfully bind ...\npostgres created and bound.\n' +
        'APIBINDING   GROUP-RESOURCE   VERBS   STATUS\n' +
        'postgres     secrets          *       Accepted\n' +
        'postgres     namespaces       *       Accepted\n',
    );
  });

  it('kubectl kcp crd snapshot reads stdin', async () => {
    ctx.stdin =
      'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.io}\nspec: {group: example.io, names: {kind: Widget, plural: widgets}, scope: Cluster, versions: [{name: v1, served: true, storage: true}]}\n';
    expect(
      await run(buildKubectlKcp, 'error', 'crd', 'snapshot', '-f', '-', '--prefix', 'today'),
    ).toBe(0);
    expect(ctx.stdout()).toContain('name: today.widgets.example.io\n');
    expect(await run(buildKubectlKcp, 'error', 'crd', 'snapshot')).toBe(1);
    expect(err).toBe('error: [--filename is required, --prefix is required]\n');
  });

  it('every command has --help', async () => {
    const lines: Array<[typeof buildKubectlWs, string[]]> = [
      [buildKubectlWs, ['--help']],
      [buildKubectlWs, ['use', '--help']],
      [buildKubectlWs, ['tree', '--help']],
      [buildKubectlWs, ['current', '--help']],
      [buildKubectlWs, ['create', '--help']],
      [buildKubectlWs, ['create-context', '--help']],
      [buildKubectlCreateWorkspace, ['--help']],
      [buildKubectlKcp, ['--help']],
      [buildKubectlKcp, ['ws', '--help']],
      [buildKubectlKcp, ['bind', 'apiexport', '--help']],
      [buildKubectlKcp, ['claims', 'get', 'apibinding', '--help']],
      [buildKubectlKcp, ['crd', 'snapshot', '--help']],
    ];
    for (const [build, argv] of lines) {
      out = '';
      expect(await run(build, 'error', ...argv), argv.join(' ')).toBe(0);
      expect(out, argv.join(' ')).toMatch(/^Usage: /);
    }
    out = '';
    await run(buildKubectlCreateWorkspace, 'Error', '--help');
    expect(out).toContain('--location-selector <selector>');
    expect(out).toContain('--create-context <name>');
    expect(out).toContain('--ignore-existing');
  });
});
