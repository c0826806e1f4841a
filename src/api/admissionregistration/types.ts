/**
 * admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy and its binding: CEL rules a
 * write must pass, and where and how they apply (deny, warn, audit). In kcp a policy in an
 * APIExport's workspace also applies to the export's resources in every workspace that
 * binds it, which is how a provider warns tenants about fields its service ignores.
 */
import type { KubeObject, LabelSelector } from '../../apimachinery/meta.ts';

export const ADMISSION_GROUP = 'admissionregistration.k8s.io';

/** Operations, API groups, versions and resources a policy is about. */
export type NamedRuleWithOperations = {
  operations?: string[];
  apiGroups?: string[];
  apiVersions?: string[];
  /** `resource`, `resource/subresource`, `*`, `*\/*`, `resource/*`, `*\/subresource`. */
  resources?: string[];
  resourceNames?: string[];
  /** Cluster, Namespaced or * (the default). */
  scope?: string;
};

export type MatchResources = {
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  resourceRules?: NamedRuleWithOperations[];
  excludeResourceRules?: NamedRuleWithOperations[];
  /** Exact or Equivalent (the default). */
  matchPolicy?: string;
};

export type PolicyValidation = {
  expression: string;
  message?: string;
  messageExpression?: string;
  /** Unauthorized, Forbidden, Invalid (the default) or RequestEntityTooLarge. */
  reason?: string;
};

export type NamedExpression = { name: string; expression: string };

export type ValidatingAdmissionPolicySpec = {
  paramKind?: { apiVersion?: string; kind?: string };
  matchConstraints?: MatchResources;
  validations?: PolicyValidation[];
  /** Fail (the default) or Ignore: what an expression that cannot be evaluated does. */
  failurePolicy?: string;
  auditAnnotations?: Array<{ key: string; valueExpression: string }>;
  matchConditions?: NamedExpression[];
  variables?: NamedExpression[];
};

export interface ValidatingAdmissionPolicy extends KubeObject {
  spec?: ValidatingAdmissionPolicySpec;
}

/** What a failed validation does: refuse the write, warn its client, or note it for audit. */
export type ValidationAction = 'Deny' | 'Warn' | 'Audit';

export type ValidatingAdmissionPolicyBindingSpec = {
  policyName?: string;
  paramRef?: { name?: string; namespace?: string; selector?: LabelSelector };
  matchResources?: MatchResources;
  validationActions?: ValidationAction[];
};

export interface ValidatingAdmissionPolicyBinding extends KubeObject {
  spec?: ValidatingAdmissionPolicyBindingSpec;
}
