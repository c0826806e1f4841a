/** Schema pieces the apis.kcp.io types share. */
import {
  array,
  type BuiltinSchema,
  labelSelector,
  object,
  string,
} from '../../apimachinery/schema/dsl.ts';
import { kcpCondition, workspacePath } from '../../tenancy/apis/common.ts';

export { kcpCondition };

export const GROUP_PATTERN =
  '^(|[a-z0-9]([-a-z0-9]*[a-z0-9](\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?)$';
export const RESOURCE_PATTERN = '^[a-z][-a-z0-9]*[a-z0-9]$';

export function exportReference(description: string): BuiltinSchema {
  return object(
    description,
    {
      export: object(
        'The APIExport: where it is and its name. Binding to it needs the `bind` verb on it.',
        {
          path: workspacePath(
            'Path of the workspace the APIExport is in; empty for this workspace.',
          ),
          name: string('Name of the APIExport.'),
        },
        { required: ['name'] },
      ),
    },
    { required: ['export'] },
  );
}

export function claimIdentity(): Record<string, BuiltinSchema> {
  return {
    group: string('API group of the claimed resource; empty for the core group.', {
      pattern: GROUP_PATTERN,
    }),
    resource: string('The claimed resource (plural).', { pattern: RESOURCE_PATTERN }),
    identityHash: string(
      'Identity of the APIExport the claimed resource comes from; empty for built-in resources.',
    ),
  };
}

export function verbs(description: string): BuiltinSchema {
  return {
    ...array(description, string('A verb, or * for all.'), { listType: 'set' }),
    minItems: 1,
  };
}

export function claimSelector(description: string): BuiltinSchema {
  const selector = labelSelector(description);
  return {
    ...selector,
    properties: {
      ...selector.properties,
      matchAll: { type: 'boolean', description: 'Every object of the resource.' },
    },
  };
}

export function v1alpha1ResourceSelectors(): BuiltinSchema {
  return array(
    'Objects claimed by name and namespace (v1alpha1).',
    object('Names and namespaces of claimed objects.', {
      names: array('Names; "*" for all.', string('A name.'), { listType: 'set' }),
      namespaces: array('Namespaces; "*" for all.', string('A namespace.'), { listType: 'set' }),
    }),
  );
}
