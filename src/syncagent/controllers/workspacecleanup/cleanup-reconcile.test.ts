/**
 * Table tests of what the workspace cleanup deletes: the service cluster's objects as the
 * lookups answer them (deliberately more than the workspace's own, as a LIST by a wider
 * label or a cache index could), and each case states the deletions, step by step.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../apimachinery/meta.ts';
import type { ResourceRef } from '../../../controller/kube/client.ts';
import {
  AGENT_NAME_LABEL,
  OBJECT_STATE_LABEL,
  RELATED_PRIMARY_CLUSTER_LABEL,
  REMOTE_CLUSTER_LABEL,
} from '../../constants.ts';
import { gvrKey } from '../sync/shared.ts';
import { type CleanupLookups, type CleanupScope, planCleanup } from './cleanup-reconcile.ts';

const GONE = 'gone-ws';
const OTHER = 'other-ws';
const AGENT = 'agent';
const AGENT_NS = 'synced';

const DATABASES: ResourceRef = {
  group: 'example.io',
  version: 'v1',
  plural: 'databases',
  namespaced: true,
};
const SECRETS: ResourceRef = { group: '', version: 'v1', plural: 'secrets', namespaced: true };

const scope: CleanupScope = {
  agentName: AGENT,
  agentNamespace: AGENT_NS,
  primaries: [DATABASES],
  related: [SECRETS],
};

interface Obj {
  name: string;
  namespace?: string;
  labels: Record<string, string>;
  deleting?: boolean;
}

const object = (o: Obj): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Thing',
  metadata: {
    name: o.name,
    ...(o.namespace ? { namespace: o.namespace } : {}),
    uid: `uid-${o.name}`,
    labels: o.labels,
    ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
  },
});

const copy = (name: string, namespace: string, cluster: string, agent = AGENT, deleting = false) =>
  object({
    name,
    namespace,
    labels: { [AGENT_NAME_LABEL]: agent, [REMOTE_CLUSTER_LABEL]: cluster },
    deleting,
  });
const related = (name: string, namespace: string, cluster: string, agent = AGENT) =>
  object({
    name,
    namespace,
    labels: { [AGENT_NAME_LABEL]: agent, [RELATED_PRIMARY_CLUSTER_LABEL]: cluster },
  });
const state = (name: string, cluster: string, namespace = AGENT_NS) =>
  object({
    name,
    namespace,
    labels: { [OBJECT_STATE_LABEL]: 'true', [REMOTE_CLUSTER_LABEL]: cluster },
  });
const namespace = (name: string, cluster: string, agent = AGENT, deleting = false) =>
  object({
    name,
    labels: { [AGENT_NAME_LABEL]: agent, [REMOTE_CLUSTER_LABEL]: cluster },
    deleting,
  });

interface World {
  copies?: KubeObject[];
  related?: KubeObject[];
  states?: KubeObject[];
  namespaces?: KubeObject[];
}

/** Lookups that answer with everything of the kind, whatever the workspace asked for. */
function lookups(world: World): CleanupLookups {
  const ofKind = (ref: ResourceRef) =>
    gvrKey(ref) === gvrKey(DATABASES) ? (world.copies ?? []) : (world.related ?? []);
  return {
    copies: async (ref) => ofKind(ref),
    relatedCopies: async (ref) => ofKind(ref),
    stateSecrets: async () => world.states ?? [],
    namespaces: async () => world.namespaces ?? [],
    copiesIn: async (ref, ns) => ofKind(ref).filter((o) => o.metadata.namespace === ns),
  };
}

/** Each step as `kind namespace/name`. */
async function plannedSteps(world: World): Promise<string[][]> {
  const plan = await planCleanup(GONE, scope, lookups(world));
  return plan.steps.map((step) => step.map((d) => `${d.kind} ${d.namespace ?? ''}/${d.name}`));
}

