/**
 * kcp's own APIs are served like CRDs (kcp serves them as system CRDs): a structural
 * schema per version, printer columns, status subresource. This turns such a definition
 * into a ResourceType with the custom-resource machinery.
 */
import type { JSONSchemaProps } from '../../apimachinery/schema/types.ts';
import type { CustomResourceColumnDefinition } from '../../apiserver/builtin/apiextensions/types.ts';
import { customResourceType } from '../../apiserver/registry/custom-resource-type.ts';
import type { ResourceType } from '../../apiserver/registry/resource-type.ts';
import { versionSchema } from '../../apiserver/registry/structural-schema.ts';

export interface SystemTypeDefinition {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly shortNames?: string[];
  readonly categories?: string[];
  readonly namespaced?: boolean;
  readonly schema: JSONSchemaProps;
  readonly columns?: CustomResourceColumnDefinition[];
  readonly status?: boolean;
}

export const AGE: CustomResourceColumnDefinition = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
};

export function systemType(def: SystemTypeDefinition): ResourceType {
  return customResourceType(
    {
      group: def.group,
      names: {
        plural: def.plural,
        singular: def.singular,
        kind: def.kind,
        listKind: `${def.kind}List`,
        ...(def.shortNames ? { shortNames: def.shortNames } : {}),
        ...(def.categories ? { categories: def.categories } : {}),
      },
      scope: def.namespaced ? 'Namespaced' : 'Cluster',
      versions: [
        {
          name: def.version,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: def.schema },
          ...(def.status === false ? {} : { subresources: { status: {} } }),
          ...(def.columns ? { additionalPrinterColumns: def.columns } : {}),
        },
      ],
    },
    { compile: versionSchema },
  );
}
