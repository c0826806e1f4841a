/**
 * ValidatingAdmissionPolicy, as upstream applies it and as kcp scopes it: a write is
 * checked against the policies of its own logical cluster and — for a resource bound from
 * an APIExport — those of the export's workspace (`otherClusters`), each through the
 * bindings of the policy's cluster. A policy and a binding must both match the request
 * (resource rules, excluded rules, namespace and object selectors); then its match
 * conditions must hold, its variables are computed, and each validation that is false
 * fails with its message (or messageExpression, or `failed expression: …`). A failure
 * denies the write, adds a `Warning` header, or only counts for audit, as the binding's
 * validationActions say. An expression that cannot be evaluated fails the write under
 * failurePolicy Fail and is skipped under Ignore.
 *
 * Not supported: parameter objects (a binding with paramRef, or a policy with paramKind
 * and no paramRef, is an evaluation error), `authorizer`, audit annotations. Variables
 * are computed eagerly, so one that fails is a failure even if no rule reads it.
 */
import type {
  MatchResources,
  NamedRuleWithOperations,
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
  ValidationAction,
} from '../../api/admissionregistration/types.ts';
import { labelSelectorFromObject } from '../../apimachinery/labels.ts';
import type { JsonValue, KubeObject, LabelSelector } from '../../apimachinery/meta.ts';
import { type CostLimits, DEFAULT_COST_LIMITS, Meter } from '../../apimachinery/schema/cel/cost.ts';
import { compileDynamic, runDynamic, toDynamic } from '../../apimachinery/schema/cel/dynamic.ts';
import { qualifiedResource, StatusError } from '../../apimachinery/status.ts';
import { StoreFollower } from '../../controller/store-follower.ts';
import { parseObjectKey, resourcePrefix } from '../../storage/keys.ts';
import type { Store } from '../../storage/store.ts';
import { POLICY_VARIABLES } from '../builtin/admissionregistration/admission-policies.ts';
import type { AdmissionPlugin, AdmissionRequest } from './admission.ts';

const GROUP = 'admissionregistration.k8s.io';

/** A policy with the bindings of its cluster that name it. */
export interface BoundPolicy {
  readonly policy: ValidatingAdmissionPolicy;
  readonly bindings: readonly ValidatingAdmissionPolicyBinding[];
}

/** The policies and bindings of every logical cluster, followed from the store. */
export class AdmissionPolicies {
  readonly #policies = new Map<string, Map<string, ValidatingAdmissionPolicy>>();
  readonly #bindings = new Map<string, Map<string, ValidatingAdmissionPolicyBinding>>();
  readonly #followers: StoreFollower[];

