/**
 * core.kcp.io/v1alpha1 LogicalCluster: the singleton `cluster` inside every logical
 * cluster, saying who owns it, how far its initialization is, and where it is served.
 *
 * See also: Admission: SystemFields (tenancy/admission/system-fields-admission.ts).
 * Controllers: tenancy/controllers/workspace/ (creates and deletes it),
 * tenancy/controllers/initialization/. Indexed by tenancy/cluster-index.ts.
 */

import { CORE_GROUP } from '../../api/tenancy/types.ts';
import { array, boolean, object, string } from '../../apimachinery/schema/dsl.ts';
import type { JSONSchemaProps } from '../../apimachinery/schema/types.ts';
import { AGE, systemType } from '../../apiserver/registry/system-type.ts';
import { INITIALIZER_PATTERN, kcpCondition, PHASES } from './common.ts';

const initializers = (description: string) =>
  array(description, string('An initializer.', { pattern: INITIALIZER_PATTERN }));

const schema: JSONSchemaProps = {
  type: 'object',
  description:
    'The logical cluster itself: its owner, initialization and state. Always named "cluster".',
  properties: {
    apiVersion: string('The API version of this object.'),
    kind: string('The kind of this object: LogicalCluster.'),
    metadata: { type: 'object', properties: { name: { type: 'string', enum: ['cluster'] } } },
    spec: {
      ...object('What the logical cluster should be.', {
        directlyDeletable: {
          ...boolean('Whether deleting this object from inside deletes the logical cluster.'),
          default: false,
        },
        owner: object(
          'The object whose lifecycle this logical cluster follows, normally its Workspace in the parent.',
          {
            apiVersion: string('Group and version of the owner.', { pattern: '^([^/]+/)?[^/]+$' }),
            resource: { ...string('Resource of the owner.'), minLength: 1 },
            name: { ...string('Name of the owner.'), minLength: 1 },
            namespace: string('Namespace of the owner, if namespaced.'),
            cluster: { ...string('Logical cluster the owner lives in.'), minLength: 1 },
            uid: string('UID of the owner.'),
          },
          { required: ['apiVersion', 'resource', 'name', 'cluster', 'uid'] },
        ),
        createdBy: object('Who created the workspace.', {
          username: string('User name.'),
          uid: string('User UID.'),
          groups: array('User groups.', string('A group.')),
        }),
        initializers: initializers(
          'Initializers set at creation, copied to status when initialization starts.',
        ),
        terminators: initializers(
          'Terminators set at creation, copied to status when deletion starts.',
        ),
      }),
      default: {},
    },
    status: {
      ...object('What the logical cluster is now.', {
        URL: string('Where the logical cluster is served.'),
        phase: {
          ...string('Scheduling, Initializing, Ready, Unavailable or Terminating.', {
            enum: PHASES,
          }),
          default: 'Scheduling',
        },
        conditions: array('Observations of the logical cluster’s state.', kcpCondition()),
        initializers: initializers(
          'Initializers that must finish before the logical cluster is Ready.',
        ),
        terminators: initializers(
          'Terminators that must finish before the logical cluster is deleted.',
        ),
      }),
      default: {},
    },
  },
};

export const logicalClusters = systemType({
  group: CORE_GROUP,
  plural: 'logicalclusters',
  singular: 'logicalcluster',
  kind: 'LogicalCluster',
  categories: ['kcp'],
  versions: [
    {
      name: 'v1alpha1',
      schema,
      columns: [
        {
          name: 'Phase',
          type: 'string',
          description: 'The current phase (e.g. Scheduling, Initializing, Ready, Deleting)',
          jsonPath: '.status.phase',
        },
        {
          name: 'URL',
          type: 'string',
          description: 'URL to access the logical cluster',
          jsonPath: '.status.URL',
        },
        AGE,
      ],
    },
  ],
});
