/**
 * Unit-test helpers for admission plugins: a request as the REST storage builds it, and
 * a plugin's decision as one line (`allowed`, or the Status code and message it refused
 * with), so a table of cases reads as what a client would see.
 */
import type { KubeObject } from '../../apimachinery/meta.ts';
import { isStatusError } from '../../apimachinery/status.ts';
import type { ResourceType, Subresource } from '../registry/resource-type.ts';
import type { UserInfo } from '../rest/scope.ts';
import type { AdmissionPlugin, AdmissionRequest, Operation } from './admission.ts';

export const ADMIN: UserInfo = { username: 'admin', groups: ['system:masters'] };
export const ALICE: UserInfo = { username: 'alice', groups: ['system:authenticated'] };

export function admissionRequest(input: {
  readonly type: ResourceType;
  readonly operation: Operation;
  readonly user: UserInfo;
  readonly object?: KubeObject;
  readonly oldObject?: KubeObject;
  readonly subresource?: Subresource;
  readonly cluster?: string;
  readonly namespace?: string;
}): AdmissionRequest {
  const { object, oldObject } = input;
  return {
    operation: input.operation,
    scope: {
      cluster: input.cluster ?? 'root',
      type: input.type,
      version: input.type.storageVersion,
      user: input.user,
      ...(input.namespace ? { namespace: input.namespace } : {}),
    },
    name: object?.metadata.name ?? oldObject?.metadata.name ?? '',
    namespace: input.namespace,
    subresource: input.subresource ?? '',
    object,
    oldObject,
    dryRun: false,
    warnings: [],
  };
}

/** Runs mutating then validating admission: `allowed`, or `<code> <message>` of the refusal. */
export async function admissionDecision(
  plugin: AdmissionPlugin,
  request: AdmissionRequest,
): Promise<string> {
  try {
    await plugin.admit?.(request);
    await plugin.validate?.(request);
    return 'allowed';
  } catch (err) {
    if (isStatusError(err)) return `${err.code} ${err.status.message}`;
    throw err;
  }
}
