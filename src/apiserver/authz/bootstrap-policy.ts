/**
 * The default RBAC policy every logical cluster has (upstream's bootstrappolicy, reduced
 * to the roles that mean something without nodes and pods controllers): `cluster-admin`,
 * the aggregated `admin` / `edit` / `view` with their `system:aggregate-to-*` parts,
 * `system:basic-user`, `system:discovery`, `system:public-info-viewer`,
 * `system:monitoring`, `system:auth-delegator`, kcp's `system:kcp:workspace:access`, and
 * the bindings that give `system:masters` everything and every authenticated user
 * discovery and self-review.
 *
 * Choice (memory): these objects are NOT written into every logical cluster. RBAC
 * evaluates them as *virtual defaults*, as if each cluster held them; an object of the
 * same name stored in a cluster replaces the default there (so a cluster can change or
 * neutralise `view`, and delete-by-override works). Consequently `kubectl get
 * clusterroles` in a workspace does not list them. `writeBootstrapPolicy` writes them
 * for real into one cluster — the server calls it for `root` (which is also the only
 * cluster of plain mode), so a plain Kubernetes server lists them as upstream does.
 */

import {
  type ClusterRole,
  type ClusterRoleBinding,
  GROUP_KIND,
  RBAC_API_VERSION,
  RBAC_GROUP,
} from '../../api/rbac/types.ts';
import {
  type JsonObject,
  type JsonValue,
  type LabelSelector,
  nameOf,
} from '../../apimachinery/meta.ts';
import { isStatusError } from '../../apimachinery/status.ts';
import type { Client } from '../client.ts';
import { covers, fromRule, type Rule, toRule, toRules } from './policy-rules.ts';
import { AUTHENTICATED, UNAUTHENTICATED } from './scopes.ts';

export const BOOTSTRAPPING_LABEL = 'kubernetes.io/bootstrapping';
export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';
export const AGGREGATE_TO_ADMIN = 'rbac.authorization.k8s.io/aggregate-to-admin';
export const AGGREGATE_TO_EDIT = 'rbac.authorization.k8s.io/aggregate-to-edit';
export const AGGREGATE_TO_VIEW = 'rbac.authorization.k8s.io/aggregate-to-view';
export const WORKSPACE_ACCESS_ROLE = 'system:kcp:workspace:access';

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];
const READ_WRITE = [...READ, ...WRITE];

/** rbacv1helpers.NewRule(...).Groups(...).Resources(...).RuleOrDie(): lists come sorted. */
function rule(verbs: string[], groups: string[], resources: string[]): Rule {
  return toRule({
    verbs: [...verbs].sort(),
    apiGroups: [...groups].sort(),
    resources: [...resources].sort(),
  });
}

function urls(verbs: string[], paths: string[]): Rule {
  return toRule({ verbs: [...verbs].sort(), nonResourceURLs: [...paths].sort() });
}

function clusterRole(
  name: string,
  rules: Rule[],
  extra: { labels?: Record<string, string>; aggregate?: string } = {},
): ClusterRole {
  return {
    apiVersion: RBAC_API_VERSION,
    kind: 'ClusterRole',
    metadata: {
      name,
      labels: { [BOOTSTRAPPING_LABEL]: 'rbac-defaults', ...extra.labels },
      annotations: { [AUTOUPDATE_ANNOTATION]: 'true' },
    },
    ...(extra.aggregate
      ? {
          aggregationRule: {
            clusterRoleSelectors: [{ matchLabels: { [extra.aggregate]: 'true' } }],
          },
        }
      : {}),
    rules: rules.map(fromRule),
  };
}

function groupBinding(name: string, role: string, groups: string[]): ClusterRoleBinding {
  return {
    apiVersion: RBAC_API_VERSION,
    kind: 'ClusterRoleBinding',
    metadata: {
      name,
      labels: { [BOOTSTRAPPING_LABEL]: 'rbac-defaults' },
      annotations: { [AUTOUPDATE_ANNOTATION]: 'true' },
    },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: role },
    subjects: groups.map((g) => ({ kind: GROUP_KIND, apiGroup: RBAC_GROUP, name: g })),
  };
}

const CORE = '';
const APPS = 'apps';
const AUTOSCALING = 'autoscaling';
const BATCH = 'batch';
const EXTENSIONS = 'extensions';
const POLICY = 'policy';
const NETWORKING = 'networking.k8s.io';
const DISCOVERY = 'discovery.k8s.io';
const AUTHORIZATION = 'authorization.k8s.io';
const AUTHENTICATION = 'authentication.k8s.io';

