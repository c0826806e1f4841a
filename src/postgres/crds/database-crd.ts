/**
 * The `databases.postgresql.cnpg.io` CRD: CloudNativePG's names, printer columns and
 * validation (immutable create options, reserved names `postgres`, `template0`,
 * `template1` refused with CEL rules).
 */

import {
  anyList,
  bool,
  int,
  obj,
  rootSchema,
  type Schema,
  str,
} from '../../controller/kube/crd-schema.ts';
import { GROUP, VERSION } from '../types.ts';

const immutable = (field: string): Schema =>
  str({
    'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: `${field} is immutable` }],
  });

const spec: Schema = obj(
  {
    cluster: {
      ...obj({ name: str({ default: '' }) }),
      'x-kubernetes-map-type': 'atomic',
    },
    name: str({
      'x-kubernetes-validations': [
        { rule: 'self == oldSelf', message: 'name is immutable' },
        { rule: "self != 'postgres'", message: 'the name postgres is reserved' },
        { rule: "self != 'template0'", message: 'the name template0 is reserved' },
        { rule: "self != 'template1'", message: 'the name template1 is reserved' },
      ],
    }),
    owner: str(),
    ensure: str({ enum: ['present', 'absent'], default: 'present' }),
    databaseReclaimPolicy: str({ enum: ['delete', 'retain'], default: 'retain' }),
    template: immutable('template'),
    encoding: immutable('encoding'),
    locale: immutable('locale'),
    localeProvider: immutable('localeProvider'),
    localeCollate: immutable('localeCollate'),
    localeCType: immutable('localeCType'),
    icuLocale: immutable('icuLocale'),
    icuRules: immutable('icuRules'),
    builtinLocale: immutable('builtinLocale'),
    collationVersion: immutable('collationVersion'),
    isTemplate: bool(),
    allowConnections: bool(),
    connectionLimit: int(),
    tablespace: str(),
    schemas: anyList(),
    extensions: anyList(),
    fdws: anyList(),
    servers: anyList(),
  },
  { required: ['cluster', 'name', 'owner'] },
);

const status: Schema = obj({
  observedGeneration: int(),
  applied: bool(),
  message: str(),
  schemas: anyList(),
  extensions: anyList(),
  fdws: anyList(),
  servers: anyList(),
});

export const databaseCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: {
    name: `databases.${GROUP}`,
    labels: { 'app.kubernetes.io/managed-by': 'canopy-postgres-operator' },
  },
  spec: {
    group: GROUP,
    scope: 'Namespaced',
    names: {
      plural: 'databases',
      singular: 'database',
      kind: 'Database',
      listKind: 'DatabaseList',
    },
    versions: [
      {
        name: VERSION,
        served: true,
        storage: true,
        additionalPrinterColumns: [
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          { name: 'Cluster', type: 'string', jsonPath: '.spec.cluster.name' },
          { name: 'PG Name', type: 'string', jsonPath: '.spec.name' },
          { name: 'Applied', type: 'boolean', jsonPath: '.status.applied' },
          {
            name: 'Message',
            type: 'string',
            description: 'Latest reconciliation message',
            jsonPath: '.status.message',
          },
        ],
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: rootSchema(spec, status, { required: ['metadata', 'spec'] }),
        },
      },
    ],
  },
};
