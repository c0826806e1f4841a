/**
 * meta.k8s.io Table: what `kubectl get` asks for and prints. Columns come from the
 * resource's strategy; NAME is always first, and each row carries the object's metadata
 * (PartialObjectMetadata) so kubectl can fill NAMESPACE, labels and `-L` columns.
 */
import type { KubeObject, ListMeta, ObjectMeta } from './meta.ts';

export interface TableColumnDefinition {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  /** 0 always shows; 1 and above only with `-o wide`. */
  priority: number;
}

export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: 'meta.k8s.io/v1' | 'meta.k8s.io/v1beta1';
  metadata: ObjectMeta;
}

export interface TableRow {
  cells: unknown[];
  object?: KubeObject | PartialObjectMetadata;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1' | 'meta.k8s.io/v1beta1';
  metadata: ListMeta;
  columnDefinitions?: TableColumnDefinition[];
  rows: TableRow[];
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export const NAME_COLUMN: TableColumnDefinition = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description:
    'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  priority: 0,
};

export const AGE_COLUMN: TableColumnDefinition = {
  name: 'Age',
  type: 'date',
  format: '',
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.',
  priority: 0,
};

/** A column helper for strategies: `column('Type', 'string', 'The type of the secret')`. */
export function column(
  name: string,
  type: TableColumnDefinition['type'],
  description: string,
  priority = 0,
): TableColumnDefinition {
  return { name, type, format: '', description, priority };
}
