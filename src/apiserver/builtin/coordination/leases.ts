/**
 * Leases (coordination.k8s.io/v1): the leader-election and heartbeat records. Validation
 * of the spec (durations, transitions, MicroTime stamps, the coordinated-election
 * strategy) and the NAME / HOLDER / AGE table.
 *
 * See also: no admission plugin or controller of its own. Written by leader election
 * (controller/leader-election.ts; over HTTP through controller/kube/leases.ts for the sync
 * agent and the hub; in process for the server's controllers, server/controller-leadership.ts).
 */

import type { LeaseSpec } from '../../../api/coordination/types.ts';
import {
  type ErrorList,
  FieldPath,
  forbidden,
  invalid,
  notSupported,
  typeInvalid,
} from '../../../apimachinery/field-errors.ts';
import { isQualifiedName } from '../../../apimachinery/labels.ts';
import { isJsonObject, type KubeObject } from '../../../apimachinery/meta.ts';
import { AGE_COLUMN, column, NAME_COLUMN } from '../../../apimachinery/table.ts';
import { age } from '../age.ts';
import { checkInt32, checkString, validateMicroTime } from '../core/events.ts';
import { builtin } from '../define.ts';
import { leaseSchema } from './leases.schema.ts';

/** The strategies Kubernetes itself defines; others must be domain-qualified names. */
export const LEASE_STRATEGIES = ['OldestEmulationVersion'] as const;

const SPEC = FieldPath.root('spec');

function validateStrategy(strategy: string): ErrorList {
  // Upstream nests the field name once more than the spec path; clients see that path.
  const path = SPEC.child('strategy', 'strategy');
  if (!strategy.includes('/')) {
    return (LEASE_STRATEGIES as readonly string[]).includes(strategy)
      ? []
      : [notSupported(path, strategy, LEASE_STRATEGIES)];
  }
  return isQualifiedName(strategy).map((msg) => invalid(path, strategy, msg));
}

function validate(obj: KubeObject): ErrorList {
  const spec = obj.spec;
  if (spec === undefined || spec === null) return [];
  if (!isJsonObject(spec)) return [typeInvalid(SPEC, spec, 'must be an object')];
  const shape: ErrorList = [
    ...checkString(spec.holderIdentity, SPEC.child('holderIdentity')),
    ...checkInt32(spec.leaseDurationSeconds, SPEC.child('leaseDurationSeconds')),
    ...validateMicroTime(spec.acquireTime, SPEC.child('acquireTime')),
    ...validateMicroTime(spec.renewTime, SPEC.child('renewTime')),
    ...checkInt32(spec.leaseTransitions, SPEC.child('leaseTransitions')),
    ...checkString(spec.strategy, SPEC.child('strategy')),
    ...checkString(spec.preferredHolder, SPEC.child('preferredHolder')),
  ];
  if (shape.length > 0) return shape;

  const s = spec as LeaseSpec;
  const errs: ErrorList = [];
  if (typeof s.leaseDurationSeconds === 'number' && s.leaseDurationSeconds <= 0) {
    errs.push(
      invalid(SPEC.child('leaseDurationSeconds'), s.leaseDurationSeconds, 'must be greater than 0'),
    );
  }
  if (typeof s.leaseTransitions === 'number' && s.leaseTransitions < 0) {
    errs.push(
      invalid(
        SPEC.child('leaseTransitions'),
        s.leaseTransitions,
        'must be greater than or equal to 0',
      ),
    );
  }
  if (typeof s.strategy === 'string') errs.push(...validateStrategy(s.strategy));
  if (s.preferredHolder && !s.strategy) {
    errs.push(
      forbidden(SPEC.child('preferredHolder'), 'may only be specified if `strategy` is defined'),
    );
  }
  return errs;
}

function holder(obj: KubeObject): string {
  const spec = obj.spec;
  return isJsonObject(spec) && typeof spec.holderIdentity === 'string' ? spec.holderIdentity : '';
}

export const leases = builtin({
  group: 'coordination.k8s.io',
  version: 'v1',
  plural: 'leases',
  singular: 'lease',
  kind: 'Lease',
  namespaced: true,
  schema: leaseSchema,
  definitionName: 'io.k8s.api.coordination.v1.Lease',
  strategy: {
    validate,
    allowCreateOnUpdate: true,
    // Leader election relies on optimistic concurrency: an update must name the version
    // it read.
    allowUnconditionalUpdate: false,
    columns: [
      NAME_COLUMN,
      column(
        'Holder',
        'string',
        'holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.',
      ),
      AGE_COLUMN,
    ],
    cells: (obj, now) => [obj.metadata.name, holder(obj), age(obj, now)],
  },
});
