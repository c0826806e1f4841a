/**
 * tenancy.kcp.io/v1alpha1 WorkspaceType: what a kind of workspace is — its initializers,
 * which types it may contain or be contained by, its default child type.
 *
 * See also: Admission: WorkspaceAdmission (`use`, allowed parents and children), SystemFields
 * (status). Controller: tenancy/controllers/initialization/ (the built-in initializer).
 * Resolution of references and `extend`: tenancy/workspace-types.ts.
 */

import { TENANCY_GROUP } from '../../api/tenancy/types.ts';
import { array, boolean, object, string, stringMap } from '../../apimachinery/schema/dsl.ts';
import type { JSONSchemaProps } from '../../apimachinery/schema/types.ts';
import { policyRule } from '../../apiserver/builtin/rbac/roles.schema.ts';
import { systemType } from '../../apiserver/registry/system-type.ts';
import { kcpCondition, typeReference, workspacePath } from './common.ts';

const constraint = (description: string): JSONSchemaProps => ({
  ...object(description, {
    none: boolean('No type matches.'),
    types: {
      ...array(
        'Types that match; a type extending one of them matches too.',
        typeReference('A workspace type.'),
      ),
      minItems: 1,
    },
  }),
  oneOf: [{ required: ['none'] }, { required: ['types'] }],
});

const schema: JSONSchemaProps = {
  type: 'object',
  description:
    'A kind of workspace: how its workspaces are initialized and where they may be nested.',
  properties: {
    apiVersion: string('The API version of this object.'),
    kind: string('The kind of this object: WorkspaceType.'),
    metadata: {
      type: 'object',
      properties: {
        name: {
          type: 'string',
          minLength: 1,
          maxLength: 63,
          pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$',
          not: { enum: ['system', 'any'] },
        },
      },
    },
    spec: object('How workspaces of this type behave.', {
      initializer: boolean(
        'Whether a controller initializes workspaces of this type (its name is `<path>:<type>`).',
      ),
      terminator: boolean(
        'Whether a controller must finish before workspaces of this type are deleted.',
      ),
      extend: object(
        'Types this one extends: it inherits their initializers and counts as them in constraints.',
        {
          with: array('The extended types.', typeReference('A workspace type.')),
        },
      ),
      additionalWorkspaceLabels: stringMap('Labels added to every workspace of this type.'),
      defaultChildWorkspaceType: {
        ...typeReference('The type of child workspaces created without one.'),
        default: { name: 'universal', path: 'root' },
      },
      limitAllowedChildren: constraint('Which types child workspaces may have.'),
      limitAllowedParents: constraint('Which types the parent workspace may have.'),
      defaultAPIBindings: array(
        'APIs bound into every new workspace of this type.',
        object(
          'An API export.',
          {
            path: workspacePath('Workspace of the export; empty for this one.'),
            export: string('Name of the APIExport.'),
          },
          { required: ['export'] },
        ),
      ),
      defaultAPIBindingLifecycle: string(
        'Whether default bindings are only made at initialization or kept in place.',
        { enum: ['InitializeOnly', 'Maintain'] },
      ),
      authenticationConfigurations: array(
        'Extra authentication for workspaces of this type.',
        object(
          'A reference.',
          { name: string('Name of the configuration.') },
          { required: ['name'] },
        ),
      ),
      initializerPermissions: array(
        'Permissions of the initializing controller inside new workspaces.',
        policyRule('A permission rule.'),
      ),
      terminatorPermissions: array(
        'Permissions of the terminating controller inside deleted workspaces.',
        policyRule('A permission rule.'),
      ),
    }),
    status: object('What the type is now.', {
      conditions: array('Observations of the type’s state.', kcpCondition()),
      virtualWorkspaces: array(
        'Where the initializing and terminating virtual workspaces are.',
        object('A URL.', { url: string('The URL.') }, { required: ['url'] }),
      ),
    }),
  },
};

export const workspaceTypes = systemType({
  group: TENANCY_GROUP,
  plural: 'workspacetypes',
  singular: 'workspacetype',
  kind: 'WorkspaceType',
  categories: ['kcp'],
  versions: [{ name: 'v1alpha1', schema }],
});
