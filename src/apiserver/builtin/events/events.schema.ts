/** The structural schema of events.k8s.io/v1 Event. */

import {
  type BuiltinSchema,
  integer,
  microTime,
  object,
  objectReference,
  string,
  time,
} from '../../../apimachinery/schema/dsl.ts';
import { eventSource } from '../core/events.schema.ts';

export const eventV1Schema: BuiltinSchema = object(
  'A record of something that happened to an object, reported by a controller. Events expire after a while and are informational: nothing should depend on their exact timing or wording.',
  {
    eventTime: microTime('When the event was first observed. Required.'),
    series: object(
      'For an event that keeps recurring: how many times so far and when last; absent for a one-off event.',
      {
        count: integer('Occurrences up to the last heartbeat.', { format: 'int32' }),
        lastObservedTime: microTime('When the last occurrence was seen.'),
      },
      { required: ['count', 'lastObservedTime'] },
    ),
    reportingController: string(
      'The controller that emitted the event, e.g. `kubernetes.io/kubelet`. Required for new events.',
    ),
    reportingInstance: string(
      'The instance of that controller, e.g. `kubelet-node-1`. Required for new events; at most 128 characters.',
    ),
    action: string(
      'What was done, or failed, to the regarding object, for machines. Required for new events; at most 128 characters.',
    ),
    reason: string(
      'Why the action was taken, for humans and machines. Required for new events; at most 128 characters.',
    ),
    regarding: objectReference(
      'The object the event is about, usually one the reporting controller manages.',
    ),
    related: objectReference(
      'A second object involved, e.g. one the regarding object caused to be created or deleted.',
    ),
    note: string('A human-readable description of what happened; at most 1 kB.'),
    type: string('`Normal` or `Warning` (more types may come). Required for new events.'),
    deprecatedSource: eventSource(
      'The reporter as core/v1 events record it; kept for compatibility.',
    ),
    deprecatedFirstTimestamp: time('core/v1 firstTimestamp, kept for compatibility.'),
    deprecatedLastTimestamp: time('core/v1 lastTimestamp, kept for compatibility.'),
    deprecatedCount: integer('core/v1 count, kept for compatibility.', { format: 'int32' }),
  },
  { required: ['eventTime'] },
);