describe('planCleanup', () => {
  const cases: { name: string; world: World; steps: string[][] }[] = [
    { name: 'nothing on the service cluster: nothing to do', world: {}, steps: [] },
    {
      name: "the workspace's copies go; other workspaces', other agents' and those already going stay",
      world: {
        copies: [
          copy('db-a', 'ns-gone', GONE),
          copy('db-b', 'ns-other', OTHER),
          copy('db-c', 'ns-gone', GONE, 'another-agent'),
          copy('db-d', 'ns-gone', GONE, AGENT, true),
          object({ name: 'db-e', namespace: 'ns-gone', labels: { [AGENT_NAME_LABEL]: AGENT } }),
        ],
      },
      steps: [['copy ns-gone/db-a']],
    },
    {
      name: 'related copies are found by their primary’s workspace, not by the copy label',
      world: {
        related: [
          related('creds-a', 'ns-gone', GONE),
          related('creds-b', 'ns-other', OTHER),
          related('creds-c', 'ns-gone', GONE, 'another-agent'),
          copy('creds-d', 'ns-gone', GONE),
        ],
      },
      steps: [['related ns-gone/creds-a']],
    },
    {
      name: "state Secrets go only from the agent's namespace and only those marked as state",
      world: {
        states: [
          state('obj-state-a', GONE),
          state('obj-state-b', OTHER),
          state('obj-state-c', GONE, 'elsewhere'),
          object({
            name: 'not-state',
            namespace: AGENT_NS,
            labels: { [REMOTE_CLUSTER_LABEL]: GONE },
          }),
        ],
      },
      steps: [[`state ${AGENT_NS}/obj-state-a`]],
    },
    {
      name: "the agent's namespaces of the workspace go; its own namespace, others' and those going stay",
      world: {
        namespaces: [
          namespace('ns-gone', GONE),
          namespace('ns-other', OTHER),
          namespace('ns-foreign', GONE, 'another-agent'),
          namespace(AGENT_NS, GONE),
          namespace('ns-going', GONE, AGENT, true),
        ],
      },
      steps: [['namespace /ns-gone']],
    },
    {
      name: "a namespace holding another workspace's copy is kept (another agent's copy does not count)",
      world: {
        copies: [
          copy('db-a', 'ns-shared', GONE),
          copy('db-b', 'ns-shared', OTHER),
          copy('db-c', 'ns-gone', GONE),
          copy('db-d', 'ns-gone', OTHER, 'another-agent'),
        ],
        namespaces: [namespace('ns-shared', GONE), namespace('ns-gone', GONE)],
      },
      steps: [['copy ns-shared/db-a', 'copy ns-gone/db-c'], ['namespace /ns-gone']],
    },
    {
      name: 'the order: copies, related copies, state Secrets, namespaces',
      world: {
        copies: [copy('db-a', 'ns-gone', GONE)],
        related: [related('creds-a', 'ns-gone', GONE)],
        states: [state('obj-state-a', GONE)],
        namespaces: [namespace('ns-gone', GONE)],
      },
      steps: [
        ['copy ns-gone/db-a'],
        ['related ns-gone/creds-a'],
        [`state ${AGENT_NS}/obj-state-a`],
        ['namespace /ns-gone'],
      ],
    },
  ];
  for (const c of cases)
    it(c.name, async () => {
      expect(await plannedSteps(c.world)).toEqual(c.steps);
    });

  it('names the shared namespaces it keeps', async () => {
    const plan = await planCleanup(
      GONE,
      scope,
      lookups({
        copies: [copy('db-b', 'ns-shared', OTHER)],
        namespaces: [namespace('ns-shared', GONE)],
      }),
    );
    expect(plan.sharedNamespaces).toEqual(['ns-shared']);
    expect(plan.steps).toEqual([]);
  });

  it('carries each object’s uid, so a name reused since the cache read is not deleted', async () => {
    const plan = await planCleanup(
      GONE,
      scope,
      lookups({
        copies: [copy('db-a', 'ns-gone', GONE)],
        namespaces: [namespace('ns-gone', GONE)],
      }),
    );
    expect(plan.steps.flat().map((d) => d.uid)).toEqual(['uid-db-a', 'uid-ns-gone']);
    expect(plan.steps[1]?.[0]?.namespace).toBeUndefined();
  });
});
