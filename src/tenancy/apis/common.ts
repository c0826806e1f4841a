/** Schema pieces the kcp APIs share: workspace type references, conditions, paths. */
import { type BuiltinSchema, object, string } from '../../apimachinery/schema/dsl.ts';

const PATH_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(:[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
export const INITIALIZER_PATTERN =
  '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(:[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(:[a-z0-9][a-z0-9]([-a-z0-9]*[a-z0-9])?))|(system:.+)$';

export function workspacePath(description: string): BuiltinSchema {
  return string(description, { pattern: PATH_PATTERN });
}

export function typeReference(description: string): BuiltinSchema {
  return object(
    description,
    {
      name: string('Name of the WorkspaceType.', { pattern: '^[a-z]([a-z0-9-]{0,61}[a-z0-9])?' }),
      path: workspacePath(
        'Absolute path of the workspace the WorkspaceType lives in, e.g. root or root:org.',
      ),
    },
    { required: ['name'] },
  );
}

/** kcp's conditions carry a severity next to the usual fields. */
export function kcpCondition(): BuiltinSchema {
  return object(
    'One observation of the object’s state.',
    {
      type: string('What the condition is about, in CamelCase.'),
      status: string('True, False or Unknown.'),
      severity: string('How bad a False condition is: Error, Warning or Info.'),
      lastTransitionTime: string('When the status last changed.', { format: 'date-time' }),
      reason: string('A one-word, CamelCase reason for the last transition.'),
      message: string('A human-readable explanation of the last transition.'),
    },
    { required: ['type', 'status', 'lastTransitionTime'] },
  );
}

export const PHASES = ['Scheduling', 'Initializing', 'Ready', 'Unavailable', 'Terminating'];
