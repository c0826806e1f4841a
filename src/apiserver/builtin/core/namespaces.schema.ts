/** The structural schema of core/v1 Namespace. */
import {
  array,
  atomicStrings,
  type BuiltinSchema,
  condition,
  object,
  string,
} from '../../../apimachinery/schema/dsl.ts';

export const namespaceSchema: BuiltinSchema = object(
  'A scope for names: most objects live in exactly one namespace, and deleting a namespace deletes everything in it.',
  {
    spec: object('What the namespace should be.', {
      finalizers: atomicStrings(
        'Opaque values that must all be removed before a deleted namespace disappears; `kubernetes` stays until the namespace has been emptied.',
      ),
    }),
    status: object('What the namespace currently is, reported by the server.', {
      phase: string(
        'Lifecycle phase: `Active`, or `Terminating` once deletion has started and content is being removed.',
      ),
      conditions: array(
        'The latest observations of the namespace, one per condition type.',
        condition('One observation of the namespace, such as a failure to delete its content.', {
          type: 'The kind of observation, e.g. NamespaceDeletionContentFailure.',
          status: 'Whether the condition holds: True, False or Unknown.',
        }),
        {
          listType: 'map',
          mapKeys: ['type'],
          patchStrategy: 'merge',
          patchMergeKey: 'type',
        },
      ),
    }),
  },
);
