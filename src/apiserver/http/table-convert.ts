/**
 * Objects and lists as meta.k8s.io Tables, with the columns of the resource's strategy.
 * Cells are computed on the server (ages included), as upstream does.
 */
import type { KubeList, KubeObject, ListMeta } from '../../apimachinery/meta.ts';
import type { IncludeObject, Table } from '../../apimachinery/table.ts';
import type { ResourceType } from '../registry/resource-type.ts';

export function toTable(
  type: ResourceType,
  objects: readonly KubeObject[],
  options: {
    version: Table['apiVersion'];
    include: IncludeObject;
    listMeta?: ListMeta;
    noHeaders?: boolean;
    now?: number;
  },
): Table {
  const now = options.now ?? Date.now();
  const strategy = type.strategy;
  return {
    kind: 'Table',
    apiVersion: options.version,
    metadata: options.listMeta ?? {},
    ...(options.noHeaders ? {} : { columnDefinitions: [...strategy.columns] }),
    rows: objects.map((obj) => ({
      cells: strategy.cells(obj, now),
      ...(options.include === 'None'
        ? {}
        : options.include === 'Object'
          ? { object: obj }
          : {
              object: {
                kind: 'PartialObjectMetadata' as const,
                apiVersion: options.version,
                metadata: obj.metadata,
              },
            }),
    })),
  };
}

export function listToTable(
  type: ResourceType,
  list: KubeList,
  version: Table['apiVersion'],
  include: IncludeObject,
): Table {
  return toTable(type, list.items, { version, include, listMeta: list.metadata });
}
