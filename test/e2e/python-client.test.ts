/**
 * The official Kubernetes Python client (Debian's python3-kubernetes, run with
 * /usr/bin/python3) against `canopy start`, in plain mode and inside a workspace: paging,
 * watches resumed from the last resourceVersion (as informers do), JSON and strategic merge
 * patches, server-side apply with force_conflicts=True, deletion with orphan_dependents=True
 * and the dynamic client's discovery. The scenario is `python/client_scenario.py`; it
 * reports what the client saw as JSON, judged here.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKubeconfig, serializeKubeconfig } from '../../src/apimachinery/kubeconfig.ts';
import { type CanopyProcess, startCanopy } from './harness/canopy-process.ts';
import { httpClient } from './harness/http.ts';
import { until } from './harness/wait.ts';

const PYTHON = '/usr/bin/python3';
const SCENARIO = join(import.meta.dirname, 'python', 'client_scenario.py');

interface Seen {
  paging: { names: string[]; pages: number };
  watch: {
    first: Array<{ type: string; name: string; rv: string; value: string | null }>;
    resumed: Array<{ type: string; name: string; rv: string; value: string | null }>;
  };
  patch: { data: Record<string, string>; labels: Record<string, string> };
  apply: { conflict: number | null; forced: string };
  orphan: { dependent: string };
  discovery: { found: Record<string, { name: string; namespaced: boolean }>; listed: number };
}

function runScenario(kubeconfig: string, namespace: string, extraKinds = ''): Promise<Seen> {
  return new Promise((resolve, reject) => {
    execFile(
      PYTHON,
      [SCENARIO, kubeconfig, namespace, ...(extraKinds ? [extraKinds] : [])],
      { timeout: 120_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as Seen);
      },
    );
  });
}

function expectScenario(seen: Seen): void {
  expect(seen.paging).toEqual({
    names: ['page-0', 'page-1', 'page-2', 'page-3', 'page-4'],
    pages: 3,
  });
  expect(seen.watch.first.map((e) => [e.type, e.value])).toEqual([
    ['ADDED', '1'],
    ['MODIFIED', '2'],
  ]);
  // Resumed from the last resourceVersion seen: the two changes made meanwhile, no more.
  expect(seen.watch.resumed.map((e) => [e.type, e.value])).toEqual([
    ['MODIFIED', '3'],
    ['DELETED', '3'],
  ]);
  const rvs = [...seen.watch.first, ...seen.watch.resumed].map((e) => Number(e.rv));
  expect([...rvs].sort((a, b) => a - b)).toEqual(rvs);
  expect(seen.patch).toEqual({ data: { a: '1', b: '2' }, labels: { x: 'y' } });
  expect(seen.apply).toEqual({ conflict: 409, forced: 'two' });
  expect(seen.orphan).toEqual({ dependent: 'dependent' });
  expect(seen.discovery.found).toMatchObject({
    ConfigMap: { name: 'configmaps', namespaced: true },
    Namespace: { name: 'namespaces', namespaced: false },
    Role: { name: 'roles', namespaced: true },
  });
  expect(seen.discovery.listed).toBe(5);
}

describe('the official Python client', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'canopy-python-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('against a plain server', () => {
    let server: CanopyProcess;
    beforeAll(async () => {
      server = await startCanopy({ plain: true });
    });
    afterAll(async () => {
      await server?.stop();
      server?.cleanup();
    });

    it('lists in pages, watches and resumes, patches, applies with force, orphans, discovers', async () => {
      expectScenario(await runScenario(server.kubeconfig, 'python'));
    });
  });

  describe('inside a workspace', () => {
    let server: CanopyProcess;
    let kubeconfig: string;
    beforeAll(async () => {
      server = await startCanopy();
      const send = httpClient(server.kubeconfig);
      const created = await send({
        method: 'POST',
        path: '/apis/tenancy.kcp.io/v1alpha1/workspaces',
        body: JSON.stringify({
          apiVersion: 'tenancy.kcp.io/v1alpha1',
          kind: 'Workspace',
          metadata: { name: 'python' },
        }),
      });
      expect(created.status).toBe(201);
      await until('root:python Ready', async () => {
        const ws = JSON.parse(
          (await send({ path: '/apis/tenancy.kcp.io/v1alpha1/workspaces/python' })).body,
        ) as { status?: { phase?: string } };
        return ws.status?.phase === 'Ready';
      });
      // The client's server URL names the workspace, as kubectl ws leaves it.
      const config = parseKubeconfig(readFileSync(server.kubeconfig, 'utf8'));
      const cluster = config.clusters[0]?.cluster;
      if (!cluster) throw new Error('no cluster in the kubeconfig');
      cluster.server = `${server.url}/clusters/root:python`;
      kubeconfig = join(dir, 'python.kubeconfig');
      writeFileSync(kubeconfig, serializeKubeconfig(config));
    });
    afterAll(async () => {
      await server?.stop();
      server?.cleanup();
    });

    it('does the same in root:python, and discovers kcp APIs there', async () => {
      const seen = await runScenario(
        kubeconfig,
        'python',
        'tenancy.kcp.io/v1alpha1:Workspace,apis.kcp.io/v1alpha2:APIBinding',
      );
      expectScenario(seen);
      expect(seen.discovery.found).toMatchObject({
        Workspace: { name: 'workspaces', namespaced: false },
        APIBinding: { name: 'apibindings', namespaced: false },
      });
    });
  });
});
