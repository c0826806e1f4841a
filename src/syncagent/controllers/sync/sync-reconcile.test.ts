/**
 * Table tests of the sync reconcile and deletion, as kcp's reconciler tests: every read
 * and write goes through a fake `SyncOps` over an in-memory tenant side and service side,
 * and each case states what it starts with and what it must leave (copies, finalizers,
 * state, events, the result).
 */
import { describe, expect, it } from 'vitest';
import type { JsonObject, KubeObject } from '../../../apimachinery/meta.ts';
import { KubeError } from '../../../controller/kube/client.ts';
import { normalize, type PublishedResourceSpec } from '../../apis/types.ts';
import type { BindingClaims } from '../../claims.ts';
import {
  AGENT_NAME_LABEL,
  CLEANUP_FINALIZER,
  RELATED_ANNOTATION_PREFIX,
  REMOTE_CLUSTER_LABEL,
  REMOTE_NAME_ANNOTATION,
  REMOTE_NAMESPACE_ANNOTATION,
} from '../../constants.ts';
import { silentLog } from '../../testing.ts';
import { linkAnnotations, linkLabels, syncContent } from './metadata.ts';
import type { RelatedResult } from './related.ts';
import { stateKey } from './state-store.ts';
import { finalizeObject, removeOrphanedCopies } from './sync-delete.ts';
import {
  type Place,
  type PrimaryObject,
  reconcileObject,
  type SyncEnv,
  type SyncOps,
  type SyncResult,
  stateSecretOf,
} from './sync-reconcile.ts';

const AGENT = 'agent-1';
const CLUSTER = 'ws1';
const REF = {
  group: 'example.io',
  version: 'v1',
  plural: 'things',
  kind: 'Thing',
  namespaced: true,
};
const SOURCE = { cluster: CLUSTER, namespace: 'team', name: 'one' };
const KEY = `${CLUSTER}|team|one`;
/** Where the default naming rules put the copy of `SOURCE`. */
const TARGET: Place = { namespace: CLUSTER, name: 'placeholder' };

const tenantObject = (extra: Partial<KubeObject> = {}, finalizer = true): KubeObject => ({
  apiVersion: 'example.io/v1',
  kind: 'Thing',
  metadata: {
    name: 'one',
    namespace: 'team',
    uid: 'uid-1',
    annotations: { 'kcp.io/cluster': CLUSTER },
    ...(finalizer ? { finalizers: [CLEANUP_FINALIZER] } : {}),
  },
  spec: { size: 1 },
  ...extra,
});

/** A copy of `SOURCE` on the service cluster, linked to it. */
const copyOf = (place: Place, extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: 'example.io/v1',
  kind: 'Thing',
  metadata: {
    name: place.name,
    namespace: place.namespace,
    labels: linkLabels(AGENT, SOURCE),
    annotations: linkAnnotations(SOURCE),
  },
  spec: { size: 1 },
  ...extra,
});

/** What the reconcile did, in order, and the world it left. */
interface World {
  tenant: Map<string, KubeObject>;
  copies: Map<string, KubeObject>;
  state: Map<string, JsonObject>;
  calls: string[];
  events: string[];
  records: string[];
  uses: Map<string, readonly string[]>;
}

const placeKey = (p: Place) => `${p.namespace}/${p.name}`;

interface Setup {
  tenant?: KubeObject[];
  copies?: KubeObject[];
  /** Known to the controller's cache (default: every copy). */
  cached?: KubeObject[];
  /** The state records the content last synced from this tenant object. */
  synced?: KubeObject;
  /** The next create answers 409 AlreadyExists (the cache had not shown the object). */
  createConflicts?: boolean;
  bound?: boolean;
  listed?: boolean;
  namespaceLabels?: Record<string, string>;
  related?: Partial<RelatedResult>;
  spec?: Partial<PublishedResourceSpec>;
  /** The tenant's binding's claim decisions (undefined: not known). */
  claims?: BindingClaims;
  /** The tenant-side status keeps conditions (default true). */
  hasConditions?: boolean;
}