  constructor(store: Store, onError?: (err: unknown) => void) {
    const follow = <T extends KubeObject>(resource: string, into: Map<string, Map<string, T>>) =>
      new StoreFollower(
        store,
        resourcePrefix({ group: GROUP, resource }),
        (key, value) => {
          const { cluster, name } = parseObjectKey(key);
          const byName = into.get(cluster) ?? new Map<string, T>();
          if (value === undefined) byName.delete(name);
          else byName.set(name, JSON.parse(value) as T);
          if (byName.size === 0) into.delete(cluster);
          else into.set(cluster, byName);
        },
        onError ? { onError } : {},
      );
    this.#followers = [
      follow('validatingadmissionpolicies', this.#policies),
      follow('validatingadmissionpolicybindings', this.#bindings),
    ];
  }

  async start(): Promise<void> {
    await Promise.all(this.#followers.map((f) => f.start()));
  }

  stop(): void {
    for (const f of this.#followers) f.stop();
  }

  /** The bound policies of a cluster, as of every acknowledged write. */
  in(cluster: string): BoundPolicy[] {
    for (const f of this.#followers) f.drain();
    const policies = this.#policies.get(cluster);
    if (!policies) return [];
    const bindings = [...(this.#bindings.get(cluster)?.values() ?? [])];
    return [...policies.values()].map((policy) => ({
      policy,
      bindings: bindings.filter((b) => b.spec?.policyName === policy.metadata.name),
    }));
  }
}

export interface PolicyLookups {
  /** The bound policies of a cluster. */
  readonly policies: (cluster: string) => readonly BoundPolicy[];
  /** Other clusters whose policies apply to the request (kcp: the bound resource's export). */
  readonly otherClusters?: (request: AdmissionRequest) => readonly string[];
  /** The labels of a namespace (undefined when it does not exist). */
  readonly namespaceLabels: (
    cluster: string,
    namespace: string,
  ) => Promise<Record<string, string> | undefined>;
  /** The CEL budget of one request, all policies together (default: a CRD's per object). */
  readonly costLimits?: CostLimits;
}

const includes = (list: readonly string[] | undefined, value: string) =>
  (list ?? []).includes('*') || (list ?? []).includes(value);

/** Whether a rule names the request's operation, group, version, resource and name. */
export function ruleMatches(
  rule: NamedRuleWithOperations,
  request: AdmissionRequest,
  equivalent: boolean,
): boolean {
  const { type, version } = request.scope;
  if (!includes(rule.operations, request.operation)) return false;
  if (!includes(rule.apiGroups, type.group)) return false;
  const versions = rule.apiVersions ?? [];
  if (!versions.includes('*') && !versions.includes(version)) {
    // Equivalent: the same resource in another version it is served in.
    if (!(equivalent && versions.some((v) => type.versions.includes(v)))) return false;
  }
  const plural = type.names.plural;
  const sub = request.subresource;
  const resources = rule.resources ?? [];
  const named = sub ? [`${plural}/${sub}`, `*/${sub}`, `${plural}/*`, '*/*'] : [plural, '*'];
  if (!resources.some((r) => named.includes(r))) return false;
  if ((rule.resourceNames ?? []).length > 0 && !(rule.resourceNames ?? []).includes(request.name))
    return false;
  const scope = rule.scope ?? '*';
  if (scope === 'Cluster' && type.namespaced) return false;
  if (scope === 'Namespaced' && !type.namespaced) return false;
  return true;
}

const selects = (selector: LabelSelector | undefined, labels: Record<string, string> | undefined) =>
  labelSelectorFromObject(selector ?? {}).matches(labels ?? {});

/** Whether match resources (a policy's constraints or a binding's narrowing) take the request. */
async function matches(
  match: MatchResources | undefined,
  request: AdmissionRequest,
  lookups: PolicyLookups,
  needRules: boolean,
): Promise<boolean> {
  if (!match) return !needRules;
  const equivalent = (match.matchPolicy ?? 'Equivalent') === 'Equivalent';
  const rules = match.resourceRules ?? [];
  if ((needRules || rules.length > 0) && !rules.some((r) => ruleMatches(r, request, equivalent)))
    return false;
  if ((match.excludeResourceRules ?? []).some((r) => ruleMatches(r, request, equivalent)))
    return false;
  const objectLabels = [request.object, request.oldObject]
    .filter((o): o is KubeObject => o !== undefined)
    .map((o) => o.metadata.labels ?? {});
  if (!objectLabels.some((labels) => selects(match.objectSelector, labels))) return false;
  const { type } = request.scope;
  if (type.group === '' && type.names.plural === 'namespaces') {
    return objectLabels.some((labels) => selects(match.namespaceSelector, labels));
  }
  if (!type.namespaced || !request.namespace) return true;
  const selector = match.namespaceSelector ?? {};
  if (!selector.matchLabels && !(selector.matchExpressions ?? []).length) return true;
  const labels = await lookups.namespaceLabels(request.scope.cluster, request.namespace);
  return selects(selector, labels);
}

/** The `request` variable, as upstream's AdmissionRequest reads in CEL. */
function requestValue(request: AdmissionRequest): JsonValue {
  const { type, version, user } = request.scope;
  const kind = { group: type.group, version, kind: type.names.kind };
  const resource = { group: type.group, version, resource: type.names.plural };
  return {
    kind,
    resource,
    requestKind: kind,
    requestResource: resource,
    subResource: request.subresource,
    name: request.name,
    namespace: request.namespace ?? '',
    operation: request.operation,
    userInfo: {
      username: user.username,
      uid: user.uid ?? '',
      groups: [...user.groups],
      extra: Object.fromEntries(Object.entries(user.extra ?? {}).map(([k, v]) => [k, [...v]])),
    },
    dryRun: request.dryRun,
  };
}

/** A failed validation: what it says and how it is reported. */
interface Failure {
  readonly policy: string;
  readonly binding: string;
  readonly actions: readonly ValidationAction[];
  readonly message: string;
  readonly reason: PolicyReason;
}

type PolicyReason = 'Unauthorized' | 'Forbidden' | 'Invalid' | 'RequestEntityTooLarge';
const CODES: Record<PolicyReason, number> = {
  Unauthorized: 401,
  Forbidden: 403,
  Invalid: 422,
  RequestEntityTooLarge: 413,
};
const isPolicyReason = (r: string | undefined): r is PolicyReason =>
  r !== undefined && Object.hasOwn(CODES, r);

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Evaluates one policy for a request: its failures (empty when it passes or is skipped). */
async function evaluate(
  bound: BoundPolicy,
  request: AdmissionRequest,
  lookups: PolicyLookups,
  meter: Meter,
): Promise<Failure[]> {
  const { policy } = bound;
  const spec = policy.spec ?? {};
  if (!(await matches(spec.matchConstraints, request, lookups, true))) return [];
  const failures: Failure[] = [];
  for (const binding of bound.bindings) {
    if (!(await matches(binding.spec?.matchResources, request, lookups, false))) continue;
    const actions = binding.spec?.validationActions ?? [];
    const fail = (message: string, reason: PolicyReason = 'Invalid') =>
      failures.push({
        policy: policy.metadata.name ?? '',
        binding: binding.metadata.name ?? '',
        actions,
        message,
        reason,
      });
    const onError = (message: string) => {
      if ((spec.failurePolicy ?? 'Fail') === 'Fail') fail(message);
    };
    if (binding.spec?.paramRef || spec.paramKind) {
      onError('parameter objects (paramKind, paramRef) are not supported by this server');
      continue;
    }
    const values: Record<string, unknown> = {
      object: request.object ? toDynamic(request.object as JsonValue) : null,
      oldObject: request.oldObject ? toDynamic(request.oldObject as JsonValue) : null,
      request: toDynamic(requestValue(request)),
      params: null,
      namespaceObject: null,
      variables: new Map<string, unknown>(),
    };
    const run = (text: string, want?: 'bool' | 'string') => {
      const compiled = compileDynamic(text, POLICY_VARIABLES, want);
      if (!compiled.ok) throw new Error(compiled.error);
      return runDynamic(compiled.program, values, meter);
    };
    try {
      if ((spec.matchConditions ?? []).some((c) => run(c.expression, 'bool') !== true)) continue;
    } catch (err) {
      onError(`a match condition resulted in error: ${errorText(err)}`);
      continue;
    }
    try {
      for (const v of spec.variables ?? [])
        (values.variables as Map<string, unknown>).set(v.name, run(v.expression));
    } catch (err) {
      onError(`a variable resulted in error: ${errorText(err)}`);
      continue;
    }
    for (const validation of spec.validations ?? []) {
      let passed: unknown;
      try {
        passed = run(validation.expression, 'bool');
      } catch (err) {
        onError(`expression '${validation.expression}' resulted in error: ${errorText(err)}`);
        continue;
      }
      if (passed === true) continue;
      let message = validation.message || `failed expression: ${validation.expression.trim()}`;
      if (validation.messageExpression) {
        try {
          const said = run(validation.messageExpression, 'string');
          if (typeof said === 'string' && said.trim() && !/[\r\n]/.test(said))
            message = said.trim();
        } catch {
          // Upstream falls back to message when messageExpression fails.
        }
      }
      fail(message, isPolicyReason(validation.reason) ? validation.reason : 'Invalid');
    }
  }
  return failures;
}

/** The ValidatingAdmissionPolicy admission plugin. */
export function validatingAdmissionPolicy(lookups: PolicyLookups): AdmissionPlugin {
  return {
    name: 'ValidatingAdmissionPolicy',
    async validate(request) {
      const clusters = [request.scope.cluster, ...(lookups.otherClusters?.(request) ?? [])];
      const failures: Failure[] = [];
      // One budget for every policy of the request, as for a CRD's rules on one object: no
      // number of policies can hold the server longer than that.
      const meter = new Meter(lookups.costLimits ?? DEFAULT_COST_LIMITS);
      for (const cluster of new Set(clusters))
        for (const bound of lookups.policies(cluster))
          failures.push(...(await evaluate(bound, request, lookups, meter)));
      for (const f of failures)
        if (f.actions.includes('Warn'))
          request.warnings.push(
            `Validation failed for ValidatingAdmissionPolicy '${f.policy}' with binding '${f.binding}': ${f.message}`,
          );
      const denied = failures.find((f) => f.actions.includes('Deny'));
      if (denied) {
        const { type } = request.scope;
        const ref = { group: type.group, resource: type.names.plural };
        const what = request.name
          ? `${qualifiedResource(ref)} "${request.name}"`
          : qualifiedResource(ref);
        throw new StatusError({
          code: CODES[denied.reason],
          reason: denied.reason,
          message: `${what} is forbidden: ValidatingAdmissionPolicy '${denied.policy}' with binding '${denied.binding}' denied request: ${denied.message}`,
          details: {
            group: type.group,
            kind: type.names.plural,
            ...(request.name ? { name: request.name } : {}),
          },
        });
      }
    },
  };
}
