/**
 * apis.kcp.io APIBinding: a tenant's binding to a provider's APIExport — which export
 * (fixed once made), and which permission claims the tenant accepts or rejects. Served as
 * v1alpha2 (storage) and v1alpha1.
 *
 * See also: Admission: APIs (apis/admission/apis-admission.ts: `bind`, status),
 * ClaimAcceptance (apis/admission/claim-acceptance-admission.ts: accepting a claim needs
 * what it grants), PermissionClaimLabels (apis/admission/claim-labels-admission.ts). Controllers:
 * apis/controllers/apibinding/, permissionclaimlabel/, endpointslice/. Indexed by
 * apis/api-index.ts.
 */

import { APIS_GROUP } from '../../api/apis/types.ts';
import { array, type BuiltinSchema, object, string } from '../../apimachinery/schema/dsl.ts';
import type { JSONSchemaProps } from '../../apimachinery/schema/types.ts';
import { AGE, systemType } from '../../apiserver/registry/system-type.ts';
import { bindingToV1alpha1, bindingToV1alpha2, v1alpha1Conversion } from '../conversion.ts';
import {
  claimIdentity,
  claimSelector,
  exportReference,
  kcpCondition,
  v1alpha1ResourceSelectors,
  verbs,
} from './common.ts';

const state = string('Accepted or Rejected.', { enum: ['Accepted', 'Rejected'] });

function root(
  description: string,
  claim: BuiltinSchema,
  statusClaim: BuiltinSchema,
): JSONSchemaProps {
  return {
    type: 'object',
    description,
    properties: {
      apiVersion: string('The API version of this object.'),
      kind: string('The kind of this object: APIBinding.'),
      metadata: { type: 'object' },
      spec: object(
        'What to bind and which claims to accept.',
        {
          reference: {
            ...exportReference('The APIExport to bind; it cannot change.'),
            'x-kubernetes-validations': [
              { rule: 'self == oldSelf', message: 'APIExport reference must not be changed' },
            ],
          },
          permissionClaims: array('Decisions on the export’s permission claims.', claim),
        },
        { required: ['reference'] },
      ),
      status: object('What the binding is now.', {
        apiExportClusterName: string('The logical cluster the APIExport is in.'),
        boundResources: array(
          'The resources bound into this workspace.',
          object('A bound resource.', {
            group: string('Its API group.'),
            resource: string('The resource (plural).'),
            schema: object('The APIResourceSchema it is bound from.', {
              name: string('Name of the schema.'),
              UID: string('UID of the schema.'),
              identityHash: string('Identity of the export: the storage of the bound objects.'),
            }),
            storageVersions: array('Versions objects have been stored in.', string('A version.'), {
              listType: 'set',
            }),
          }),
        ),
        phase: string('Binding, then Bound.', { enum: ['', 'Binding', 'Bound'] }),
        conditions: array('Observations of the binding’s state.', kcpCondition()),
        appliedPermissionClaims: array(
          'The claims in force: accepted by the binding and still made by the export.',
          statusClaim,
        ),
        exportPermissionClaims: array('The claims the export makes.', statusClaim),
      }),
    },
    required: ['spec'],
  };
}

const v1alpha2 = root(
  'Binds a provider’s APIExport into this workspace: its resources appear here, and the provider sees them (and accepted claims).',
  object(
    'A decision on one permission claim.',
    {
      ...claimIdentity(),
      verbs: verbs('Verbs granted on the resource.'),
      selector: claimSelector('Which objects the claim covers.'),
      state,
    },
    { required: ['resource', 'state', 'verbs'] },
  ),
  object(
    'A permission claim.',
    { ...claimIdentity(), verbs: verbs('Verbs on the resource.') },
    { required: ['resource'] },
  ),
);

const v1alpha1 = root(
  'Binds a provider’s APIExport into this workspace (v1alpha1 shape).',
  object(
    'A decision on one permission claim.',
    {
      ...claimIdentity(),
      all: { type: 'boolean', description: 'Every object of the resource.' },
      resourceSelector: v1alpha1ResourceSelectors(),
      state,
    },
    { required: ['resource', 'state'] },
  ),
  object(
    'A permission claim.',
    { ...claimIdentity(), all: { type: 'boolean', description: 'Every object of the resource.' } },
    { required: ['resource'] },
  ),
);

const columns = [
  AGE,
  {
    name: 'Ready',
    type: 'string' as const,
    jsonPath: '.status.conditions[?(@.type=="Ready")].status',
  },
];

export const apiBindings = systemType({
  group: APIS_GROUP,
  plural: 'apibindings',
  singular: 'apibinding',
  kind: 'APIBinding',
  categories: ['kcp'],
  versions: [
    { name: 'v1alpha2', schema: v1alpha2, storage: true, columns },
    { name: 'v1alpha1', schema: v1alpha1, columns },
  ],
  conversion: v1alpha1Conversion(bindingToV1alpha2, bindingToV1alpha1),
});
