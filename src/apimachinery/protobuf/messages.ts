/**
 * A declarative description of the k8s.io/api and k8s.io/apimachinery protobuf messages
 * Canopy decodes, and which envelope apiVersion/kind selects which message.
 *
 * Each field carries two sets of facts:
 *  - wire facts — field number and type — from the upstream generated.proto files (checked
 *    against the descriptors compiled into kubectl 1.33);
 *  - JSON facts — the JSON name and how the Go field is declared — from the Go types'
 *    `json:"…"` tags, because the decoded object must look exactly like the Go JSON
 *    encoding of the same Go value:
 *      'omitempty'  value field with `,omitempty`: zero scalars, empty lists and maps are
 *                   omitted; structs are never omitted (Go ignores omitempty on structs),
 *      'always'     value field without omitempty: zero scalars are written, absent lists
 *                   and maps are written as null (proto cannot tell nil from empty; Go
 *                   decodes both to nil),
 *      'pointer'    pointer with `,omitempty`: written iff the field is on the wire,
 *      'nullable'   pointer without omitempty: null when absent.
 *
 * Fields are listed in Go struct order, which is the key order of the JSON encoding. A few
 * messages have a custom Go JSON form (`render`): Time, MicroTime, Duration, Quantity,
 * IntOrString, FieldsV1 and ExtraValue; decode.ts implements those.
 */

export type GoField = 'omitempty' | 'always' | 'pointer' | 'nullable';
export type ScalarType = 'string' | 'int32' | 'int64' | 'bool' | 'bytes';

export interface MessageRef {
  readonly message: string;
}

export type FieldType =
  | ScalarType
  | MessageRef
  | { readonly repeated: 'string' | MessageRef }
  | { readonly map: 'string' | 'bytes' | MessageRef };

export interface FieldSpec {
  /** Protobuf field number. */
  readonly no: number;
  /** JSON field name. */
  readonly json: string;
  readonly type: FieldType;
  readonly go: GoField;
}

/** Messages whose Go type marshals to JSON through a custom MarshalJSON. */
export type SpecialRender =
  | 'Time'
  | 'MicroTime'
  | 'Duration'
  | 'Quantity'
  | 'IntOrString'
  | 'FieldsV1'
  | 'ExtraValue';

export interface MessageSpec {
  readonly fields: readonly FieldSpec[];
  readonly render?: SpecialRender;
  /**
   * The Go type's Unmarshal replaces the whole value rather than merging field by field, so
   * when the field occurs more than once on the wire only the last occurrence counts.
   */
  readonly replace?: boolean;
}

const msg = (message: string): MessageRef => ({ message });
const f = (no: number, json: string, type: FieldType, go: GoField = 'omitempty'): FieldSpec => ({
  no,
  json,
  type,
  go,
});
const fields = (...list: FieldSpec[]): MessageSpec => ({ fields: list });
const special = (render: SpecialRender, replace: boolean, ...list: FieldSpec[]): MessageSpec => ({
  fields: list,
  render,
  ...(replace ? { replace } : {}),
});

const OBJECT_META = msg('meta.v1.ObjectMeta');
const TIME = msg('meta.v1.Time');
const MICRO_TIME = msg('meta.v1.MicroTime');
/** `metadata`, the first field of every top-level kind here (a value struct in Go). */
const metadata = f(1, 'metadata', OBJECT_META);

