/**
 * apis.kcp.io APIExport: a provider's API — the resources (by APIResourceSchema) tenants
 * may bind, the permission claims on their other resources, and the identity whose hash
 * keys the storage of every bound object. Served as v1alpha2 (storage) and v1alpha1.
 *
 * See also: Admission: APIs (apis/admission/apis-admission.ts: resources name their schemas,
 * status). Controllers: apis/controllers/apiexport/ (identity), endpointslice/, and every
 * binding's (apis/controllers/apibinding/). Served to providers by virtual/apiexport/.
 */

import { APIS_GROUP } from '../../api/apis/types.ts';
import { array, type BuiltinSchema, object, string } from '../../apimachinery/schema/dsl.ts';
import type { JSONSchemaProps } from '../../apimachinery/schema/types.ts';
import { AGE, systemType } from '../../apiserver/registry/system-type.ts';
import { exportToV1alpha1, exportToV1alpha2, v1alpha1Conversion } from '../conversion.ts';
import {
  claimIdentity,
  claimSelector,
  kcpCondition,
  v1alpha1ResourceSelectors,
  verbs,
} from './common.ts';

const identity = object(
  'The identity of the export: a secret key whose hash keys the storage of bound objects.',
  {
    secretRef: object(
      'The Secret holding the key (data key `key`); defaults to kcp-system/<export name>.',
      {
        namespace: string('Namespace of the Secret.'),
        name: string('Name of the Secret.'),
      },
    ),
  },
);

const maximalPermissionPolicy = object(
  'Limits what consumers may do with the exported resources.',
  {
    local: object('Check requests against RBAC in the export’s workspace.', {}),
  },
);

const status: BuiltinSchema = object('What the export is now.', {
  identityHash: string('The hash of the identity key: the public name of the export’s storage.'),
  conditions: array('Observations of the export’s state.', kcpCondition()),
  virtualWorkspaces: array(
    'Deprecated; see APIExportEndpointSlice.',
    object('A URL.', { url: string('The URL.') }, { required: ['url'] }),
  ),
});

const root = (description: string, spec: BuiltinSchema): JSONSchemaProps => ({
  type: 'object',
  description,
  properties: {
    apiVersion: string('The API version of this object.'),
    kind: string('The kind of this object: APIExport.'),
    metadata: { type: 'object' },
    spec: { ...spec, default: {} },
    status,
  },
});

const v1alpha2 = root(
  'An API a provider offers to tenants: resources to bind and claims on tenants’ other resources.',
  object('What the export offers.', {
    resources: {
      ...array(
        'The exported resources.',
        object(
          'One exported resource.',
          {
            name: string('The resource (plural).'),
            group: string('Its API group; empty for the core group.', { default: '' }),
            schema: string('The APIResourceSchema defining it, named `<prefix>.<name>.<group>`.'),
            storage: object('Where objects are stored: crd (the default).', {
              crd: object('Stored like custom resources.', {}),
            }),
          },
          { required: ['name', 'schema'] },
        ),
        { listType: 'map', mapKeys: ['name', 'group'] },
      ),
    },
    identity,
    maximalPermissionPolicy,
    permissionClaims: array(
      'Other resources of tenants the provider wants to see; each binding accepts or rejects each claim.',
      object(
        'One permission claim.',
        {
          ...claimIdentity(),
          group: { ...claimIdentity().group, default: '' },
          verbs: verbs('Verbs the provider wants on the resource.'),
          defaultSelector: claimSelector('Objects claimed by default bindings.'),
        },
        { required: ['resource', 'verbs'] },
      ),
      { listType: 'map', mapKeys: ['group', 'resource'] },
    ),
  }),
);

const v1alpha1 = root(
  'An API a provider offers to tenants (v1alpha1 shape: schemas listed by name).',
  object('What the export offers.', {
    latestResourceSchemas: array(
      'Names of the APIResourceSchemas of the exported resources.',
      string('A schema name.'),
      { listType: 'set' },
    ),
    identity,
    maximalPermissionPolicy,
    permissionClaims: array(
      'Other resources of tenants the provider wants to see.',
      object(
        'One permission claim.',
        {
          ...claimIdentity(),
          all: { type: 'boolean', description: 'Every object of the resource.' },
          resourceSelector: v1alpha1ResourceSelectors(),
        },
        { required: ['resource'] },
      ),
    ),
  }),
);

export const apiExports = systemType({
  group: APIS_GROUP,
  plural: 'apiexports',
  singular: 'apiexport',
  kind: 'APIExport',
  categories: ['kcp'],
  versions: [
    { name: 'v1alpha2', schema: v1alpha2, storage: true, columns: [AGE] },
    { name: 'v1alpha1', schema: v1alpha1, columns: [AGE] },
  ],
  conversion: v1alpha1Conversion(exportToV1alpha2, exportToV1alpha1),
});
