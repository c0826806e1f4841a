import { describe, expect, it } from 'vitest';
import { type FieldSpec, type FieldType, KINDS, MESSAGES, messageForKind } from './messages.ts';

/**
 * The wire shape of every message in messages.ts as kubectl 1.33.1 compiles it: a digest of
 * the FileDescriptorProtos that gogo registers in the binary (gzipped, one per
 * k8s.io/api and k8s.io/apimachinery generated.proto), as `number:protoName:type`, fields
 * sorted by number. A mistyped field number, a wrong type or a field the table forgot (whose
 * data the decoder would then silently drop) fails the test below.
 */
const KUBECTL_1_33_DESCRIPTORS: Readonly<Record<string, string>> = {
  'meta.v1.ObjectMeta':
    '1:name:string 2:generateName:string 3:namespace:string 4:selfLink:string 5:uid:string 6:resourceVersion:string 7:generation:int64 8:creationTimestamp:message:meta.v1.Time 9:deletionTimestamp:message:meta.v1.Time 10:deletionGracePeriodSeconds:int64 11:labels:map_string 12:annotations:map_string 13:ownerReferences:repeated_message:meta.v1.OwnerReference 14:finalizers:repeated_string 17:managedFields:repeated_message:meta.v1.ManagedFieldsEntry',
  'meta.v1.OwnerReference':
    '1:kind:string 3:name:string 4:uid:string 5:apiVersion:string 6:controller:bool 7:blockOwnerDeletion:bool',
  'meta.v1.ManagedFieldsEntry':
    '1:manager:string 2:operation:string 3:apiVersion:string 4:time:message:meta.v1.Time 6:fieldsType:string 7:fieldsV1:message:meta.v1.FieldsV1 8:subresource:string',
  'meta.v1.FieldsV1': '1:Raw:bytes',
  'meta.v1.LabelSelector':
    '1:matchLabels:map_string 2:matchExpressions:repeated_message:meta.v1.LabelSelectorRequirement',
  'meta.v1.LabelSelectorRequirement': '1:key:string 2:operator:string 3:values:repeated_string',
  'meta.v1.FieldSelectorRequirement': '1:key:string 2:operator:string 3:values:repeated_string',
  'meta.v1.Condition':
    '1:type:string 2:status:string 3:observedGeneration:int64 4:lastTransitionTime:message:meta.v1.Time 5:reason:string 6:message:string',
  'meta.v1.DeleteOptions':
    '1:gracePeriodSeconds:int64 2:preconditions:message:meta.v1.Preconditions 3:orphanDependents:bool 4:propagationPolicy:string 5:dryRun:repeated_string 6:ignoreStoreReadErrorWithClusterBreakingPotential:bool',
  'meta.v1.Preconditions': '1:uid:string 2:resourceVersion:string',
  'meta.v1.Time': '1:seconds:int64 2:nanos:int32',
  'meta.v1.MicroTime': '1:seconds:int64 2:nanos:int32',
  'meta.v1.Duration': '1:duration:int64',
  'resource.Quantity': '1:string:string',
  'intstr.IntOrString': '1:type:int64 2:intVal:int32 3:strVal:string',
  'core.v1.Namespace':
    '1:metadata:message:meta.v1.ObjectMeta 2:spec:message:core.v1.NamespaceSpec 3:status:message:core.v1.NamespaceStatus',
  'core.v1.NamespaceSpec': '1:finalizers:repeated_string',
  'core.v1.NamespaceStatus':
    '1:phase:string 2:conditions:repeated_message:core.v1.NamespaceCondition',
  'core.v1.NamespaceCondition':
    '1:type:string 2:status:string 4:lastTransitionTime:message:meta.v1.Time 5:reason:string 6:message:string',
  'core.v1.ConfigMap':
    '1:metadata:message:meta.v1.ObjectMeta 2:data:map_string 3:binaryData:map_bytes 4:immutable:bool',
  'core.v1.Secret':
    '1:metadata:message:meta.v1.ObjectMeta 2:data:map_bytes 3:type:string 4:stringData:map_string 5:immutable:bool',
  'core.v1.ServiceAccount':
    '1:metadata:message:meta.v1.ObjectMeta 2:secrets:repeated_message:core.v1.ObjectReference 3:imagePullSecrets:repeated_message:core.v1.LocalObjectReference 4:automountServiceAccountToken:bool',
  'core.v1.ObjectReference':
    '1:kind:string 2:namespace:string 3:name:string 4:uid:string 5:apiVersion:string 6:resourceVersion:string 7:fieldPath:string',
  'core.v1.LocalObjectReference': '1:name:string',
  'core.v1.Event':
    '1:metadata:message:meta.v1.ObjectMeta 2:involvedObject:message:core.v1.ObjectReference 3:reason:string 4:message:string 5:source:message:core.v1.EventSource 6:firstTimestamp:message:meta.v1.Time 7:lastTimestamp:message:meta.v1.Time 8:count:int32 9:type:string 10:eventTime:message:meta.v1.MicroTime 11:series:message:core.v1.EventSeries 12:action:string 13:related:message:core.v1.ObjectReference 14:reportingComponent:string 15:reportingInstance:string',
  'core.v1.EventSource': '1:component:string 2:host:string',
  'core.v1.EventSeries': '1:count:int32 2:lastObservedTime:message:meta.v1.MicroTime',
  'core.v1.ResourceQuota':
    '1:metadata:message:meta.v1.ObjectMeta 2:spec:message:core.v1.ResourceQuotaSpec 3:status:message:core.v1.ResourceQuotaStatus',
  'core.v1.ResourceQuotaSpec':
    '1:hard:map_message:resource.Quantity 2:scopes:repeated_string 3:scopeSelector:message:core.v1.ScopeSelector',
  'core.v1.ScopeSelector':
    '1:matchExpressions:repeated_message:core.v1.ScopedResourceSelectorRequirement',
  'core.v1.ScopedResourceSelectorRequirement':
    '1:scopeName:string 2:operator:string 3:values:repeated_string',
  'core.v1.ResourceQuotaStatus':
    '1:hard:map_message:resource.Quantity 2:used:map_message:resource.Quantity',
  'rbac.v1.Role':
    '1:metadata:message:meta.v1.ObjectMeta 2:rules:repeated_message:rbac.v1.PolicyRule',
  'rbac.v1.ClusterRole':
    '1:metadata:message:meta.v1.ObjectMeta 2:rules:repeated_message:rbac.v1.PolicyRule 3:aggregationRule:message:rbac.v1.AggregationRule',
  'rbac.v1.AggregationRule': '1:clusterRoleSelectors:repeated_message:meta.v1.LabelSelector',
  'rbac.v1.RoleBinding':
    '1:metadata:message:meta.v1.ObjectMeta 2:subjects:repeated_message:rbac.v1.Subject 3:roleRef:message:rbac.v1.RoleRef',
  'rbac.v1.ClusterRoleBinding':
    '1:metadata:message:meta.v1.ObjectMeta 2:subjects:repeated_message:rbac.v1.Subject 3:roleRef:message:rbac.v1.RoleRef',
  'rbac.v1.PolicyRule':
    '1:verbs:repeated_string 2:apiGroups:repeated_string 3:resources:repeated_string 4:resourceNames:repeated_string 5:nonResourceURLs:repeated_string',
  'rbac.v1.Subject': '1:kind:string 2:apiGroup:string 3:name:string 4:namespace:string',
  'rbac.v1.RoleRef': '1:apiGroup:string 2:kind:string 3:name:string',
  'authentication.v1.TokenRequest':
    '1:metadata:message:meta.v1.ObjectMeta 2:spec:message:authentication.v1.TokenRequestSpec 3:status:message:authentication.v1.TokenRequestStatus',
  'authentication.v1.TokenRequestSpec':
    '1:audiences:repeated_string 3:boundObjectRef:message:authentication.v1.BoundObjectReference 4:expirationSeconds:int64',
  'authentication.v1.TokenRequestStatus':
    '1:token:string 2:expirationTimestamp:message:meta.v1.Time',
  'authentication.v1.BoundObjectReference':
    '1:kind:string 2:apiVersion:string 3:name:string 4:uID:string',
  'authentication.v1.TokenReview':
    '1:metadata:message:meta.v1.ObjectMeta 2:spec:message:authentication.v1.TokenReviewSpec 3:status:message:authentication.v1.TokenReviewStatus',
  'authentication.v1.TokenReviewSpec': '1:token:string 2:audiences:repeated_string',
  'authentication.v1.TokenReviewStatus':
    '1:authenticated:bool 2:user:message:authentication.v1.UserInfo 3:error:string 4:audiences:repeated_string',
  'authentication.v1.SelfSubjectReview':
    '1:metadata:message:meta.v1.ObjectMeta 2:status:message:authentication.v1.SelfSubjectReviewStatus',
  'authentication.v1.SelfSubjectReviewStatus': '1:userInfo:message:authentication.v1.UserInfo',
  'authentication.v1.UserInfo':
    '1:username:string 2:uid:string 3:groups:repeated_string 4:extra:map_message:ExtraValue',
  ExtraValue: '1:items:repeated_string',
  'authorization.v1.SubjectAccessReview':
    '1:metadata:message:meta.v1.ObjectMeta 2:spec:message:authorization.v1.SubjectAccessReviewSpec 3:status:message:authorization.v1.SubjectAccessReviewStatus',
  'authorization.v1.SelfSubjectAccessReview':
    '1:metadata:message:meta.v1.ObjectMeta 2:spec:message:authorization.v1.SelfSubjectAccessReviewSpec 3:status:message:authorization.v1.SubjectAccessReviewStatus',
  'authorization.v1.SelfSubjectRulesReview':
    '1:metadata:message:meta.v1.ObjectMeta 2:spec:message:authorization.v1.SelfSubjectRulesReviewSpec 3:status:message:authorization.v1.SubjectRulesReviewStatus',
  'authorization.v1.ResourceAttributes':
    '1:namespace:string 2:verb:string 3:group:string 4:version:string 5:resource:string 6:subresource:string 7:name:string 8:fieldSelector:message:authorization.v1.FieldSelectorAttributes 9:labelSelector:message:authorization.v1.LabelSelectorAttributes',
  'authorization.v1.FieldSelectorAttributes':
    '1:rawSelector:string 2:requirements:repeated_message:meta.v1.FieldSelectorRequirement',
  'authorization.v1.LabelSelectorAttributes':
    '1:rawSelector:string 2:requirements:repeated_message:meta.v1.LabelSelectorRequirement',
  'authorization.v1.NonResourceAttributes': '1:path:string 2:verb:string',
  'authorization.v1.SubjectAccessReviewSpec':
    '1:resourceAttributes:message:authorization.v1.ResourceAttributes 2:nonResourceAttributes:message:authorization.v1.NonResourceAttributes 3:user:string 4:groups:repeated_string 5:extra:map_message:ExtraValue 6:uid:string',
  'authorization.v1.SelfSubjectAccessReviewSpec':
    '1:resourceAttributes:message:authorization.v1.ResourceAttributes 2:nonResourceAttributes:message:authorization.v1.NonResourceAttributes',
  'authorization.v1.SubjectAccessReviewStatus':
    '1:allowed:bool 2:reason:string 3:evaluationError:string 4:denied:bool',
  'authorization.v1.SelfSubjectRulesReviewSpec': '1:namespace:string',
  'authorization.v1.SubjectRulesReviewStatus':
    '1:resourceRules:repeated_message:authorization.v1.ResourceRule 2:nonResourceRules:repeated_message:authorization.v1.NonResourceRule 3:incomplete:bool 4:evaluationError:string',
  'authorization.v1.ResourceRule':
    '1:verbs:repeated_string 2:apiGroups:repeated_string 3:resources:repeated_string 4:resourceNames:repeated_string',
  'authorization.v1.NonResourceRule': '1:verbs:repeated_string 2:nonResourceURLs:repeated_string',
  'coordination.v1.Lease':
    '1:metadata:message:meta.v1.ObjectMeta 2:spec:message:coordination.v1.LeaseSpec',
  'coordination.v1.LeaseSpec':
    '1:holderIdentity:string 2:leaseDurationSeconds:int32 3:acquireTime:message:meta.v1.MicroTime 4:renewTime:message:meta.v1.MicroTime 5:leaseTransitions:int32 6:strategy:string 7:preferredHolder:string',
  'events.v1.Event':
    '1:metadata:message:meta.v1.ObjectMeta 2:eventTime:message:meta.v1.MicroTime 3:series:message:events.v1.EventSeries 4:reportingController:string 5:reportingInstance:string 6:action:string 7:reason:string 8:regarding:message:core.v1.ObjectReference 9:related:message:core.v1.ObjectReference 10:note:string 11:type:string 12:deprecatedSource:message:core.v1.EventSource 13:deprecatedFirstTimestamp:message:meta.v1.Time 14:deprecatedLastTimestamp:message:meta.v1.Time 15:deprecatedCount:int32',
  'events.v1.EventSeries': '1:count:int32 2:lastObservedTime:message:meta.v1.MicroTime',
  'scheduling.v1.PriorityClass':
    '1:metadata:message:meta.v1.ObjectMeta 2:value:int32 3:globalDefault:bool 4:description:string 5:preemptionPolicy:string',
  'policy.v1.PodDisruptionBudget':
    '1:metadata:message:meta.v1.ObjectMeta 2:spec:message:policy.v1.PodDisruptionBudgetSpec 3:status:message:policy.v1.PodDisruptionBudgetStatus',
  'policy.v1.PodDisruptionBudgetSpec':
    '1:minAvailable:message:intstr.IntOrString 2:selector:message:meta.v1.LabelSelector 3:maxUnavailable:message:intstr.IntOrString 4:unhealthyPodEvictionPolicy:string',
  'policy.v1.PodDisruptionBudgetStatus':
    '1:observedGeneration:int64 2:disruptedPods:map_message:meta.v1.Time 3:disruptionsAllowed:int32 4:currentHealthy:int32 5:desiredHealthy:int32 6:expectedPods:int32 7:conditions:repeated_message:meta.v1.Condition',
  'policy.v1.Eviction':
    '1:metadata:message:meta.v1.ObjectMeta 2:deleteOptions:message:meta.v1.DeleteOptions',
};