export const BOOTSTRAP_CLUSTER_ROLES: readonly ClusterRole[] = [
  clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
  clusterRole('system:discovery', [
    urls(
      ['get'],
      [
        '/livez',
        '/readyz',
        '/healthz',
        '/version',
        '/version/',
        '/openapi',
        '/openapi/*',
        '/api',
        '/api/*',
        '/apis',
        '/apis/*',
      ],
    ),
  ]),
  clusterRole('system:basic-user', [
    rule(['create'], [AUTHORIZATION], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
    rule(['create'], [AUTHENTICATION], ['selfsubjectreviews']),
  ]),
  clusterRole('system:public-info-viewer', [
    urls(['get'], ['/livez', '/readyz', '/healthz', '/version', '/version/']),
  ]),
  clusterRole('system:monitoring', [
    urls(
      ['get'],
      [
        '/metrics',
        '/metrics/slis',
        '/livez',
        '/readyz',
        '/healthz',
        '/livez/*',
        '/readyz/*',
        '/healthz/*',
      ],
    ),
  ]),
  clusterRole('admin', [], { aggregate: AGGREGATE_TO_ADMIN }),
  clusterRole('edit', [], {
    aggregate: AGGREGATE_TO_EDIT,
    labels: { [AGGREGATE_TO_ADMIN]: 'true' },
  }),
  clusterRole('view', [], {
    aggregate: AGGREGATE_TO_VIEW,
    labels: { [AGGREGATE_TO_EDIT]: 'true' },
  }),
  clusterRole(
    'system:aggregate-to-admin',
    [
      rule(['create'], [AUTHORIZATION], ['localsubjectaccessreviews']),
      rule(READ_WRITE, [RBAC_GROUP], ['roles', 'rolebindings']),
    ],
    { labels: { [AGGREGATE_TO_ADMIN]: 'true' } },
  ),
  clusterRole(
    'system:aggregate-to-edit',
    [
      // Read on escalating resources.
      rule(
        READ,
        [CORE],
        ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy'],
      ),
      rule(['impersonate'], [CORE], ['serviceaccounts']),
      rule(WRITE, [CORE], ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
      rule(['create'], [CORE], ['pods/eviction']),
      rule(
        WRITE,
        [CORE],
        [
          'replicationcontrollers',
          'replicationcontrollers/scale',
          'serviceaccounts',
          'services',
          'services/proxy',
          'persistentvolumeclaims',
          'configmaps',
          'secrets',
        ],
      ),
      rule(['create'], [CORE], ['serviceaccounts/token']),
      rule(
        WRITE,
        [APPS],
        [
          'statefulsets',
          'statefulsets/scale',
          'daemonsets',
          'deployments',
          'deployments/scale',
          'deployments/rollback',
          'replicasets',
          'replicasets/scale',
        ],
      ),
      rule(WRITE, [AUTOSCALING], ['horizontalpodautoscalers']),
      rule(WRITE, [BATCH], ['jobs', 'cronjobs']),
      rule(
        WRITE,
        [EXTENSIONS],
        [
          'daemonsets',
          'deployments',
          'deployments/scale',
          'deployments/rollback',
          'ingresses',
          'replicasets',
          'replicasets/scale',
          'replicationcontrollers/scale',
          'networkpolicies',
        ],
      ),
      rule(WRITE, [POLICY], ['poddisruptionbudgets']),
      rule(WRITE, [NETWORKING], ['networkpolicies', 'ingresses']),
    ],
    { labels: { [AGGREGATE_TO_EDIT]: 'true' } },
  ),
  clusterRole(
    'system:aggregate-to-view',
    [
      rule(
        READ,
        [CORE],
        [
          'pods',
          'replicationcontrollers',
          'replicationcontrollers/scale',
          'serviceaccounts',
          'services',
          'services/status',
          'endpoints',
          'persistentvolumeclaims',
          'persistentvolumeclaims/status',
          'configmaps',
        ],
      ),
      rule(
        READ,
        [CORE],
        [
          'limitranges',
          'resourcequotas',
          'bindings',
          'events',
          'pods/status',
          'resourcequotas/status',
          'namespaces/status',
          'replicationcontrollers/status',
          'pods/log',
        ],
      ),
      // Reading namespaces at the namespace scope means reading *this* namespace: how a
      // user finds out which namespaces are theirs.
      rule(READ, [CORE], ['namespaces']),
      rule(READ, [DISCOVERY], ['endpointslices']),
      rule(
        READ,
        [APPS],
        [
          'controllerrevisions',
          'statefulsets',
          'statefulsets/status',
          'statefulsets/scale',
          'daemonsets',
          'daemonsets/status',
          'deployments',
          'deployments/status',
          'deployments/scale',
          'replicasets',
          'replicasets/status',
          'replicasets/scale',
        ],
      ),
      rule(READ, [AUTOSCALING], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
      rule(READ, [BATCH], ['jobs', 'cronjobs', 'cronjobs/status', 'jobs/status']),
      rule(
        READ,
        [EXTENSIONS],
        [
          'daemonsets',
          'daemonsets/status',
          'deployments',
          'deployments/scale',
          'deployments/status',
          'ingresses',
          'ingresses/status',
          'replicasets',
          'replicasets/scale',
          'replicasets/status',
          'replicationcontrollers/scale',
          'networkpolicies',
        ],
      ),
      rule(READ, [POLICY], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
      rule(READ, [NETWORKING], ['networkpolicies', 'ingresses', 'ingresses/status']),
    ],
    { labels: { [AGGREGATE_TO_VIEW]: 'true' } },
  ),
  clusterRole('system:auth-delegator', [
    rule(['create'], [AUTHENTICATION], ['tokenreviews']),
    rule(['create'], [AUTHORIZATION], ['subjectaccessreviews']),
  ]),
  // kcp: entering a workspace is the non-resource verb `access` on `/` in it.
  clusterRole(WORKSPACE_ACCESS_ROLE, [urls(['access'], ['/'])]),
];

export const BOOTSTRAP_CLUSTER_ROLE_BINDINGS: readonly ClusterRoleBinding[] = [
  groupBinding('cluster-admin', 'cluster-admin', ['system:masters']),
  groupBinding('system:discovery', 'system:discovery', [AUTHENTICATED]),
  groupBinding('system:basic-user', 'system:basic-user', [AUTHENTICATED]),
  groupBinding('system:public-info-viewer', 'system:public-info-viewer', [
    AUTHENTICATED,
    UNAUTHENTICATED,
  ]),
  groupBinding('system:monitoring', 'system:monitoring', ['system:monitoring']),
];

const CLUSTER_ROLES = { group: RBAC_GROUP, version: 'v1', resource: 'clusterroles' };
const CLUSTER_ROLE_BINDINGS = { group: RBAC_GROUP, version: 'v1', resource: 'clusterrolebindings' };

function selectorsOf(role: ClusterRole): LabelSelector[] {
  return role.aggregationRule?.clusterRoleSelectors ?? [];
}

/**
 * Writes the default policy into `cluster`, idempotently. Objects that exist are
 * reconciled as upstream does unless annotated `rbac.authorization.kubernetes.io/autoupdate:
 * "false"`: missing labels, annotations, rules and aggregation selectors are added; what
 * an administrator added is kept.
 */
export async function writeBootstrapPolicy(client: Client, cluster: string): Promise<void> {
  const roles = client.resource(cluster, CLUSTER_ROLES);
  for (const wanted of BOOTSTRAP_CLUSTER_ROLES) {
    const name = nameOf(wanted);
    const existing = (await roles.find(name)) as ClusterRole | undefined;
    if (!existing) {
      await createIgnoringConflict(() => roles.create(structuredClone(wanted)));
      continue;
    }
    if (existing.metadata.annotations?.[AUTOUPDATE_ANNOTATION] === 'false') continue;
    const patch: JsonObject = {};
    const labels = { ...wanted.metadata.labels, ...existing.metadata.labels };
    if (Object.keys(labels).length !== Object.keys(existing.metadata.labels ?? {}).length) {
      patch.metadata = { labels };
    }
    if (wanted.aggregationRule) {
      const have = selectorsOf(existing).map((s) => JSON.stringify(s));
      const missing = selectorsOf(wanted).filter((s) => !have.includes(JSON.stringify(s)));
      if (missing.length > 0) {
        patch.aggregationRule = toJson({
          clusterRoleSelectors: [...selectorsOf(existing), ...missing],
        });
      }
    } else {
      const have = toRules(existing.rules);
      const { missing } = covers(have, toRules(wanted.rules));
      if (missing.length > 0) patch.rules = toJson([...have, ...missing].map(fromRule));
    }
    if (Object.keys(patch).length > 0) await roles.patch(name, patch);
  }
  const bindings = client.resource(cluster, CLUSTER_ROLE_BINDINGS);
  for (const wanted of BOOTSTRAP_CLUSTER_ROLE_BINDINGS) {
    const name = nameOf(wanted);
    const existing = (await bindings.find(name)) as ClusterRoleBinding | undefined;
    if (!existing) {
      await createIgnoringConflict(() => bindings.create(structuredClone(wanted)));
      continue;
    }
    if (existing.metadata.annotations?.[AUTOUPDATE_ANNOTATION] === 'false') continue;
    const have = existing.subjects ?? [];
    const missing = (wanted.subjects ?? []).filter(
      (s) => !have.some((h) => h.kind === s.kind && h.name === s.name),
    );
    if (missing.length > 0) {
      await bindings.patch(name, { subjects: toJson([...have, ...missing]) });
    }
  }
}

/** Typed API values are JSON; this says so where the compiler cannot see it. */
function toJson(value: unknown): JsonValue {
  return value as JsonValue;
}

async function createIgnoringConflict(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (err) {
    // Another replica wrote it first.
    if (!isStatusError(err, 'AlreadyExists')) throw err;
  }
}
