/**
 * coordination.k8s.io/v1 Lease: the record leader election and heartbeats write. Nested
 * fields may be null, as the Go client sends them.
 */
import type { KubeObject } from '../../apimachinery/meta.ts';

export type LeaseSpec = {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number | null;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number | null;
  strategy?: string | null;
  preferredHolder?: string | null;
};

export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}
