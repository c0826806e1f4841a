/**
 * Resource types described by a schema document rather than code: custom resources from
 * CRDs, and (with an identity) resources bound from APIExports, whose APIResourceSchemas
 * have the same shape. Validation, defaulting and pruning come from the structural schema
 * of each version; table columns from additionalPrinterColumns; field selectors from
 * selectableFields; these and the subresources as each version declares them.
 */
import { isDeepStrictEqual } from 'node:util';
import type {
  CustomResourceColumnDefinition,
  CustomResourceDefinitionNames,
  CustomResourceDefinitionVersion,
} from '../../api/apiextensions/types.ts';
import { humanDuration } from '../../apimachinery/duration.ts';
import { type JsonPathProgram, printerColumnPath } from '../../apimachinery/jsonpath/index.ts';
import { asJson, type KubeObject } from '../../apimachinery/meta.ts';
import { AGE_COLUMN, NAME_COLUMN, type TableColumnDefinition } from '../../apimachinery/table.ts';
import { compareVersions } from '../discovery/documents.ts';
import { specChanged } from '../rest/meta-lifecycle.ts';
import {
  ALL_VERBS,
  type ObjectSchema,
  type ResourceType,
  type Strategy,
  type Subresources,
} from './resource-type.ts';

/** The common shape of a CRD spec and an APIResourceSchema spec. */
export interface CustomResourceSpec {
  readonly group: string;
  readonly names: CustomResourceDefinitionNames;
  readonly scope: 'Namespaced' | 'Cluster';
  readonly versions: readonly CustomResourceDefinitionVersion[];
  /** kcp APIResourceSchemas may relax names to path segments. */
  readonly nameValidation?: 'DNS1123Subdomain' | 'PathSegmentName';
}

export interface CustomResourceTypeOptions {
  /** Turns a version's openAPIV3Schema into a compiled schema (cached by the caller). */
  readonly compile: (version: CustomResourceDefinitionVersion) => ObjectSchema | undefined;
  readonly identity?: string;
  /** A terminating CRD serves its objects but takes no new ones. */
  readonly terminating?: boolean;
}

/** Names with the defaults upstream fills in (singular, listKind). */
export function defaultedNames(
  names: CustomResourceDefinitionNames,
): Required<Pick<CustomResourceDefinitionNames, 'plural' | 'singular' | 'kind' | 'listKind'>> &
  CustomResourceDefinitionNames {
  return {
    ...names,
    singular: names.singular || names.kind.toLowerCase(),
    listKind: names.listKind || `${names.kind}List`,
  };
}

export function customResourceType(
  spec: CustomResourceSpec,
  options: CustomResourceTypeOptions,
): ResourceType {
  const served = spec.versions
    .filter((v) => v.served)
    .sort((a, b) => compareVersions(a.name, b.name));
  const storage = spec.versions.find((v) => v.storage) ?? served[0] ?? spec.versions[0];
  if (!storage) throw new Error(`${spec.names.plural}.${spec.group} has no versions`);
  const display = storage.served ? storage : (served[0] ?? storage);
  const names = defaultedNames(spec.names);
  const schemas: Record<string, ObjectSchema> = {};
  const deprecationWarnings: Record<string, string> = {};
  for (const v of spec.versions) {
    const compiled = options.compile(v);
    if (compiled) schemas[v.name] = compiled;
    if (v.deprecated) {
      deprecationWarnings[v.name] =
        v.deprecationWarning ?? `${spec.group}/${v.name} ${names.kind} is deprecated`;
    }
  }
  const base: ResourceType = {
    group: spec.group,
    versions: served.map((v) => v.name),
    storageVersion: storage.name,
    names: {
      plural: names.plural,
      singular: names.singular,
      kind: names.kind,
      listKind: names.listKind,
      ...(names.shortNames?.length ? { shortNames: names.shortNames } : {}),
      ...(names.categories?.length ? { categories: names.categories } : {}),
    },
    namespaced: spec.scope === 'Namespaced',
    verbs: options.terminating ? ALL_VERBS.filter((v) => v !== 'create') : ALL_VERBS,
    subresources: subresourcesOf(display),
    ...(options.identity ? { identity: options.identity } : {}),
    strategy: customResourceStrategy(display, spec.nameValidation),
    schemas,
    ...(Object.keys(deprecationWarnings).length ? { deprecationWarnings } : {}),
  };
  // Most CRDs declare the same columns, fields and subresources in every version: one type.
  const own = served.filter((v) => v !== display && !presentsAlike(v, display));
  if (own.length === 0) return base;
  const byVersion: Record<string, ResourceType> = {};
  for (const v of own) {
    byVersion[v.name] = {
      ...base,
      strategy: customResourceStrategy(v, spec.nameValidation),
      subresources: subresourcesOf(v),
    };
  }
  return { ...base, byVersion };
}