/** Where the JSON name (from the Go json tag) differs from the proto field name. */
const JSON_NAMES: Readonly<Record<string, string>> = {
  'authentication.v1.BoundObjectReference.uID': 'uid',
};

const typeText = (t: FieldType): string => {
  if (typeof t === 'string') return t;
  if ('message' in t) return `message:${t.message}`;
  if ('repeated' in t) {
    return `repeated_${typeof t.repeated === 'string' ? t.repeated : `message:${t.repeated.message}`}`;
  }
  return `map_${typeof t.map === 'string' ? t.map : `message:${t.map.message}`}`;
};

const refs = (t: FieldType): string[] => {
  if (typeof t === 'string') return [];
  if ('message' in t) return [t.message];
  const inner = 'repeated' in t ? t.repeated : t.map;
  return typeof inner === 'string' ? [] : [inner.message];
};

describe('messages.ts', () => {
  it('matches the protobuf descriptors compiled into kubectl 1.33, field for field', () => {
    expect(Object.keys(MESSAGES).sort()).toEqual(Object.keys(KUBECTL_1_33_DESCRIPTORS).sort());
    for (const [name, spec] of Object.entries(MESSAGES)) {
      const wire = [...spec.fields]
        .sort((a, b) => a.no - b.no)
        .map((f) => `${f.no}:${f.json}:${typeText(f.type)}`)
        .join(' ');
      const upstream = (KUBECTL_1_33_DESCRIPTORS[name] ?? '')
        .split(' ')
        .map((field) => {
          const [no, proto, ...type] = field.split(':');
          return [no, JSON_NAMES[`${name}.${proto}`] ?? proto, ...type].join(':');
        })
        .join(' ');
      expect(wire, name).toBe(upstream);
    }
  });

  it('refers only to messages it describes, with unique field numbers and JSON names', () => {
    for (const [name, spec] of Object.entries(MESSAGES)) {
      const fields: readonly FieldSpec[] = spec.fields;
      expect(new Set(fields.map((f) => f.no)).size, name).toBe(fields.length);
      expect(new Set(fields.map((f) => f.json)).size, name).toBe(fields.length);
      for (const f of fields) {
        for (const ref of refs(f.type))
          expect(Object.hasOwn(MESSAGES, ref), `${name}.${f.json}`).toBe(true);
        // 'pointer' and 'nullable' describe Go pointers, which lists and maps never are.
        if (typeof f.type === 'object' && !('message' in f.type)) {
          expect(['omitempty', 'always'], `${name}.${f.json}`).toContain(f.go);
        }
      }
    }
  });

  it('maps every supported kind to a described message with metadata first', () => {
    for (const [apiVersion, kinds] of Object.entries(KINDS)) {
      for (const [kind, name] of Object.entries(kinds)) {
        expect(messageForKind(apiVersion, kind)).toBe(name);
        const first = MESSAGES[name]?.fields[0];
        expect(first, `${apiVersion} ${kind}`).toMatchObject({ no: 1, json: 'metadata' });
      }
    }
    expect(messageForKind('apps/v1', 'DeleteOptions')).toBe('meta.v1.DeleteOptions');
    expect(messageForKind('apps/v1', 'Deployment')).toBeUndefined();
    expect(messageForKind('v1', 'toString')).toBeUndefined();
    expect(messageForKind('__proto__', 'Namespace')).toBeUndefined();
  });
});