export const MESSAGES: Readonly<Record<string, MessageSpec>> = {
  // ---- k8s.io/apimachinery/pkg/apis/meta/v1 ----
  'meta.v1.ObjectMeta': fields(
    f(1, 'name', 'string'),
    f(2, 'generateName', 'string'),
    f(3, 'namespace', 'string'),
    f(4, 'selfLink', 'string'),
    f(5, 'uid', 'string'),
    f(6, 'resourceVersion', 'string'),
    f(7, 'generation', 'int64'),
    f(8, 'creationTimestamp', TIME),
    f(9, 'deletionTimestamp', TIME, 'pointer'),
    f(10, 'deletionGracePeriodSeconds', 'int64', 'pointer'),
    f(11, 'labels', { map: 'string' }),
    f(12, 'annotations', { map: 'string' }),
    f(13, 'ownerReferences', { repeated: msg('meta.v1.OwnerReference') }),
    f(14, 'finalizers', { repeated: 'string' }),
    f(17, 'managedFields', { repeated: msg('meta.v1.ManagedFieldsEntry') }),
  ),
  'meta.v1.OwnerReference': fields(
    f(5, 'apiVersion', 'string', 'always'),
    f(1, 'kind', 'string', 'always'),
    f(3, 'name', 'string', 'always'),
    f(4, 'uid', 'string', 'always'),
    f(6, 'controller', 'bool', 'pointer'),
    f(7, 'blockOwnerDeletion', 'bool', 'pointer'),
  ),
  'meta.v1.ManagedFieldsEntry': fields(
    f(1, 'manager', 'string'),
    f(2, 'operation', 'string'),
    f(3, 'apiVersion', 'string'),
    f(4, 'time', TIME, 'pointer'),
    f(6, 'fieldsType', 'string'),
    f(7, 'fieldsV1', msg('meta.v1.FieldsV1'), 'pointer'),
    f(8, 'subresource', 'string'),
  ),
  /** Raw is JSON text; FieldsV1 marshals as that JSON (null when Raw is nil). */
  'meta.v1.FieldsV1': special('FieldsV1', false, f(1, 'Raw', 'bytes')),
  'meta.v1.LabelSelector': fields(
    f(1, 'matchLabels', { map: 'string' }),
    f(2, 'matchExpressions', { repeated: msg('meta.v1.LabelSelectorRequirement') }),
  ),
  'meta.v1.LabelSelectorRequirement': fields(
    f(1, 'key', 'string', 'always'),
    f(2, 'operator', 'string', 'always'),
    f(3, 'values', { repeated: 'string' }),
  ),
  'meta.v1.FieldSelectorRequirement': fields(
    f(1, 'key', 'string', 'always'),
    f(2, 'operator', 'string', 'always'),
    f(3, 'values', { repeated: 'string' }),
  ),
  'meta.v1.Condition': fields(
    f(1, 'type', 'string', 'always'),
    f(2, 'status', 'string', 'always'),
    f(3, 'observedGeneration', 'int64'),
    f(4, 'lastTransitionTime', TIME),
    f(5, 'reason', 'string', 'always'),
    f(6, 'message', 'string', 'always'),
  ),
  'meta.v1.DeleteOptions': fields(
    f(1, 'gracePeriodSeconds', 'int64', 'pointer'),
    f(2, 'preconditions', msg('meta.v1.Preconditions'), 'pointer'),
    f(3, 'orphanDependents', 'bool', 'pointer'),
    f(4, 'propagationPolicy', 'string', 'pointer'),
    f(5, 'dryRun', { repeated: 'string' }),
    f(6, 'ignoreStoreReadErrorWithClusterBreakingPotential', 'bool', 'pointer'),
  ),
  'meta.v1.Preconditions': fields(
    f(1, 'uid', 'string', 'pointer'),
    f(2, 'resourceVersion', 'string', 'pointer'),
  ),
  /** RFC 3339 in UTC, whole seconds (Time's Unmarshal drops nanos); the zero Time is null. */
  'meta.v1.Time': special('Time', true, f(1, 'seconds', 'int64'), f(2, 'nanos', 'int32')),
  /** RFC 3339 in UTC with six fractional digits; the zero MicroTime is null. */
  'meta.v1.MicroTime': special('MicroTime', true, f(1, 'seconds', 'int64'), f(2, 'nanos', 'int32')),
  /** Nanoseconds, marshalled as Go's time.Duration.String(): "1h0m0s", "1.5s". */
  'meta.v1.Duration': special('Duration', true, f(1, 'duration', 'int64')),

  // ---- k8s.io/apimachinery/pkg/api/resource, pkg/util/intstr ----
  /** The quantity's text; marshalled in canonical form. */
  'resource.Quantity': special('Quantity', true, f(1, 'string', 'string')),
  /** type 0 (Int) marshals as intVal, type 1 (String) as strVal. */
  'intstr.IntOrString': special(
    'IntOrString',
    false,
    f(1, 'type', 'int64'),
    f(2, 'intVal', 'int32'),
    f(3, 'strVal', 'string'),
  ),

  // ---- k8s.io/api/core/v1 ----
  'core.v1.Namespace': fields(
    metadata,
    f(2, 'spec', msg('core.v1.NamespaceSpec')),
    f(3, 'status', msg('core.v1.NamespaceStatus')),
  ),
  'core.v1.NamespaceSpec': fields(f(1, 'finalizers', { repeated: 'string' })),
  'core.v1.NamespaceStatus': fields(
    f(1, 'phase', 'string'),
    f(2, 'conditions', { repeated: msg('core.v1.NamespaceCondition') }),
  ),
  'core.v1.NamespaceCondition': fields(
    f(1, 'type', 'string', 'always'),
    f(2, 'status', 'string', 'always'),
    f(4, 'lastTransitionTime', TIME),
    f(5, 'reason', 'string'),
    f(6, 'message', 'string'),
  ),
  'core.v1.ConfigMap': fields(
    metadata,
    f(4, 'immutable', 'bool', 'pointer'),
    f(2, 'data', { map: 'string' }),
    f(3, 'binaryData', { map: 'bytes' }),
  ),
  'core.v1.Secret': fields(
    metadata,
    f(5, 'immutable', 'bool', 'pointer'),
    f(2, 'data', { map: 'bytes' }),
    f(4, 'stringData', { map: 'string' }),
    f(3, 'type', 'string'),
  ),
  'core.v1.ServiceAccount': fields(
    metadata,
    f(2, 'secrets', { repeated: msg('core.v1.ObjectReference') }),
    f(3, 'imagePullSecrets', { repeated: msg('core.v1.LocalObjectReference') }),
    f(4, 'automountServiceAccountToken', 'bool', 'pointer'),
  ),
  'core.v1.ObjectReference': fields(
    f(1, 'kind', 'string'),
    f(2, 'namespace', 'string'),
    f(3, 'name', 'string'),
    f(4, 'uid', 'string'),
    f(5, 'apiVersion', 'string'),
    f(6, 'resourceVersion', 'string'),
    f(7, 'fieldPath', 'string'),
  ),
  'core.v1.LocalObjectReference': fields(f(1, 'name', 'string')),
  'core.v1.Event': fields(
    metadata,
    f(2, 'involvedObject', msg('core.v1.ObjectReference')),
    f(3, 'reason', 'string'),
    f(4, 'message', 'string'),
    f(5, 'source', msg('core.v1.EventSource')),
    f(6, 'firstTimestamp', TIME),
    f(7, 'lastTimestamp', TIME),
    f(8, 'count', 'int32'),
    f(9, 'type', 'string'),
    f(10, 'eventTime', MICRO_TIME),
    f(11, 'series', msg('core.v1.EventSeries'), 'pointer'),
    f(12, 'action', 'string'),
    f(13, 'related', msg('core.v1.ObjectReference'), 'pointer'),
    f(14, 'reportingComponent', 'string', 'always'),
    f(15, 'reportingInstance', 'string', 'always'),
  ),
  'core.v1.EventSource': fields(f(1, 'component', 'string'), f(2, 'host', 'string')),
  'core.v1.EventSeries': fields(f(1, 'count', 'int32'), f(2, 'lastObservedTime', MICRO_TIME)),
  'core.v1.ResourceQuota': fields(
    metadata,
    f(2, 'spec', msg('core.v1.ResourceQuotaSpec')),
    f(3, 'status', msg('core.v1.ResourceQuotaStatus')),
  ),
  'core.v1.ResourceQuotaSpec': fields(
    f(1, 'hard', { map: msg('resource.Quantity') }),
    f(2, 'scopes', { repeated: 'string' }),
    f(3, 'scopeSelector', msg('core.v1.ScopeSelector'), 'pointer'),
  ),
  'core.v1.ScopeSelector': fields(
    f(1, 'matchExpressions', { repeated: msg('core.v1.ScopedResourceSelectorRequirement') }),
  ),
  'core.v1.ScopedResourceSelectorRequirement': fields(
    f(1, 'scopeName', 'string', 'always'),
    f(2, 'operator', 'string', 'always'),
    f(3, 'values', { repeated: 'string' }),
  ),
  'core.v1.ResourceQuotaStatus': fields(
    f(1, 'hard', { map: msg('resource.Quantity') }),
    f(2, 'used', { map: msg('resource.Quantity') }),
  ),

  // ---- k8s.io/api/rbac/v1 ----
  'rbac.v1.Role': fields(
    metadata,
    f(2, 'rules', { repeated: msg('rbac.v1.PolicyRule') }, 'always'),
  ),
  'rbac.v1.ClusterRole': fields(
    metadata,
    f(2, 'rules', { repeated: msg('rbac.v1.PolicyRule') }, 'always'),
    f(3, 'aggregationRule', msg('rbac.v1.AggregationRule'), 'pointer'),
  ),
  'rbac.v1.AggregationRule': fields(
    f(1, 'clusterRoleSelectors', { repeated: msg('meta.v1.LabelSelector') }),
  ),
  'rbac.v1.RoleBinding': fields(
    metadata,
    f(2, 'subjects', { repeated: msg('rbac.v1.Subject') }),
    f(3, 'roleRef', msg('rbac.v1.RoleRef')),
  ),
  'rbac.v1.ClusterRoleBinding': fields(
    metadata,
    f(2, 'subjects', { repeated: msg('rbac.v1.Subject') }),
    f(3, 'roleRef', msg('rbac.v1.RoleRef')),
  ),
  'rbac.v1.PolicyRule': fields(
    f(1, 'verbs', { repeated: 'string' }, 'always'),
    f(2, 'apiGroups', { repeated: 'string' }),
    f(3, 'resources', { repeated: 'string' }),
    f(4, 'resourceNames', { repeated: 'string' }),
    f(5, 'nonResourceURLs', { repeated: 'string' }),
  ),
  'rbac.v1.Subject': fields(
    f(1, 'kind', 'string', 'always'),
    f(2, 'apiGroup', 'string'),
    f(3, 'name', 'string', 'always'),
    f(4, 'namespace', 'string'),
  ),
  'rbac.v1.RoleRef': fields(
    f(1, 'apiGroup', 'string', 'always'),
    f(2, 'kind', 'string', 'always'),
    f(3, 'name', 'string', 'always'),
  ),

  // ---- k8s.io/api/authentication/v1 (v1beta1 SelfSubjectReview has the same wire shape) ----
  'authentication.v1.TokenRequest': fields(
    metadata,
    f(2, 'spec', msg('authentication.v1.TokenRequestSpec')),
    f(3, 'status', msg('authentication.v1.TokenRequestStatus')),
  ),
  'authentication.v1.TokenRequestSpec': fields(
    f(1, 'audiences', { repeated: 'string' }, 'always'),
    f(4, 'expirationSeconds', 'int64', 'nullable'),
    f(3, 'boundObjectRef', msg('authentication.v1.BoundObjectReference'), 'nullable'),
  ),
  'authentication.v1.TokenRequestStatus': fields(
    f(1, 'token', 'string', 'always'),
    f(2, 'expirationTimestamp', TIME),
  ),
  'authentication.v1.BoundObjectReference': fields(
    f(1, 'kind', 'string'),
    f(2, 'apiVersion', 'string'),
    f(3, 'name', 'string'),
    f(4, 'uid', 'string'),
  ),
  'authentication.v1.TokenReview': fields(
    metadata,
    f(2, 'spec', msg('authentication.v1.TokenReviewSpec')),
    f(3, 'status', msg('authentication.v1.TokenReviewStatus')),
  ),
  'authentication.v1.TokenReviewSpec': fields(
    f(1, 'token', 'string'),
    f(2, 'audiences', { repeated: 'string' }),
  ),
  'authentication.v1.TokenReviewStatus': fields(
    f(1, 'authenticated', 'bool'),
    f(2, 'user', msg('authentication.v1.UserInfo')),
    f(4, 'audiences', { repeated: 'string' }),
    f(3, 'error', 'string'),
  ),
  'authentication.v1.SelfSubjectReview': fields(
    metadata,
    f(2, 'status', msg('authentication.v1.SelfSubjectReviewStatus')),
  ),
  'authentication.v1.SelfSubjectReviewStatus': fields(
    f(1, 'userInfo', msg('authentication.v1.UserInfo')),
  ),
  'authentication.v1.UserInfo': fields(
    f(1, 'username', 'string'),
    f(2, 'uid', 'string'),
    f(3, 'groups', { repeated: 'string' }),
    f(4, 'extra', { map: msg('ExtraValue') }),
  ),
  /** authentication/v1 and authorization/v1 ExtraValue: a []string in Go and in JSON. */
  ExtraValue: special('ExtraValue', false, f(1, 'items', { repeated: 'string' })),

  // ---- k8s.io/api/authorization/v1 ----
  'authorization.v1.SubjectAccessReview': fields(
    metadata,
    f(2, 'spec', msg('authorization.v1.SubjectAccessReviewSpec')),
    f(3, 'status', msg('authorization.v1.SubjectAccessReviewStatus')),
  ),
  'authorization.v1.SelfSubjectAccessReview': fields(
    metadata,
    f(2, 'spec', msg('authorization.v1.SelfSubjectAccessReviewSpec')),
    f(3, 'status', msg('authorization.v1.SubjectAccessReviewStatus')),
  ),
  'authorization.v1.SelfSubjectRulesReview': fields(
    metadata,
    f(2, 'spec', msg('authorization.v1.SelfSubjectRulesReviewSpec')),
    f(3, 'status', msg('authorization.v1.SubjectRulesReviewStatus')),
  ),
  'authorization.v1.ResourceAttributes': fields(
    f(1, 'namespace', 'string'),
    f(2, 'verb', 'string'),
    f(3, 'group', 'string'),
    f(4, 'version', 'string'),
    f(5, 'resource', 'string'),
    f(6, 'subresource', 'string'),
    f(7, 'name', 'string'),
    f(8, 'fieldSelector', msg('authorization.v1.FieldSelectorAttributes'), 'pointer'),
    f(9, 'labelSelector', msg('authorization.v1.LabelSelectorAttributes'), 'pointer'),
  ),
  'authorization.v1.FieldSelectorAttributes': fields(
    f(1, 'rawSelector', 'string'),
    f(2, 'requirements', { repeated: msg('meta.v1.FieldSelectorRequirement') }),
  ),
  'authorization.v1.LabelSelectorAttributes': fields(
    f(1, 'rawSelector', 'string'),
    f(2, 'requirements', { repeated: msg('meta.v1.LabelSelectorRequirement') }),
  ),
  'authorization.v1.NonResourceAttributes': fields(f(1, 'path', 'string'), f(2, 'verb', 'string')),
  'authorization.v1.SubjectAccessReviewSpec': fields(
    f(1, 'resourceAttributes', msg('authorization.v1.ResourceAttributes'), 'pointer'),
    f(2, 'nonResourceAttributes', msg('authorization.v1.NonResourceAttributes'), 'pointer'),
    f(3, 'user', 'string'),
    f(4, 'groups', { repeated: 'string' }),
    f(5, 'extra', { map: msg('ExtraValue') }),
    f(6, 'uid', 'string'),
  ),
  'authorization.v1.SelfSubjectAccessReviewSpec': fields(
    f(1, 'resourceAttributes', msg('authorization.v1.ResourceAttributes'), 'pointer'),
    f(2, 'nonResourceAttributes', msg('authorization.v1.NonResourceAttributes'), 'pointer'),
  ),
  'authorization.v1.SubjectAccessReviewStatus': fields(
    f(1, 'allowed', 'bool', 'always'),
    f(4, 'denied', 'bool'),
    f(2, 'reason', 'string'),
    f(3, 'evaluationError', 'string'),
  ),
  'authorization.v1.SelfSubjectRulesReviewSpec': fields(f(1, 'namespace', 'string')),
  'authorization.v1.SubjectRulesReviewStatus': fields(
    f(1, 'resourceRules', { repeated: msg('authorization.v1.ResourceRule') }, 'always'),
    f(2, 'nonResourceRules', { repeated: msg('authorization.v1.NonResourceRule') }, 'always'),
    f(3, 'incomplete', 'bool', 'always'),
    f(4, 'evaluationError', 'string'),
  ),
  'authorization.v1.ResourceRule': fields(
    f(1, 'verbs', { repeated: 'string' }, 'always'),
    f(2, 'apiGroups', { repeated: 'string' }),
    f(3, 'resources', { repeated: 'string' }),
    f(4, 'resourceNames', { repeated: 'string' }),
  ),
  'authorization.v1.NonResourceRule': fields(
    f(1, 'verbs', { repeated: 'string' }, 'always'),
    f(2, 'nonResourceURLs', { repeated: 'string' }),
  ),

  // ---- k8s.io/api/coordination/v1 ----
  'coordination.v1.Lease': fields(metadata, f(2, 'spec', msg('coordination.v1.LeaseSpec'))),
  'coordination.v1.LeaseSpec': fields(
    f(1, 'holderIdentity', 'string', 'pointer'),
    f(2, 'leaseDurationSeconds', 'int32', 'pointer'),
    f(3, 'acquireTime', MICRO_TIME, 'pointer'),
    f(4, 'renewTime', MICRO_TIME, 'pointer'),
    f(5, 'leaseTransitions', 'int32', 'pointer'),
    f(6, 'strategy', 'string', 'pointer'),
    f(7, 'preferredHolder', 'string', 'pointer'),
  ),

  // ---- k8s.io/api/events/v1 ----
  'events.v1.Event': fields(
    metadata,
    f(2, 'eventTime', MICRO_TIME),
    f(3, 'series', msg('events.v1.EventSeries'), 'pointer'),
    f(4, 'reportingController', 'string'),
    f(5, 'reportingInstance', 'string'),
    f(6, 'action', 'string'),
    f(7, 'reason', 'string'),
    f(8, 'regarding', msg('core.v1.ObjectReference')),
    f(9, 'related', msg('core.v1.ObjectReference'), 'pointer'),
    f(10, 'note', 'string'),
    f(11, 'type', 'string'),
    f(12, 'deprecatedSource', msg('core.v1.EventSource')),
    f(13, 'deprecatedFirstTimestamp', TIME),
    f(14, 'deprecatedLastTimestamp', TIME),
    f(15, 'deprecatedCount', 'int32'),
  ),
  'events.v1.EventSeries': fields(
    f(1, 'count', 'int32', 'always'),
    f(2, 'lastObservedTime', MICRO_TIME),
  ),

  // ---- k8s.io/api/scheduling/v1, policy/v1 (also sent as protobuf by kubectl ≥ 1.32) ----
  'scheduling.v1.PriorityClass': fields(
    metadata,
    f(2, 'value', 'int32', 'always'),
    f(3, 'globalDefault', 'bool'),
    f(4, 'description', 'string'),
    f(5, 'preemptionPolicy', 'string', 'pointer'),
  ),
  'policy.v1.PodDisruptionBudget': fields(
    metadata,
    f(2, 'spec', msg('policy.v1.PodDisruptionBudgetSpec')),
    f(3, 'status', msg('policy.v1.PodDisruptionBudgetStatus')),
  ),
  'policy.v1.PodDisruptionBudgetSpec': fields(
    f(1, 'minAvailable', msg('intstr.IntOrString'), 'pointer'),
    f(2, 'selector', msg('meta.v1.LabelSelector'), 'pointer'),
    f(3, 'maxUnavailable', msg('intstr.IntOrString'), 'pointer'),
    f(4, 'unhealthyPodEvictionPolicy', 'string', 'pointer'),
  ),
  'policy.v1.PodDisruptionBudgetStatus': fields(
    f(1, 'observedGeneration', 'int64'),
    f(2, 'disruptedPods', { map: TIME }),
    f(3, 'disruptionsAllowed', 'int32', 'always'),
    f(4, 'currentHealthy', 'int32', 'always'),
    f(5, 'desiredHealthy', 'int32', 'always'),
    f(6, 'expectedPods', 'int32', 'always'),
    f(7, 'conditions', { repeated: msg('meta.v1.Condition') }),
  ),
  'policy.v1.Eviction': fields(
    metadata,
    f(2, 'deleteOptions', msg('meta.v1.DeleteOptions'), 'pointer'),
  ),
};

