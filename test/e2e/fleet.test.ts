/**
 * The fleet benchmark's six stages at small scale (issue 22): 50 tenants through the whole
 * provider flow — workspaces, bindings, a Cluster and its Secret copied down, status and
 * the app Secret carried up, a short steady update load, five tenants unbinding. The stages
 * themselves wait for every object and fail naming what did not arrive; after each stage
 * this test checks the outcome once more with plain LISTs and GETs of its own. No timing is
 * asserted: the figures are `npm run bench -- fleet`'s.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/apimachinery/meta.ts';
import { SECRETS } from '../../src/syncagent/constants.ts';
import { runFleet, type StageResult } from './harness/fleet.ts';
import { BINDINGS, EXPORT_NAME, type ProviderFlow } from './harness/provider-flow.ts';
import { CLUSTERS, NAMESPACES } from './harness/syncagent.ts';

const TENANTS = 50;
const phase = (o: KubeObject) => (o.status as { phase?: string } | undefined)?.phase;

describe('fleet: tenants through the whole provider flow', () => {
  it(`takes ${TENANTS} tenants through the six stages and loses nothing`, async () => {
    const checked: string[] = [];
    const check = async (stage: StageResult, flow: ProviderFlow) => {
      const { root, svc } = flow;
      const tenant = (i: number) => root.scoped(`/clusters/root:consumers:t${i}`);
      const all = Array.from({ length: TENANTS }, (_, i) => i);
      switch (checked.length) {
        case 0: {
          const ws = await root.scoped('/clusters/root:consumers').list({
            group: 'tenancy.kcp.io',
            version: 'v1alpha1',
            plural: 'workspaces',
            namespaced: false,
          });
          expect(ws.items.filter((w) => phase(w) === 'Ready')).toHaveLength(TENANTS);
          break;
        }
        case 1:
          for (const i of all)
            expect(phase(await tenant(i).get(BINDINGS, undefined, EXPORT_NAME))).toBe('Bound');
          break;
        case 2: {
          const copies = (await svc.list(CLUSTERS)).items.map((c) => c.metadata.namespace);
          const secrets = (await svc.list(SECRETS)).items
            .filter((s) => s.metadata.name === 'db-credentials')
            .map((s) => s.metadata.namespace);
          expect(new Set(copies).size, `Cluster copies in ${copies}`).toBe(TENANTS);
          expect(new Set(secrets), 'a Secret beside each copy').toEqual(new Set(copies));
          break;
        }
        case 3:
          for (const i of all) {
            expect(phase(await tenant(i).get(CLUSTERS, 'default', 'db'))).toBe(
              'Cluster in healthy state',
            );
            const app = await tenant(i).get(SECRETS, 'default', 'db-app');
            expect((app as { data?: Record<string, string> }).data?.password).toBeTruthy();
          }
          break;
        case 4:
          for (const i of all) {
            const tenantCluster = await tenant(i).get(CLUSTERS, 'default', 'db');
            const { instances } = tenantCluster.spec as { instances: number };
            expect((tenantCluster.status as { instances: number }).instances).toBe(instances);
          }
          break;
        case 5: {
          // t9, t19, …: unbound; their namespaces are gone on the service side, the others stay.
          expect((await svc.list(CLUSTERS)).items).toHaveLength(TENANTS - TENANTS / 10);
          for (const i of all.filter((x) => x % 10 === 9))
            await expect(tenant(i).get(BINDINGS, undefined, EXPORT_NAME)).rejects.toThrow();
          const names = (await svc.list(NAMESPACES)).items.map((n) => n.metadata.name);
          const stayingClusters = (await svc.list(CLUSTERS)).items.map((c) => c.metadata.namespace);
          for (const ns of stayingClusters) expect(names).toContain(ns);
          break;
        }
      }
      checked.push(stage.name);
    };
    const stages = await runFleet({
      tenants: TENANTS,
      steadyRate: 50,
      steadySeconds: 2,
      onStage: check,
    });
    expect(checked).toEqual(stages.map((s) => s.name));
    expect(stages.map((s) => s.objects)).toEqual([
      TENANTS,
      TENANTS,
      2 * TENANTS,
      2 * TENANTS,
      100,
      6 * (TENANTS / 10),
    ]);
  }, 300_000);
});
