/**
 * `kubectl kcp` (bin/kubectl-kcp) through real kubectl 1.33 against `canopy start`: the
 * provider side of the workshop (crd snapshot → APIResourceSchema → APIExport) and the
 * tenant side (bind apiexport with accepted claims, claims get, using the bound API).
 * The binding part runs only when the server serves apis.kcp.io APIExports and
 * APIBindings (v1alpha2); until then it is reported as skipped.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CanopyProcess, startCanopy } from './harness/canopy-process.ts';
import { type Kubectl, kubectlWithPlugins } from './harness/kubectl.ts';
import { clusterCrd } from './harness/manifests.ts';
import { until } from './harness/wait.ts';

describe('kubectl kcp against canopy start', () => {
  let server: CanopyProcess;
  let home: string;
  let k: Kubectl;
  let crdFile: string;

  beforeAll(async () => {
    server = await startCanopy();
    home = mkdtempSync(join(tmpdir(), 'canopy-kcp-plugin-'));
    crdFile = join(home, 'cluster-crd.yaml');
    writeFileSync(crdFile, clusterCrd());
    k = kubectlWithPlugins(server.kubeconfig, home, 'kubeconfig');
  });

  afterAll(async () => {
    await server?.stop();
    server?.cleanup();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('crd snapshot turns a CRD into an APIResourceSchema named <prefix>.<plural>.<group>', async () => {
    const out = await k.ok(['kcp', 'crd', 'snapshot', '-f', crdFile, '--prefix', 'v260801']);
    expect(out).toMatch(/^apiVersion: apis\.kcp\.io\/v1alpha1\nkind: APIResourceSchema\n/);
    expect(out).toContain('  name: v260801.clusters.postgresql.cnpg.io\n');
    expect(out).toContain('  - additionalPrinterColumns:\n    - jsonPath: .spec.instances\n');
    expect(out.endsWith('\n---\n')).toBe(true);
    const bad = await k(['kcp', 'crd', 'snapshot', '-f', crdFile]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('error: --prefix is required\n');
  });

  it('bind apiexport refuses contradicting claims before calling the server', async () => {
    const r = await k([
      'kcp',
      'bind',
      'apiexport',
      'root:providers:database:postgres',
      '--accept-permission-claim',
      'secrets.core',
      '--reject-permission-claim',
      'secrets.core',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: accepted permission claim secrets conflicts with rejected permission claim secrets\n',
    );
  });

  it('binds the provider export into a tenant workspace (workshop)', async (ctx) => {
    const discovery = await k(['get', '--raw', '/clusters/root/apis/apis.kcp.io/v1alpha2']);
    if (
      discovery.code !== 0 ||
      !/"apibindings"/.test(discovery.stdout) ||
      !/"apiexports"/.test(discovery.stdout)
    ) {
      ctx.skip('the server does not serve apis.kcp.io/v1alpha2 APIExports and APIBindings yet');
    }
    await k.ok(['ws', ':root']);
    await k.ok(['create', 'workspace', 'providers', '--ignore-existing']);
    await k.ok(['create', 'workspace', 'consumers', '--ignore-existing']);
    await k.ok(['ws', ':root:providers']);
    await k.ok(['create', 'workspace', 'database', '--enter', '--ignore-existing']);
    const schema = await k.ok(['kcp', 'crd', 'snapshot', '-f', crdFile, '--prefix', 'v1']);
    await k.ok(['apply', '-f', '-'], { input: schema });
    await k.ok(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'apis.kcp.io/v1alpha2',
        kind: 'APIExport',
        metadata: { name: 'postgres' },
        spec: {
          resources: [
            {
              name: 'clusters',
              group: 'postgresql.cnpg.io',
              schema: 'v1.clusters.postgresql.cnpg.io',
              storage: { crd: {} },
            },
          ],
          permissionClaims: [
            { group: '', resource: 'secrets', verbs: ['*'] },
            { group: '', resource: 'namespaces', verbs: ['*'] },
          ],
        },
      }),
    });

    await k.ok(['ws', ':root:consumers']);
    await k.ok(['create', 'workspace', 'pg', '--enter', '--ignore-existing']);
    const bound = await k.ok([
      'kcp',
      'bind',
      'apiexport',
      'root:providers:database:postgres',
      '--accept-permission-claim',
      'secrets.core,namespaces.core',
    ]);
    expect(bound).toBe(
      'apibinding postgres created. Waiting to successfully bind ...\npostgres created and bound.\n',
    );
    expect(await k.ok(['kcp', 'claims', 'get', 'apibinding', 'postgres'])).toBe(
      'APIBINDING   GROUP-RESOURCE   VERBS   STATUS\n' +
        'postgres     secrets          *       Accepted\n' +
        'postgres     namespaces       *       Accepted\n',
    );
    await k.ok(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'postgresql.cnpg.io/v1',
        kind: 'Cluster',
        metadata: { name: 'db', namespace: 'default' },
        spec: { instances: 3 },
      }),
    });
    const table = await k.ok(['get', 'clusters.postgresql.cnpg.io', '-n', 'default']);
    // As upstream: declared printer columns replace the default Age column.
    expect(table.split('\n')[0]).toMatch(/^NAME\s+INSTANCES\s+STATUS$/);
    expect(table.split('\n')[1]).toMatch(/^db\s+3\s+/);
  });

  /** Whether the workshop test exported root:providers:database:postgres. */
  const workshopExported = async () =>
    (
      await k([
        'get',
        'apiexport',
        'postgres',
        '--server',
        `${server.url}/clusters/root:providers:database`,
      ])
    ).code === 0;
  /** Enters workspace root:consumers:<name>, made if it is not there. */
  const enterConsumer = async (name: string) => {
    await k.ok(['ws', ':root:consumers']);
    await k.ok(['create', 'workspace', name, '--enter', '--ignore-existing']);
  };

  it('a second tenant binding without claims is told which are open and accepts them later', async (ctx) => {
    if (!(await workshopExported())) ctx.skip('the workshop binding did not run');
    await enterConsumer('second');
    const bound = await k(['kcp', 'bind', 'apiexport', 'root:providers:database:postgres']);
    expect(bound.code).toBe(0);
    expect(bound.stdout).toBe(
      'apibinding postgres created. Waiting to successfully bind ...\npostgres created and bound.\n',
    );
    expect(bound.stderr).toContain(
      'Warning: APIExport root:providers:database:postgres claims 2 resources in this workspace that APIBinding postgres neither accepts nor rejects: secrets, namespaces.',
    );
    expect(bound.stderr).toContain('  kubectl kcp claims accept postgres --resource=secrets\n');
    expect(bound.stderr).toContain('  kubectl kcp claims accept postgres --resource=namespaces\n');
    expect(await k.ok(['kcp', 'claims', 'get', 'apibinding'])).toBe(
      'APIBINDING   GROUP-RESOURCE   VERBS   STATUS\n' +
        'postgres     secrets          *       Open\n' +
        'postgres     namespaces       *       Open\n',
    );
    // Binding again does not help; the error says what does.
    const again = await k([
      'kcp',
      'bind',
      'apiexport',
      'root:providers:database:postgres',
      '--accept-all-permission-claims',
    ]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(
      'already exists; to change its permission claims use `kubectl kcp claims accept postgres',
    );
    expect(await k.ok(['kcp', 'claims', 'accept', 'postgres', '--resource=secrets'])).toBe(
      'claim "secrets" on APIBinding "postgres" is accepted\n',
    );
    expect(
      await k.ok(['kcp', 'claims', 'reject', 'postgres', '--resource', 'namespaces.core']),
    ).toBe('claim "namespaces.core" on APIBinding "postgres" is rejected\n');
    expect(await k.ok(['kcp', 'claims', 'get', 'apibinding', 'postgres'])).toBe(
      'APIBINDING   GROUP-RESOURCE   VERBS   STATUS\n' +
        'postgres     secrets          *       Accepted\n' +
        'postgres     namespaces       *       Rejected\n',
    );
    // The server holds what the plugin wrote: the claim is in force.
    await until(
      'the accepted claim to be applied',
      async () =>
        (await k.ok([
          'get',
          'apibinding',
          'postgres',
          '-o',
          'jsonpath={.status.appliedPermissionClaims[*].resource}',
        ])) === 'secrets',
    );
    const unknown = await k(['kcp', 'claims', 'accept', 'postgres', '--resource=configmaps']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(
      'error: error updating permission claim for APIBinding "postgres": APIBinding "postgres" has no claim "configmaps"; its export claims secrets, namespaces\n',
    );
  });

  it('a typo in the export name fails at once and leaves no binding', async (ctx) => {
    if (!(await workshopExported())) ctx.skip('the workshop binding did not run');
    await enterConsumer('typo');
    const r = await k(['kcp', 'bind', 'apiexport', 'root:providers:database:postgers']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: failed to create APIBinding: apibindings.apis.kcp.io "postgers" is forbidden: unable to create APIBinding: no permission to bind to export root:providers:database:postgers\n',
    );
    expect(await k.ok(['get', 'apibindings', '-o', 'name'])).toBe('');
  });
});
