/**
 * tenancy.kcp.io/v1alpha1 Workspace: a child logical cluster, named in its parent. The
 * schema follows kcp's: a DNS-label name, an immutable type, cluster and URL set by the
 * system and never unset, phases from Scheduling to Ready.
 *
 * See also: Admission: WorkspaceAdmission (tenancy/admission/workspace-admission.ts),
 * SystemFields (tenancy/admission/system-fields-admission.ts). Controller:
 * tenancy/controllers/workspace/ (scheduling, phase, deletion).
 */

import { TENANCY_GROUP } from '../../api/tenancy/types.ts';
import { array, labelSelector, object, string } from '../../apimachinery/schema/dsl.ts';
import type { JSONSchemaProps } from '../../apimachinery/schema/types.ts';
import { AGE, systemType } from '../../apiserver/registry/system-type.ts';
import { INITIALIZER_PATTERN, kcpCondition, PHASES, typeReference } from './common.ts';

const schema: JSONSchemaProps = {
  type: 'object',
  description:
    'A workspace: a Kubernetes-like cluster of its own (a logical cluster) nested in its parent, reachable at its URL with any Kubernetes client.',
  properties: {
    apiVersion: string('The API version of this object.'),
    kind: string('The kind of this object: Workspace.'),
    metadata: {
      type: 'object',
      properties: {
        name: {
          type: 'string',
          minLength: 1,
          maxLength: 63,
          pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$',
        },
      },
    },
    spec: {
      ...object('What the workspace should be.', {
        type: {
          ...typeReference(
            'The WorkspaceType of the workspace, fixed at creation. Without one, the parent’s default child type applies. Creating a workspace of a type needs the `use` verb on it.',
          ),
          'x-kubernetes-validations': [
            { rule: 'self.name == oldSelf.name', message: 'name is immutable' },
            { rule: 'has(oldSelf.path) == has(self.path)', message: 'path is immutable' },
            {
              rule: '!has(oldSelf.path) || !has(self.path) || self.path == oldSelf.path',
              message: 'path is immutable',
            },
          ],
        },
        location: object('Where the workspace may be scheduled.', {
          selector: labelSelector('Labels of the shards the workspace may be placed on.'),
        }),
        cluster: {
          ...string('The logical cluster the workspace is stored as. Set by the system.'),
          'x-kubernetes-validations': [
            { rule: 'self == oldSelf', message: 'cluster is immutable' },
          ],
        },
        URL: string(
          'Where the workspace is served, for kubeconfigs and clients. Set by the system.',
        ),
        mount: {
          ...object(
            'An object that serves the workspace instead of a logical cluster.',
            {
              ref: object(
                'The mounted object.',
                {
                  apiVersion: string('API version of the object.'),
                  kind: string('Kind of the object.'),
                  name: string('Name of the object.'),
                  namespace: string('Namespace of the object.'),
                },
                { required: ['apiVersion', 'kind', 'name'] },
              ),
            },
            { required: ['ref'] },
          ),
          'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'mount is immutable' }],
        },
      }),
      default: {},
      'x-kubernetes-validations': [
        { rule: '!has(oldSelf.URL) || has(self.URL)', message: 'URL cannot be unset' },
        { rule: '!has(oldSelf.cluster) || has(self.cluster)', message: 'cluster cannot be unset' },
      ],
    },
    status: {
      ...object('What the workspace is now.', {
        phase: {
          ...string('Scheduling, Initializing, Ready or Unavailable.', { enum: PHASES }),
          default: 'Scheduling',
        },
        conditions: array(
          'How the workspace’s scheduling and initialization went.',
          kcpCondition(),
        ),
        initializers: array(
          'Initializers still to finish before the workspace is Ready.',
          string('An initializer.', { pattern: INITIALIZER_PATTERN }),
        ),
        terminators: array(
          'Terminators still to finish before the workspace is deleted.',
          string('A terminator.'),
        ),
      }),
      default: {},
    },
  },
  required: ['spec'],
};

export const workspaces = systemType({
  group: TENANCY_GROUP,
  plural: 'workspaces',
  singular: 'workspace',
  kind: 'Workspace',
  shortNames: ['ws'],
  categories: ['kcp'],
  versions: [
    {
      name: 'v1alpha1',
      schema,
      columns: [
        {
          name: 'Type',
          type: 'string',
          description: 'Type of the workspace',
          jsonPath: '.spec.type.name',
        },
        {
          name: 'Region',
          type: 'string',
          description: 'The region this workspace is in',
          jsonPath: ".metadata.labels['region']",
        },
        {
          name: 'Phase',
          type: 'string',
          description: 'The current phase (e.g. Scheduling, Initializing, Ready, Deleting)',
          jsonPath: '.status.phase',
        },
        {
          name: 'URL',
          type: 'string',
          description: 'URL to access the workspace',
          jsonPath: '.spec.URL',
        },
        AGE,
      ],
    },
  ],
});
