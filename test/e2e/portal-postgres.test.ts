/**
 * The tenant's PostgreSQL, all in the browser, against the whole stack `canopy up` starts
 * (control plane with its hub, service cluster, PostgreSQL operator, sync agent): a
 * non-admin tenant signs in with a service-account token, enables PostgreSQL (the dialog
 * lists the secrets and namespaces claims), creates a Cluster and a Database from the
 * generated forms, watches the Cluster become healthy in the list without a reload, copies
 * the connection string from the Connect panel — and the test connects with psql using it —
 * then disables PostgreSQL. Screenshots in test/e2e/artifacts/portal-postgres/.
 */
import { execFile, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensurePortalBuilt } from '../../web/build.ts';
import { hubContext, launchChromium, Shots } from './harness/browser.ts';
import { type Kubectl, kubectl } from './harness/kubectl.ts';
import { cleanupDataDir, postgresProcessesUnder } from './harness/postgres-operator.ts';
import { followOutput, type ProcessOutput } from './harness/process-output.ts';
import { until } from './harness/wait.ts';

const CANOPY = join(import.meta.dirname, '..', '..', 'bin', 'canopy');
const TENANT_WS = 'root:consumers:web';

function psqlUri(
  uri: string,
  sql: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'psql',
      [uri, '-X', '-Atqc', sql],
      { env: { ...process.env, PGCONNECT_TIMEOUT: '5' }, timeout: 20_000 },
      (err, stdout, stderr) =>
        resolve({
          code: err ? ((err as { code?: number }).code ?? 1) : 0,
          stdout: stdout.trim(),
          stderr,
        }),
    );
  });
}