/** Whether two versions declare the same printer columns, selectable fields and subresources. */
function presentsAlike(a: CustomResourceDefinitionVersion, b: CustomResourceDefinitionVersion) {
  return (
    isDeepStrictEqual(a.additionalPrinterColumns ?? [], b.additionalPrinterColumns ?? []) &&
    isDeepStrictEqual(a.selectableFields ?? [], b.selectableFields ?? []) &&
    isDeepStrictEqual(a.subresources ?? {}, b.subresources ?? {})
  );
}

function subresourcesOf(version: CustomResourceDefinitionVersion): Subresources {
  const scale = version.subresources?.scale;
  return {
    ...(version.subresources?.status ? { status: true } : {}),
    ...(scale
      ? {
          scale: {
            specReplicasPath: scale.specReplicasPath,
            statusReplicasPath: scale.statusReplicasPath,
            ...(scale.labelSelectorPath ? { labelSelectorPath: scale.labelSelectorPath } : {}),
          },
        }
      : {}),
  };
}

function customResourceStrategy(
  version: CustomResourceDefinitionVersion,
  nameValidation: CustomResourceSpec['nameValidation'],
): Strategy {
  const printer = printerColumns(version);
  const columns: TableColumnDefinition[] = [
    NAME_COLUMN,
    ...printer.map((c) =>
      c.jsonPath === '.metadata.creationTimestamp' && c.name === 'Age' && c.type === 'date'
        ? { ...AGE_COLUMN, priority: c.priority ?? 0 }
        : {
            name: c.name,
            type: c.type,
            format: c.format ?? '',
            description: c.description ?? '',
            priority: c.priority ?? 0,
          },
    ),
  ];
  const paths = printer.map((c) => printerColumnPath(c.jsonPath));
  const selectable = (version.selectableFields ?? []).map((f) => ({
    name: f.jsonPath.replace(/^\./, ''),
    path: printerColumnPath(f.jsonPath),
  }));
  return {
    validate: () => [],
    generationChanged: specChanged,
    ...(nameValidation ? { nameValidation } : {}),
    allowCreateOnUpdate: false,
    allowUnconditionalUpdate: false,
    returnDeletedObject: true,
    columns,
    cells: (obj, now) => [
      obj.metadata.name,
      ...printer.map((c, i) => cell(c, find(paths[i], obj), now)),
    ],
    ...(selectable.length
      ? {
          fields: (obj: KubeObject) => {
            const out: Record<string, string> = {};
            for (const f of selectable) {
              const value = find(f.path, obj)[0]?.[0];
              if (value !== undefined && value !== null) out[f.name] = String(value);
            }
            return out;
          },
          fieldNames: selectable.map((f) => f.name),
        }
      : {}),
  };
}

const AGE_PRINTER: CustomResourceColumnDefinition = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
};

/** The version's printer columns; a column path that does not compile falls back to Age. */
function printerColumns(
  version: CustomResourceDefinitionVersion,
): CustomResourceColumnDefinition[] {
  const declared = version.additionalPrinterColumns ?? [];
  if (declared.length === 0) return [AGE_PRINTER];
  try {
    for (const c of declared) printerColumnPath(c.jsonPath);
    return declared;
  } catch {
    return [AGE_PRINTER];
  }
}

/** Results of a column path; evaluation errors are an empty cell, as upstream. */
function find(path: JsonPathProgram | undefined, obj: KubeObject): unknown[][] {
  try {
    return path?.findResults(asJson(obj)) ?? [];
  } catch {
    return [];
  }
}

/** A printer column's cell, typed as upstream's table convertor types it. */
function cell(column: CustomResourceColumnDefinition, results: unknown[][], now: number): unknown {
  const value = results[0]?.[0];
  if (value === undefined || value === null) return null;
  switch (column.type) {
    case 'string':
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date': {
      if (typeof value !== 'string') return null;
      const t = Date.parse(value);
      return Number.isNaN(t) ? '<invalid>' : humanDuration(now - t);
    }
    default:
      return null;
  }
}
