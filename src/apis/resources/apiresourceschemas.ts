/**
 * apis.kcp.io/v1alpha1 APIResourceSchema: one resource's definition, shaped like a CRD's
 * spec, named `<prefix>.<plural>.<group>` (`core` for the empty group). Its spec never
 * changes: an API evolves by a new schema that the export points to.
 *
 * See also: Admission: APIs (apis/admission/apis-admission.ts: not deleted while an export
 * uses it). Served as a resource type by apis/api-index.ts.
 */

import type { CustomResourceDefinitionVersion } from '../../api/apiextensions/types.ts';
import { type APIResourceSchema, APIS_GROUP } from '../../api/apis/types.ts';
import {
  type ErrorList,
  FieldPath,
  forbidden,
  invalid,
  notSupported,
} from '../../apimachinery/field-errors.ts';
import type { KubeObject } from '../../apimachinery/meta.ts';
import { array, type BuiltinSchema, object, string } from '../../apimachinery/schema/dsl.ts';
import type { JSONSchemaProps } from '../../apimachinery/schema/types.ts';
import { isDNS1123Subdomain } from '../../apimachinery/validation/names.ts';
import {
  names,
  version,
} from '../../apiserver/builtin/apiextensions/customresourcedefinitions.schema.ts';
import {
  validateNames,
  validateVersions,
} from '../../apiserver/builtin/apiextensions/customresourcedefinitions.ts';
import { AGE, systemType } from '../../apiserver/registry/system-type.ts';

const PREFIX = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const SPEC = FieldPath.root('spec');

/** `v250101.widgets.example.com` → prefix, plural and group ('' for `core`). */
export function parseSchemaName(
  name: string,
): { prefix: string; plural: string; group: string } | undefined {
  const first = name.indexOf('.');
  const second = name.indexOf('.', first + 1);
  if (first < 0 || second < 0) return undefined;
  const group = name.slice(second + 1);
  return {
    prefix: name.slice(0, first),
    plural: name.slice(first + 1, second),
    group: group === 'core' ? '' : group,
  };
}

/** The versions as a CRD holds them (schema under openAPIV3Schema), for the shared machinery. */
export function crdVersions(spec: APIResourceSchema['spec']): CustomResourceDefinitionVersion[] {
  return (spec.versions ?? []).map(({ schema, ...rest }) => ({
    ...rest,
    ...(schema ? { schema: { openAPIV3Schema: schema } } : {}),
  }));
}

export function schemaNameSuffix(plural: string, group: string): string {
  return `.${plural}.${group || 'core'}`;
}

function validate(obj: KubeObject): ErrorList {
  const ars = obj as APIResourceSchema;
  const spec = ars.spec;
  const errs: ErrorList = [];
  const name = obj.metadata.name ?? '';
  const parsed = parseSchemaName(name);
  if (
    !parsed ||
    !PREFIX.test(parsed.prefix) ||
    name !== `${parsed.prefix}${schemaNameSuffix(spec.names?.plural ?? '', spec.group ?? '')}`
  ) {
    errs.push(
      invalid(
        FieldPath.root('metadata', 'name'),
        name,
        'must be of the format <prefix>.<plural>.<group>, with "core" for the empty group, and match spec.names.plural and spec.group',
      ),
    );
  }
  if (spec.group === 'core')
    errs.push(invalid(SPEC.child('group'), 'core', 'must be empty for the core group'));
  else if (spec.group) {
    for (const msg of isDNS1123Subdomain(spec.group))
      errs.push(invalid(SPEC.child('group'), spec.group, msg));
  }
  errs.push(...validateNames(spec.names, SPEC.child('names')));
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
    errs.push(notSupported(SPEC.child('scope'), spec.scope, ['Cluster', 'Namespaced']));
  }
  errs.push(...validateVersions(crdVersions(spec), SPEC.child('versions'), false));
  if ((spec.versions?.length ?? 0) > 1 && (spec.conversion?.strategy ?? 'None') !== 'None') {
    errs.push(
      forbidden(
        SPEC.child('conversion', 'strategy'),
        'conversion webhooks are not supported by Canopy; use "None"',
      ),
    );
  }
  return errs;
}

const schema: JSONSchemaProps = {
  type: 'object',
  description:
    'The definition of one resource an APIExport offers, like a CRD’s spec. Its spec cannot change once created.',
  properties: {
    apiVersion: string('The API version of this object.'),
    kind: string('The kind of this object: APIResourceSchema.'),
    metadata: { type: 'object' },
    spec: {
      ...object(
        'The resource: group, names, scope and versions with their schemas.',
        {
          group: string('The API group; empty for the core group.'),
          names: names('The names of the resource.') as BuiltinSchema,
          scope: string('Cluster or Namespaced.', { enum: ['Cluster', 'Namespaced'] }),
          versions: array('The versions of the resource.', {
            ...version,
            properties: {
              ...version.properties,
              schema: {
                type: 'object',
                description:
                  'The OpenAPI v3 schema of objects of this version (a structural schema).',
                'x-kubernetes-preserve-unknown-fields': true,
              },
            },
          }),
          nameValidation: string(
            'How object names are validated: DNS1123Subdomain (default) or PathSegmentName.',
            {
              enum: ['DNS1123Subdomain', 'PathSegmentName'],
            },
          ),
          conversion: object('How objects convert between versions.', {
            strategy: string('None: versions differ only in apiVersion.'),
            webhook: {
              type: 'object',
              'x-kubernetes-preserve-unknown-fields': true,
              description: 'Not supported.',
            },
          }),
        },
        { required: ['group', 'names', 'scope', 'versions'] },
      ),
      'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'spec is immutable' }],
    },
  },
  required: ['spec'],
};

export const apiResourceSchemas = systemType({
  group: APIS_GROUP,
  plural: 'apiresourceschemas',
  singular: 'apiresourceschema',
  kind: 'APIResourceSchema',
  categories: ['kcp'],
  status: false,
  versions: [{ name: 'v1alpha1', schema, columns: [AGE] }],
  strategy: { validate },
});