/** Kind (in any group version) whose message is the same everywhere. */
const ANY_VERSION: Readonly<Record<string, string>> = {
  // metav1.AddToGroupVersion registers the option types in every group version.
  DeleteOptions: 'meta.v1.DeleteOptions',
};

/** `apiVersion` → kind → message. */
export const KINDS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  v1: {
    Namespace: 'core.v1.Namespace',
    ConfigMap: 'core.v1.ConfigMap',
    Secret: 'core.v1.Secret',
    ServiceAccount: 'core.v1.ServiceAccount',
    Event: 'core.v1.Event',
    ResourceQuota: 'core.v1.ResourceQuota',
  },
  'rbac.authorization.k8s.io/v1': {
    Role: 'rbac.v1.Role',
    ClusterRole: 'rbac.v1.ClusterRole',
    RoleBinding: 'rbac.v1.RoleBinding',
    ClusterRoleBinding: 'rbac.v1.ClusterRoleBinding',
  },
  'authentication.k8s.io/v1': {
    TokenRequest: 'authentication.v1.TokenRequest',
    TokenReview: 'authentication.v1.TokenReview',
    SelfSubjectReview: 'authentication.v1.SelfSubjectReview',
  },
  'authentication.k8s.io/v1beta1': {
    SelfSubjectReview: 'authentication.v1.SelfSubjectReview',
  },
  'authorization.k8s.io/v1': {
    SubjectAccessReview: 'authorization.v1.SubjectAccessReview',
    LocalSubjectAccessReview: 'authorization.v1.SubjectAccessReview',
    SelfSubjectAccessReview: 'authorization.v1.SelfSubjectAccessReview',
    SelfSubjectRulesReview: 'authorization.v1.SelfSubjectRulesReview',
  },
  'coordination.k8s.io/v1': {
    Lease: 'coordination.v1.Lease',
  },
  'events.k8s.io/v1': {
    Event: 'events.v1.Event',
  },
  'scheduling.k8s.io/v1': {
    PriorityClass: 'scheduling.v1.PriorityClass',
  },
  'policy/v1': {
    PodDisruptionBudget: 'policy.v1.PodDisruptionBudget',
    Eviction: 'policy.v1.Eviction',
  },
};

/** The message for an envelope's apiVersion and kind, or undefined when not supported. */
export function messageForKind(apiVersion: string, kind: string): string | undefined {
  if (Object.hasOwn(ANY_VERSION, kind)) return ANY_VERSION[kind];
  const kinds = Object.hasOwn(KINDS, apiVersion) ? KINDS[apiVersion] : undefined;
  return kinds && Object.hasOwn(kinds, kind) ? kinds[kind] : undefined;
}
