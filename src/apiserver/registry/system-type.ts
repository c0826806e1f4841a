/**
 * APIs the server itself defines by schema rather than by hand-written strategy, as kcp
 * serves its own APIs as system CRDs: Workspaces, LogicalClusters, APIExports,
 * APIBindings… Each is a structural schema per version with printer columns and a status
 * subresource, served by the custom-resource machinery, plus what a CRD cannot say: a
 * conversion between versions of different shape, and strategy hooks.
 */

import type {
  CustomResourceColumnDefinition,
  CustomResourceDefinitionSpec,
} from '../../api/apiextensions/types.ts';
import { typedDecodeErrors } from '../../apimachinery/schema/typed-decode.ts';
import type { JSONSchemaProps } from '../../apimachinery/schema/types.ts';
import { customResourceType } from './custom-resource-type.ts';
import { kindNames, type ResourceType, type Strategy } from './resource-type.ts';
import { versionSchema } from './structural-schema.ts';

export interface SystemTypeVersion {
  readonly name: string;
  readonly schema: JSONSchemaProps;
  readonly columns?: CustomResourceColumnDefinition[];
  /** The version objects are stored in (the only version, when there is one). */
  readonly storage?: boolean;
}

export interface SystemTypeDefinition {
  readonly group: string;
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly shortNames?: string[];
  readonly categories?: string[];
  readonly namespaced?: boolean;
  readonly versions: readonly SystemTypeVersion[];
  /** A status subresource (default true). */
  readonly status?: boolean;
  readonly conversion?: ResourceType['conversion'];
  /** Hooks added to the custom-resource strategy (defaulting, extra validation). */
  readonly strategy?: Partial<Strategy>;
}

export const AGE: CustomResourceColumnDefinition = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
};

/**
 * The CRD spec a system type is served as: also what a client installs where a control
 * plane does not serve the type itself (the hub's CatalogEntry on kcp).
 */
export function systemTypeCrdSpec(def: SystemTypeDefinition): CustomResourceDefinitionSpec {
  const single = def.versions.length === 1;
  return {
    group: def.group,
    names: kindNames(def),
    scope: def.namespaced ? 'Namespaced' : 'Cluster',
    versions: def.versions.map((v) => ({
      name: v.name,
      served: true,
      storage: single || v.storage === true,
      schema: { openAPIV3Schema: v.schema },
      ...(def.status === false ? {} : { subresources: { status: {} } }),
      ...(v.columns ? { additionalPrinterColumns: v.columns } : {}),
    })),
  };
}

export function systemType(def: SystemTypeDefinition): ResourceType {
  const type = customResourceType(systemTypeCrdSpec(def), { compile: versionSchema });
  return {
    ...type,
    ...(def.conversion ? { conversion: def.conversion } : {}),
    strategy: { ...type.strategy, ...def.strategy },
    // kcp's APIs are Go types: a value of the wrong type never reaches their admission.
    typedDecode: (obj, version) => {
      const schema = def.versions.find((v) => v.name === version)?.schema;
      return schema ? typedDecodeErrors(schema, obj) : [];
    },
  };
}
