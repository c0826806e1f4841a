/**
 * apis.kcp.io/v1alpha1 APIExportEndpointSlice: where providers reach their tenants' objects
 * — the virtual workspace URLs of an export, listed once a workspace binds it.
 *
 * See also: Admission: APIs (apis/admission/apis-admission.ts: `bind`, status). Controller:
 * apis/controllers/endpointslice/.
 */

import { APIS_GROUP } from '../../api/apis/types.ts';
import { array, object, string } from '../../apimachinery/schema/dsl.ts';
import type { JSONSchemaProps } from '../../apimachinery/schema/types.ts';
import { AGE, systemType } from '../../apiserver/registry/system-type.ts';
import { workspacePath } from '../../tenancy/apis/common.ts';
import { kcpCondition } from './common.ts';

const schema: JSONSchemaProps = {
  type: 'object',
  description:
    'The endpoints (virtual workspace URLs) through which a provider serves an APIExport’s tenants.',
  properties: {
    apiVersion: string('The API version of this object.'),
    kind: string('The kind of this object: APIExportEndpointSlice.'),
    metadata: { type: 'object' },
    spec: object(
      'Which export.',
      {
        export: {
          ...object(
            'The APIExport; it cannot change.',
            {
              path: workspacePath('Workspace of the export; empty for this one.'),
              name: string('Name of the export.'),
            },
            { required: ['name'] },
          ),
          'x-kubernetes-validations': [
            { rule: 'self == oldSelf', message: 'APIExport reference must not be changed' },
          ],
        },
        partition: string('A Partition narrowing the endpoints to some shards.'),
      },
      { required: ['export'] },
    ),
    status: object('The endpoints.', {
      endpoints: array(
        'Virtual workspace URLs serving the export’s tenants.',
        object('An endpoint.', { url: string('The URL.') }, { required: ['url'] }),
        { listType: 'map', mapKeys: ['url'] },
      ),
      shardSelector: string('The shards the endpoints come from.'),
      conditions: array('Observations of the slice’s state.', kcpCondition()),
    }),
  },
  required: ['spec'],
};

export const apiExportEndpointSlices = systemType({
  group: APIS_GROUP,
  plural: 'apiexportendpointslices',
  singular: 'apiexportendpointslice',
  kind: 'APIExportEndpointSlice',
  categories: ['kcp'],
  versions: [
    {
      name: 'v1alpha1',
      schema,
      columns: [{ name: 'Export', type: 'string', jsonPath: '.spec.export.name' }, AGE],
    },
  ],
});
