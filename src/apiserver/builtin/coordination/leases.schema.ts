/** The structural schema of coordination.k8s.io/v1 Lease. */
import {
  type BuiltinSchema,
  integer,
  microTime,
  object,
  string,
} from '../../../apimachinery/schema/dsl.ts';

export const leaseSchema: BuiltinSchema = object(
  'A time-limited claim held by one party at a time, used for leader election and node heartbeats.',
  {
    spec: object('Who holds the lease and for how long.', {
      holderIdentity: string('The identity of the current holder.'),
      leaseDurationSeconds: integer(
        'How long, counted from renewTime, others must wait before they may take the lease over.',
        { format: 'int32' },
      ),
      acquireTime: microTime('When the current holder acquired the lease.'),
      renewTime: microTime('When the current holder last renewed the lease.'),
      leaseTransitions: integer('How many times the lease has changed holders.', {
        format: 'int32',
      }),
      strategy: string(
        'How coordinated leader election picks the holder (e.g. `OldestEmulationVersion`); absent means no coordination.',
      ),
      preferredHolder: string(
        'A better-suited holder the current one should hand the lease to; only with strategy.',
      ),
    }),
  },
);
