/**
 * The `databases.postgresql.cnpg.io` CRD: CloudNativePG's names, printer columns and
 * validation (immutable create options, reserved names `postgres`, `template0`,
 * `template1` refused with CEL rules), each field described for `kubectl explain`.
 */

import {
  about,
  anyList,
  bool,
  int,
  obj,
  rootSchema,
  type Schema,
  str,
} from '../../controller/kube/crd-schema.ts';
import { GROUP, VERSION } from '../types.ts';

const immutable = (field: string, description: string): Schema =>
  str({
    description: `${description} Set at creation; cannot change.`,
    'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: `${field} is immutable` }],
  });

const spec: Schema = obj(
  {
    cluster: {
      ...obj({ name: about(str({ default: '' }), 'Name of the Cluster.') }),
      'x-kubernetes-map-type': 'atomic',
      description: 'The Cluster (in the same namespace) the database lives in.',
    },
    name: str({
      description: 'Name of the database in PostgreSQL. Cannot change.',
      'x-kubernetes-validations': [
        { rule: 'self == oldSelf', message: 'name is immutable' },
        { rule: "self != 'postgres'", message: 'the name postgres is reserved' },
        { rule: "self != 'template0'", message: 'the name template0 is reserved' },
        { rule: "self != 'template1'", message: 'the name template1 is reserved' },
      ],
    }),
    owner: about(str(), 'Role that owns the database; it must exist in the Cluster.'),
    ensure: about(
      str({ enum: ['present', 'absent'], default: 'present' }),
      'present (the default) creates the database, absent drops it.',
    ),
    databaseReclaimPolicy: about(
      str({ enum: ['delete', 'retain'], default: 'retain' }),
      'What deleting this object does to the database: retain it (the default) or delete it.',
    ),
    template: immutable('template', 'The template database it is created from.'),
    encoding: immutable('encoding', 'Character encoding.'),
    locale: immutable('locale', 'Sets LC_COLLATE and LC_CTYPE.'),
    localeProvider: immutable('localeProvider', 'Locale provider: libc, icu or builtin.'),
    localeCollate: immutable('localeCollate', 'LC_COLLATE.'),
    localeCType: immutable('localeCType', 'LC_CTYPE.'),
    icuLocale: immutable('icuLocale', 'ICU locale (with the icu provider).'),
    icuRules: immutable('icuRules', 'ICU collation rules.'),
    builtinLocale: immutable('builtinLocale', 'Locale of the builtin provider.'),
    collationVersion: immutable('collationVersion', 'Collation version.'),
    isTemplate: about(bool(), 'Whether the database can be a template for others.'),
    allowConnections: about(bool(), 'Whether anyone may connect to the database.'),
    connectionLimit: about(int(), 'How many connections it takes at once (-1: no limit).'),
    tablespace: about(str(), 'Default tablespace of the database.'),
    schemas: about(anyList(), 'Schemas to manage in the database (not honoured here).'),
    extensions: about(anyList(), 'Extensions to manage in the database (not honoured here).'),
    fdws: about(anyList(), 'Foreign data wrappers to manage (not honoured here).'),
    servers: about(anyList(), 'Foreign servers to manage (not honoured here).'),
  },
  {
    required: ['cluster', 'name', 'owner'],
    description: 'A database in a Cluster, and its owner and options.',
  },
);

const status: Schema = obj(
  {
    observedGeneration: about(int(), 'The generation of the spec last applied.'),
    applied: about(bool(), 'Whether the spec is applied in PostgreSQL.'),
    message: about(str(), 'Why it is not applied, when it is not.'),
    schemas: about(anyList(), 'What became of the schemas (not honoured here).'),
    extensions: about(anyList(), 'What became of the extensions (not honoured here).'),
    fdws: about(anyList(), 'What became of the foreign data wrappers (not honoured here).'),
    servers: about(anyList(), 'What became of the foreign servers (not honoured here).'),
  },
  { description: 'What the operator did with the spec.' },
);

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
          openAPIV3Schema: rootSchema(spec, status, {
            required: ['metadata', 'spec'],
            description:
              'A database in a PostgreSQL Cluster, created, changed and dropped for you.',
          }),
        },
      },
    ],
  },
};