describe('a tenant’s PostgreSQL in the portal, against canopy up', () => {
  let dir: string;
  let up: ProcessOutput;
  let child: ReturnType<typeof spawn>;
  let hubUrl: string;
  let admin: Kubectl;
  let token: string;
  let browser: Browser;
  const shots = new Shots('portal-postgres');

  beforeAll(async () => {
    await ensurePortalBuilt(() => undefined);
    dir = mkdtempSync(join(tmpdir(), 'canopy-portal-pg-'));
    // PostgreSQL runs as its own user when the tests run as root; it must reach the data.
    chmodSync(dir, 0o711);
    child = spawn(
      process.execPath,
      [CANOPY, 'up', '--data-dir', dir, '--port', '0', '--service-port', '0', '--hub-port', '0'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    up = followOutput(child, 'canopy up', 240_000);
    await up.waitFor(/Canopy is ready/);
    hubUrl = readFileSync(join(dir, 'hub-url'), 'utf8').trim();
    const kubeconfig = join(dir, 'admin.kubeconfig');
    const server = /server: (\S+)/.exec(readFileSync(kubeconfig, 'utf8'))?.[1] ?? '';
    const origin = new URL(server).origin;
    admin = kubectl('1.33', kubeconfig, dir);
    const on = (ws: string) => ['--server', `${origin}/clusters/${ws}`];
    // A workspace of the tenant's own, with a service account that administers it (and only it).
    await admin.ok([...on('root:consumers'), 'apply', '-f', '-'], {
      input: 'apiVersion: tenancy.kcp.io/v1alpha1\nkind: Workspace\nmetadata:\n  name: web\n',
    });
    await until(
      'the tenant workspace to be Ready',
      async () =>
        (
          await admin([
            ...on('root:consumers'),
            'get',
            'workspace',
            'web',
            '-o',
            'jsonpath={.status.phase}',
          ])
        ).stdout === 'Ready',
    );
    await admin.ok([...on(TENANT_WS), 'create', 'serviceaccount', 'tenant', '-n', 'default']);
    await admin.ok([
      ...on(TENANT_WS),
      'create',
      'clusterrolebinding',
      'tenant-admin',
      '--clusterrole=cluster-admin',
      '--serviceaccount=default:tenant',
    ]);
    token = (
      await admin.ok([...on(TENANT_WS), 'create', 'token', 'tenant', '-n', 'default'])
    ).trim();
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    if (child && child.exitCode === null) child.kill('SIGINT');
    await up?.exited;
    const leftovers = dir ? postgresProcessesUnder(dir) : [];
    for (const pid of leftovers) process.kill(pid, 'SIGKILL');
    if (dir) cleanupDataDir(dir);
    expect(leftovers).toEqual([]);
  }, 120_000);

  // The page of the running step, shown whole when the step fails, with what went wrong in it.
  let current: Awaited<ReturnType<typeof hubContext>> | undefined;
  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail' && current && !current.page.isClosed()) {
      await shots.take(current.page as Page, 'FAILED', true);
      console.log('page errors:', current.pageErrors, '\nconsole errors:', current.consoleErrors);
    }
  });

  it('enables PostgreSQL, creates a Cluster and a Database, connects, disables', async () => {
    current = await hubContext(browser);
    const { context, page, pageErrors, cspViolations } = current;
    await page.goto(`${hubUrl}/`);
    await page.getByLabel('Token').waitFor();
    await shots.take(page, 'sign-in');
    await page.getByLabel('Token').fill(token);
    await page.getByLabel('Workspace').fill(TENANT_WS);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Catalog' }).waitFor();
    const card = page.getByRole('listitem', { name: 'PostgreSQL' });
    await card.getByText('Available').waitFor({ timeout: 60_000 });
    await shots.take(page, 'catalog');

    await card.getByRole('button', { name: 'Enable' }).click();
    const dialog = page.getByRole('dialog', { name: `Enable PostgreSQL in ${TENANT_WS}?` });
    await dialog.waitFor();
    expect(await dialog.textContent()).toMatch(/on secrets \(core API\)/);
    expect(await dialog.textContent()).toMatch(/on namespaces \(core API\)/);
    await shots.take(page, 'enable-dialog');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 60_000 });
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Databases' }).waitFor();
    // The kinds by name, whatever order discovery lists them in.
    expect(
      await nav.getByRole('link', { name: /^(Clusters|Databases)$/ }).allTextContents(),
    ).toEqual(['Clusters', 'Databases']);
    await shots.take(page, 'enabled');

    // A Cluster from the generated form.
    await nav.getByRole('link', { name: 'Clusters' }).click();
    await page.getByRole('link', { name: 'Create the first Cluster' }).click();
    await page.locator('#root_metadata_name').fill('web');
    await page.locator('#root_spec_instances').fill('1');
    await page.getByRole('button', { name: 'storage', exact: true }).click();
    await page.locator('#root_spec_storage_size').fill('1Gi');
    await page.locator('#root_metadata_name').scrollIntoViewIfNeeded();
    await shots.take(page, 'cluster-form');
    await page.getByRole('button', { name: 'Create Cluster' }).click();
    await page.getByRole('heading', { name: 'web', exact: true }).waitFor();

    // The list shows it turn healthy, live.
    await page.getByRole('link', { name: 'Clusters' }).first().click();
    await page.getByRole('cell', { name: 'web' }).waitFor();
    await shots.take(page, 'cluster-list-starting');
    await page.getByRole('cell', { name: /healthy/ }).waitFor({ timeout: 120_000 });
    // The Status column is in view on a wide screen, not beyond the table's right edge.
    const status = await page.getByRole('columnheader', { name: 'Status' }).boundingBox();
    expect((status?.x ?? 0) + (status?.width ?? Number.POSITIVE_INFINITY)).toBeLessThanOrEqual(
      1280,
    );
    await shots.take(page, 'cluster-list-healthy');

    // A Database from its form.
    await nav.getByRole('link', { name: 'Databases' }).click();
    await page.getByRole('link', { name: 'Create the first Database' }).click();
    await page.locator('#root_metadata_name').fill('orders');
    await page.locator('#root_spec_name').fill('orders');
    await page.locator('#root_spec_owner').fill('app');
    await page.locator('#root_spec_cluster_name').fill('web');
    await shots.take(page, 'database-form');
    await page.getByRole('button', { name: 'Create Database' }).click();
    await page.getByRole('heading', { name: 'orders' }).waitFor();

    // Connect: the password hidden until asked; the connection string works with psql.
    await nav.getByRole('link', { name: 'Clusters' }).click();
    await page.getByRole('link', { name: 'web' }).click();
    const connection = page.getByTestId('connection-string');
    await connection.waitFor({ timeout: 120_000 });
    expect(await connection.textContent()).toContain('••••••••');
    await shots.take(page, 'connect-panel');
    await page.getByRole('button', { name: 'Show password' }).click();
    const uri = (await connection.textContent()) ?? '';
    expect(uri).toMatch(/^postgresql:\/\//);
    const result = await until(
      'psql to connect with the portal’s connection string',
      async () => {
        const r = await psqlUri(uri, 'SELECT current_user');
        return r.code === 0 ? r : undefined;
      },
      60_000,
      1000,
    );
    expect(result.stdout).toBe('app');
    expect(
      (await psqlUri(uri.replace(/\/app$/, '/orders'), 'SELECT current_database()')).stdout,
    ).toBe('orders');
    await page.getByRole('button', { name: 'Hide password' }).click();

    // Edit from the form, filled in with the Cluster as it is.
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: 'Edit Cluster web' }).waitFor();
    expect(await page.locator('#root_spec_instances').inputValue()).toBe('1');
    await page.locator('#root_spec_description').fill('Orders for the web shop');
    await page.evaluate('window.scrollTo(0, 0)');
    await shots.take(page, 'cluster-edit');
    await page.getByRole('button', { name: 'Save Cluster' }).click();
    await page.getByRole('heading', { name: 'web', exact: true }).waitFor();
    await page.getByRole('tab', { name: 'YAML' }).click();
    await page.getByText('description: Orders for the web shop').waitFor();
    await page.getByRole('tab', { name: 'Overview' }).click();
    await connection.waitFor();

    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    await shots.take(page, 'dark');
    await page.setViewportSize({ width: 390, height: 844 });
    await shots.take(page, 'phone');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('button', { name: 'Switch to light theme' }).click();

    // Disable says what disappears.
    await page.getByRole('link', { name: 'Catalog' }).click();
    await card.getByRole('button', { name: 'Disable' }).click();
    const disable = page.getByRole('dialog', { name: `Disable PostgreSQL in ${TENANT_WS}?` });
    await disable.getByText('1 Cluster').waitFor();
    await disable.getByText('1 Database').waitFor();
    await shots.take(page, 'disable-dialog');
    await disable.getByRole('button', { name: 'Disable' }).click();
    await card.getByText('Available').waitFor({ timeout: 120_000 });
    await shots.take(page, 'disabled');
    expect(pageErrors).toEqual([]);
    expect(cspViolations).toEqual([]);
    await context.close();
  }, 600_000);
});