function fake(setup: Setup): { env: SyncEnv; world: World; primary: () => PrimaryObject } {
  const world: World = {
    tenant: new Map((setup.tenant ?? []).map((o) => [placeKey(o.metadata as Place), o])),
    copies: new Map((setup.copies ?? []).map((o) => [placeKey(o.metadata as Place), o])),
    state: new Map(),
    calls: [],
    events: [],
    records: [],
    uses: new Map(),
  };
  let conflict = setup.createConflicts === true;
  const notFound = () => new KubeError(404, 'NotFound', 'not found');
  const ops: SyncOps = {
    tenant: {
      addFinalizer: async (_cluster, obj) => {
        world.calls.push('tenant.addFinalizer');
        const now = world.tenant.get(placeKey(obj.metadata as Place));
        if (!now) return undefined;
        const next = {
          ...now,
          metadata: {
            ...now.metadata,
            finalizers: [...(now.metadata.finalizers ?? []), CLEANUP_FINALIZER],
          },
        };
        world.tenant.set(placeKey(obj.metadata as Place), next);
        return next;
      },
      removeFinalizer: async (_cluster, obj) => {
        world.calls.push('tenant.removeFinalizer');
        const key = placeKey(obj.metadata as Place);
        const now = world.tenant.get(key);
        if (now)
          world.tenant.set(key, {
            ...now,
            metadata: {
              ...now.metadata,
              finalizers: (now.metadata.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER),
            },
          });
      },
      get: async (_cluster, place) => world.tenant.get(placeKey(place)),
      probeCollection: async () => {
        world.calls.push('tenant.probeCollection');
      },
      patch: async (_cluster, place, patch) => {
        world.calls.push(`tenant.patch ${JSON.stringify(patch)}`);
        void place;
      },
      patchStatus: async (_cluster, place, patch) => {
        world.calls.push(`tenant.patchStatus ${JSON.stringify(patch)}`);
        if (!world.tenant.has(placeKey(place))) throw notFound();
      },
      namespaceLabels: async () => setup.namespaceLabels ?? {},
      workspacePath: async () => 'root:team',
      listed: () => setup.listed ?? true,
      bound: () => setup.bound ?? true,
      claims: () => setup.claims,
    },
    copies: {
      get: async (place) => world.copies.get(placeKey(place)),
      create: async (namespace, obj) => {
        world.calls.push(`copies.create ${namespace}/${obj.metadata.name}`);
        if (conflict) {
          conflict = false;
          throw new KubeError(409, 'AlreadyExists', 'already exists');
        }
        world.copies.set(`${namespace}/${obj.metadata.name}`, obj);
        return obj;
      },
      patch: async (place, patch) => {
        world.calls.push(`copies.patch ${JSON.stringify(patch)}`);
        const now = world.copies.get(placeKey(place));
        if (!now) throw notFound();
        return now;
      },
      update: async (place, obj) => {
        world.calls.push('copies.update');
        world.copies.set(placeKey(place), obj);
        return obj;
      },
      delete: async (place) => {
        world.calls.push(`copies.delete ${placeKey(place)}`);
        const now = world.copies.get(placeKey(place));
        if (!now) return false;
        // The service side has a finalizer of its own on `held` copies.
        if (now.metadata.labels?.held) {
          world.copies.set(placeKey(place), {
            ...now,
            metadata: { ...now.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' },
          });
        } else world.copies.delete(placeKey(place));
        return true;
      },
    },
    namespaces: {
      ensure: async (namespace) => {
        world.calls.push(`namespaces.ensure ${namespace}`);
      },
      forget: () => undefined,
    },
    state: {
      get: async (secret, key) => world.state.get(`${secret}/${key}`),
      put: async (secret, _labels, key, value) => {
        world.calls.push('state.put');
        world.state.set(`${secret}/${key}`, value);
      },
      forget: async (secret, key) => {
        world.calls.push('state.forget');
        world.state.delete(`${secret}/${key}`);
      },
      delete: async (secret) => {
        world.calls.push('state.delete');
        for (const k of [...world.state.keys()])
          if (k.startsWith(`${secret}/`)) world.state.delete(k);
      },
    },
    related: () => ({
      sync: async (rule) => {
        world.calls.push(`related.sync ${rule.identifier}`);
        return {
          uses: [],
          annotations: {},
          dests: [],
          waiting: false,
          selectors: [],
          ...setup.related,
        };
      },
      prune: async (rule) => {
        world.calls.push(`related.prune ${rule.identifier}`);
      },
      cleanup: async (rule) => {
        world.calls.push(`related.cleanup ${rule.identifier}`);
      },
    }),
    setUses: (owner, uses) => world.uses.set(owner, uses),
    setSelectors: () => undefined,
    event: (_cluster, _obj, type, reason) => world.events.push(`${type} ${reason}`),
    record: (action) => world.records.push(action),
  };
  const spec = normalize({
    apiVersion: 'syncagent.kcp.io/v1alpha1',
    kind: 'PublishedResource',
    metadata: { name: 'things' },
    spec: {
      resource: { apiGroup: 'example.io', version: 'v1', kind: 'Thing' },
      naming: { namespace: '{{ .ClusterName }}', name: 'placeholder' },
      ...setup.spec,
    },
  });
  const env: SyncEnv = {
    ops,
    spec,
    remoteRef: REF,
    localRef: REF,
    hasStatus: true,
    hasConditions: setup.hasConditions ?? true,
    agentName: AGENT,
    publishedResource: 'things',
    lastDests: new Map(),
    log: silentLog,
  };
  if (setup.synced) {
    const key = stateKey({ ...SOURCE, apiVersion: 'example.io/v1', kind: 'Thing' });
    world.state.set(
      `${stateSecretOf(env, SOURCE).name}/${key}`,
      syncContent(setup.synced, ['status']),
    );
  }
  const cached = setup.cached ?? setup.copies ?? [];
  const primary = (): PrimaryObject => ({
    key: KEY,
    source: SOURCE,
    remote: world.tenant.get('team/one'),
    copies: cached.map((c) => world.copies.get(placeKey(c.metadata as Place)) ?? c),
  });
  return { env, world, primary };
}

/** Runs what the controller runs for the key: reconcile, finalize or orphan removal. */
async function run(env: SyncEnv, primary: PrimaryObject): Promise<SyncResult> {
  if (!primary.remote) return removeOrphanedCopies(env, primary);
  if (primary.remote.metadata.deletionTimestamp) return finalizeObject(env, primary);
  return reconcileObject(env, primary);
}

interface Case {
  name: string;
  setup: Setup;
  /** The result of the pass (undefined: done, nothing to come back for). */
  result?: SyncResult;
  error?: RegExp;
  events?: string[];
  records?: string[];
  /** Calls that must have been made, in this order (others may come between). */
  calls?: string[];
  /** Calls that must not have been made (by prefix). */
  never?: string[];
  check?: (world: World) => void;
}

const deleting = { deletionTimestamp: '2026-01-01T00:00:00Z' };

const cases: Case[] = [
  {
    name: 'a new tenant object gets the finalizer, then its copy where the naming rules say',
    setup: { tenant: [tenantObject({}, false)] },
    events: ['Normal ObjectAccepted', 'Normal ObjectPlaced'],
    records: ['created'],
    calls: [
      'tenant.addFinalizer',
      `namespaces.ensure ${CLUSTER}`,
      'state.put',
      `copies.create ${CLUSTER}/placeholder`,
    ],
    check: (world) => {
      const copy = world.copies.get(placeKey(TARGET));
      expect(copy?.spec).toEqual({ size: 1 });
      expect(copy?.metadata.labels).toMatchObject({
        [AGENT_NAME_LABEL]: AGENT,
        [REMOTE_CLUSTER_LABEL]: CLUSTER,
      });
      expect(copy?.metadata.annotations).toMatchObject({
        [REMOTE_NAMESPACE_ANNOTATION]: 'team',
        [REMOTE_NAME_ANNOTATION]: 'one',
      });
      expect(world.tenant.get('team/one')?.metadata.finalizers).toEqual([CLEANUP_FINALIZER]);
    },
  },
  {
    name: 'an object the filter leaves out is not touched',
    setup: {
      tenant: [tenantObject({}, false)],
      spec: { filter: { resource: { matchLabels: { sync: 'yes' } } } },
    },
    never: ['tenant.addFinalizer', 'copies.create'],
  },
  {
    name: 'an object in a namespace the namespace filter leaves out is not touched',
    setup: {
      tenant: [tenantObject({}, false)],
      spec: { filter: { namespace: { matchLabels: { team: 'a' } } } },
      namespaceLabels: { team: 'b' },
    },
    never: ['tenant.addFinalizer', 'copies.create'],
  },
  {
    name: 'two live copies claiming one object are an error, nothing is written',
    setup: {
      tenant: [tenantObject()],
      copies: [copyOf(TARGET), copyOf({ namespace: CLUSTER, name: 'other' })],
    },
    error: /2 copies on the service cluster claim to be this object/,
    never: ['copies.', 'state.put'],
  },
  {
    name: 'a spec change is merge-patched from the last synced state, keeping the service side',
    setup: {
      tenant: [tenantObject({ spec: { size: 2 } })],
      copies: [copyOf(TARGET, { spec: { size: 1, defaulted: true } })],
      synced: tenantObject(),
    },
    records: ['patched'],
    events: ['Normal ObjectSynced'],
    check: (world) => expect(world.calls).toContain('copies.patch {"spec":{"size":2}}'),
  },
  {
    name: 'an unchanged object writes nothing to the copy',
    setup: { tenant: [tenantObject()], copies: [copyOf(TARGET)] },
    records: [],
    events: [],
    never: ['copies.patch', 'copies.update', 'copies.create'],
  },
  {
    name: 'without a state the copy is updated in full when it differs',
    setup: { tenant: [tenantObject({ spec: { size: 3 } })], copies: [copyOf(TARGET)] },
    records: ['updated'],
    events: ['Normal ObjectSynced'],
    check: (world) => expect(world.copies.get(placeKey(TARGET))?.spec).toEqual({ size: 3 }),
  },
  {
    name: 'a copy being deleted on the service side is re-created later, not written now',
    setup: {
      tenant: [tenantObject()],
      copies: [copyOf(TARGET, { metadata: { ...copyOf(TARGET).metadata, ...deleting } })],
    },
    result: { requeueAfterMs: 2000 },
    never: ['copies.', 'state.put'],
  },
  {
    name: 'a copy the cache has not shown yet is synced from the state it was last synced from',
    setup: {
      tenant: [tenantObject({ spec: { size: 2 } })],
      copies: [copyOf(TARGET)],
      cached: [],
      createConflicts: true,
      synced: tenantObject(),
    },
    records: ['patched'],
    calls: [
      'state.put',
      `copies.create ${CLUSTER}/placeholder`,
      'state.put',
      'copies.patch {"spec":{"size":2}}',
    ],
    never: ['state.forget'],
  },
  {
    name: 'an unlabelled object at the copy’s place is adopted',
    setup: {
      tenant: [tenantObject()],
      copies: [
        {
          apiVersion: 'example.io/v1',
          kind: 'Thing',
          metadata: { name: 'placeholder', namespace: CLUSTER },
        },
      ],
      cached: [],
      createConflicts: true,
    },
    check: (world) =>
      expect(world.calls.some((c) => c.startsWith('copies.patch {"metadata":{"labels"'))).toBe(
        true,
      ),
  },
  {
    name: "another object's copy at that place is never taken over",
    setup: {
      tenant: [tenantObject()],
      copies: [
        {
          ...copyOf(TARGET),
          metadata: {
            ...copyOf(TARGET).metadata,
            labels: linkLabels(AGENT, { ...SOURCE, name: 'two' }),
            annotations: linkAnnotations({ ...SOURCE, name: 'two' }),
          },
        },
      ],
      cached: [],
      createConflicts: true,
    },
    error: /belongs to another object; check the naming rules/,
    never: ['copies.patch', 'copies.update'],
  },
  {
    name: "another agent's object at that place is never taken over",
    setup: {
      tenant: [tenantObject()],
      copies: [
        {
          apiVersion: 'example.io/v1',
          kind: 'Thing',
          metadata: {
            name: 'placeholder',
            namespace: CLUSTER,
            labels: { [AGENT_NAME_LABEL]: 'agent-2' },
          },
        },
      ],
      cached: [],
      createConflicts: true,
    },
    error: /belongs to another object/,
  },
  {
    name: 'a create conflict with nothing to read comes back soon',
    setup: { tenant: [tenantObject()], cached: [], createConflicts: true },
    result: { requeueAfterMs: 200 },
    calls: ['state.put', `copies.create ${CLUSTER}/placeholder`],
  },
  {
    name: "the copy's status is copied up through /status",
    setup: {
      tenant: [tenantObject({ status: { phase: 'Pending' } })],
      copies: [copyOf(TARGET, { status: { phase: 'Ready' } })],
    },
    records: ['status'],
    events: ['Normal ObjectStatusSynced'],
    calls: ['tenant.patchStatus {"status":{"phase":"Ready"}}'],
  },
  {
    name: 'the status mutations apply before the status goes up',
    setup: {
      tenant: [tenantObject()],
      copies: [copyOf(TARGET, { status: { phase: 'Ready', secret: 'x' } })],
      spec: { mutation: { status: [{ delete: { path: 'status.secret' } }] } },
    },
    calls: ['tenant.patchStatus {"status":{"phase":"Ready"}}'],
  },
  {
    name: 'origin-service related objects are announced on the tenant object; stale ones removed',
    setup: {
      tenant: [
        tenantObject({
          metadata: {
            ...tenantObject().metadata,
            annotations: {
              'kcp.io/cluster': CLUSTER,
              [`${RELATED_ANNOTATION_PREFIX}old`]: '{}',
            },
          },
        }),
      ],
      copies: [copyOf(TARGET)],
      spec: {
        related: [
          {
            identifier: 'creds',
            origin: 'service',
            kind: 'Secret',
            reference: { name: { path: 'metadata.name' } },
          },
        ],
      },
      related: { annotations: { [`${RELATED_ANNOTATION_PREFIX}creds`]: '{"name":"x"}' } },
    },
    records: ['annotated'],
    calls: [
      'related.prune creds',
      `tenant.patch {"metadata":{"annotations":{"${RELATED_ANNOTATION_PREFIX}creds":"{\\"name\\":\\"x\\"}","${RELATED_ANNOTATION_PREFIX}old":null}}}`,
    ],
  },
  {
    name: 'a related object not there yet brings the primary back later',
    setup: {
      tenant: [tenantObject()],
      copies: [copyOf(TARGET)],
      spec: {
        related: [
          {
            identifier: 'creds',
            origin: 'kcp',
            kind: 'Secret',
            reference: { name: { path: 'spec.secret' } },
          },
        ],
      },
      related: { waiting: true },
    },
    result: { requeueAfterMs: 30_000 },
  },
  // Deletion by the tenant.
  {
    name: 'a deleted object without our finalizer is left alone',
    setup: {
      tenant: [
        tenantObject({ metadata: { ...tenantObject({}, false).metadata, ...deleting } }, false),
      ],
      copies: [copyOf(TARGET)],
    },
    never: ['copies.delete', 'tenant.removeFinalizer'],
  },
  {
    name: 'a deleted object: copy, related copies and state go, then the finalizer',
    setup: {
      tenant: [tenantObject({ metadata: { ...tenantObject().metadata, ...deleting } })],
      copies: [copyOf(TARGET)],
      spec: {
        related: [
          {
            identifier: 'creds',
            origin: 'kcp',
            kind: 'Secret',
            reference: { name: { path: 'spec.secret' } },
          },
        ],
      },
    },
    events: ['Normal ObjectCleanup', 'Normal ObjectDeleted'],
    records: ['deleted', 'finalized'],
    calls: [
      `copies.delete ${placeKey(TARGET)}`,
      'related.cleanup creds',
      'state.delete',
      'tenant.removeFinalizer',
    ],
    check: (world) => {
      expect(world.copies.size).toBe(0);
      expect(world.tenant.get('team/one')?.metadata.finalizers).toEqual([]);
      expect(world.uses.get(`things\0${KEY}`)).toEqual([]);
    },
  },
  {
    name: "the finalizer stays while the service side's finalizers still hold the copy",
    setup: {
      tenant: [tenantObject({ metadata: { ...tenantObject().metadata, ...deleting } })],
      copies: [
        copyOf(TARGET, {
          metadata: {
            ...copyOf(TARGET).metadata,
            labels: { ...copyOf(TARGET).metadata.labels, held: 'yes' },
          },
        }),
      ],
    },
    result: { requeueAfterMs: 5000 },
    events: ['Normal ObjectCleanup'],
    never: ['tenant.removeFinalizer', 'state.delete'],
  },
  {
    name: 'a copy the cache has not shown yet is found where the naming rules put it, and deleted',
    setup: {
      tenant: [tenantObject({ metadata: { ...tenantObject().metadata, ...deleting } })],
      copies: [copyOf(TARGET)],
      cached: [],
    },
    calls: [`copies.delete ${placeKey(TARGET)}`, 'tenant.removeFinalizer'],
    check: (world) => expect(world.copies.size).toBe(0),
  },
  // The tenant object gone without the finalizer having run.
  {
    name: 'gone, no copies: nothing to do',
    setup: {},
    never: ['copies.delete', 'tenant.probeCollection'],
  },
  {
    name: 'gone before the tenant cache listed: look again later',
    setup: { copies: [copyOf(TARGET)], listed: false },
    result: { requeueAfterMs: 2000 },
    never: ['copies.delete'],
  },
  {
    name: "gone from a workspace that no longer binds: the workspace cleanup's business",
    setup: { copies: [copyOf(TARGET)], bound: false },
    never: ['copies.delete', 'tenant.probeCollection'],
  },
  {
    name: 'gone: once a served collection proves it, copies and state go',
    setup: { copies: [copyOf(TARGET)] },
    records: ['deleted'],
    calls: ['tenant.probeCollection', `copies.delete ${placeKey(TARGET)}`, 'state.delete'],
  },
];

/** The related Secret the claim cases sync: the tenant's superuser Secret, copied down. */
const SECRET_RELATED: Partial<PublishedResourceSpec> = {
  related: [
    {
      identifier: 'superuser',
      origin: 'kcp',
      kind: 'Secret',
      reference: { name: { path: 'spec.secret' } },
    },
  ],
};
const EXPORT_CLAIMS = [
  { group: '', resource: 'secrets' },
  { group: '', resource: 'namespaces' },
  { group: '', resource: 'events' },
];
const notAcceptedYet: BindingClaims = {
  name: 'things-export',
  permissionClaims: [],
  exportClaims: EXPORT_CLAIMS,
};
const accepted: BindingClaims = {
  name: 'things-export',
  permissionClaims: [{ group: '', resource: 'secrets', state: 'Accepted' }],
  exportClaims: EXPORT_CLAIMS,
};
const CLAIM_MESSAGE =
  'the provider cannot sync this object until APIBinding things-export accepts the permission claim on secrets; accept it with: kubectl kcp claims accept things-export --resource=secrets';
const claimCondition = {
  type: 'Synced',
  status: 'False',
  reason: 'PermissionClaimNotAccepted',
  message: CLAIM_MESSAGE,
  lastTransitionTime: '2026-01-01T00:00:00Z',
};
/** The status patches the pass wrote, parsed. */
const statusPatches = (world: World) =>
  world.calls
    .filter((c) => c.startsWith('tenant.patchStatus '))
    .map((c) => JSON.parse(c.slice('tenant.patchStatus '.length)));

cases.push(
  {
    name: 'a claim the sync needs and the binding has not accepted: no copy, the tenant is told on its object',
    setup: { tenant: [tenantObject()], spec: SECRET_RELATED, claims: notAcceptedYet },
    events: ['Warning PermissionClaimNotAccepted'],
    never: ['copies.create', 'state.put', 'related.sync', 'namespaces.ensure'],
    check: (world) => {
      const [patch] = statusPatches(world);
      expect(patch.status.conditions).toEqual([
        { ...claimCondition, lastTransitionTime: expect.any(String) },
      ]);
    },
  },
  {
    name: 'the claim condition already shown: nothing is written and no event repeats',
    setup: {
      tenant: [tenantObject({ status: { conditions: [claimCondition] } })],
      spec: SECRET_RELATED,
      claims: notAcceptedYet,
    },
    events: [],
    never: ['tenant.patchStatus', 'copies.create'],
  },
  {
    name: 'a copy placed before the claim was revoked keeps syncing; its related objects wait; the condition joins its status',
    setup: {
      tenant: [tenantObject()],
      copies: [
        copyOf(TARGET, {
          status: { phase: 'Ready', conditions: [{ type: 'Ready', status: 'True' }] },
        }),
      ],
      spec: SECRET_RELATED,
      claims: {
        ...accepted,
        permissionClaims: [{ group: '', resource: 'secrets', state: 'Rejected' }],
      },
    },
    events: ['Warning PermissionClaimNotAccepted', 'Normal ObjectStatusSynced'],
    never: ['related.sync', 'related.prune'],
    check: (world) => {
      const [patch] = statusPatches(world);
      expect(patch.status.phase).toBe('Ready');
      expect(patch.status.conditions).toEqual([
        { type: 'Ready', status: 'True' },
        { ...claimCondition, lastTransitionTime: expect.any(String) },
      ]);
    },
  },
  {
    name: 'once the claim is accepted the copy is placed, related objects sync and the condition goes',
    setup: {
      tenant: [tenantObject({ status: { conditions: [claimCondition] } })],
      spec: SECRET_RELATED,
      claims: accepted,
    },
    events: ['Normal ObjectPlaced', 'Normal ObjectStatusSynced'],
    calls: [
      `copies.create ${CLUSTER}/placeholder`,
      'tenant.patchStatus {"status":{"conditions":null}}',
      'related.sync superuser',
    ],
  },
  {
    name: 'a status without conditions gets no condition (it would be pruned), only the event',
    setup: {
      tenant: [tenantObject()],
      spec: SECRET_RELATED,
      claims: notAcceptedYet,
      hasConditions: false,
    },
    events: ['Warning PermissionClaimNotAccepted'],
    never: ['tenant.patchStatus', 'copies.create'],
  },
  {
    name: 'a claim the export does not make, or a binding not known yet, holds nothing back',
    setup: {
      tenant: [tenantObject()],
      spec: SECRET_RELATED,
      claims: { name: 'things-export', permissionClaims: [], exportClaims: [] },
    },
    calls: [`copies.create ${CLUSTER}/placeholder`, 'related.sync superuser'],
  },
  {
    name: 'a resource without related objects needs no claim',
    setup: { tenant: [tenantObject()], claims: notAcceptedYet },
    events: ['Normal ObjectPlaced'],
    calls: [`copies.create ${CLUSTER}/placeholder`],
  },
);

describe('sync reconcile of one tenant object', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const { env, world, primary } = fake(c.setup);
      if (c.error) {
        await expect(run(env, primary())).rejects.toThrow(c.error);
      } else {
        expect(await run(env, primary())).toEqual(c.result);
      }
      if (c.events) expect(world.events).toEqual(c.events);
      if (c.records) expect(world.records).toEqual(c.records);
      if (c.calls) {
        let at = -1;
        for (const call of c.calls) {
          const next = world.calls.indexOf(call, at + 1);
          expect(
            next,
            `${call} (after ${c.calls[c.calls.indexOf(call) - 1] ?? 'start'}) in ${JSON.stringify(world.calls)}`,
          ).toBeGreaterThan(at);
          at = next;
        }
      }
      for (const prefix of c.never ?? [])
        expect(world.calls.filter((call) => call.startsWith(prefix))).toEqual([]);
      c.check?.(world);
    });
  }

  it('keeps the content of the copy it creates equal to what the state records', async () => {
    const { env, world, primary } = fake({ tenant: [tenantObject()] });
    await run(env, primary());
    const [stored] = [...world.state.values()];
    expect(stored).toEqual(syncContent(tenantObject(), ['status']));
  });
});
