/** The structural schema of core/v1 ServiceAccount. */
import {
  array,
  type BuiltinSchema,
  boolean,
  localObjectReference,
  object,
  objectReference,
} from '../../../apimachinery/schema/dsl.ts';

export const serviceAccountSchema: BuiltinSchema = object(
  'An identity that processes in pods (and controllers) run as, authenticated by the tokens issued for it.',
  {
    secrets: array(
      'Secrets in the same namespace that pods running as this account may use (enforced only with the `kubernetes.io/enforce-mountable-secrets` annotation). Only the names matter. Not the way to obtain tokens: request them from the token subresource.',
      // Go's zero value stands in for a missing name, which keeps the list-map key defined.
      objectReference('A secret in the same namespace, by name.', ''),
      { listType: 'map', mapKeys: ['name'], patchStrategy: 'merge', patchMergeKey: 'name' },
    ),
    imagePullSecrets: array(
      'Secrets in the same namespace holding registry credentials, used to pull the images of pods that run as this account.',
      localObjectReference('A registry credential secret in the same namespace.'),
      { listType: 'atomic' },
    ),
    automountServiceAccountToken: boolean(
      'Whether pods running as this account get an API token mounted automatically; a pod may override it.',
    ),
  },
);
