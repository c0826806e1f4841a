/** The structural schema of core/v1 Event (and the parts events.k8s.io/v1 shares). */
import {
  type BuiltinSchema,
  integer,
  microTime,
  object,
  objectReference,
  string,
  time,
} from '../../../apimachinery/schema/dsl.ts';

/** core/v1 EventSource: who reported an event. */
export function eventSource(description: string): BuiltinSchema {
  return object(description, {
    component: string('The component that reported the event, e.g. `kubelet`.'),
    host: string('The node the reporting component runs on.'),
  });
}

export const eventSchema: BuiltinSchema = object(
  'A record of something that happened to an object, such as a state change or an error. Events expire after a while and are informational: nothing should depend on their exact timing or wording.',
  {
    involvedObject: objectReference('The object the event is about.'),
    reason: string('Why it happened, as a short CamelCase word for machines (e.g. `BackOff`).'),
    message: string('A human-readable description of what happened.'),
    source: eventSource('The component that reported the event.'),
    firstTimestamp: time('When the event was first recorded.'),
    lastTimestamp: time('When the most recent occurrence was recorded.'),
    count: integer('How many times the event has occurred.', { format: 'int32' }),
    type: string('`Normal` or `Warning` (more types may come).'),
    eventTime: microTime('When the event was first observed, with microsecond precision.'),
    series: object(
      'For an event that keeps recurring: how many times so far and when last; absent for a one-off event.',
      {
        count: integer('Occurrences up to the last heartbeat.', { format: 'int32' }),
        lastObservedTime: microTime('When the last occurrence was seen.'),
      },
    ),
    action: string('What was done, or failed, to the object.'),
    related: objectReference('A second object involved, for more complex actions.'),
    reportingComponent: string(
      'The controller that emitted the event, e.g. `kubernetes.io/kubelet`.',
    ),
    reportingInstance: string('The instance of that controller, e.g. `kubelet-node-1`.'),
  },
  { required: ['metadata', 'involvedObject'] },
);
