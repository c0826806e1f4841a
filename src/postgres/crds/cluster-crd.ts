/**
 * The `clusters.postgresql.cnpg.io` CRD: CloudNativePG 1.25's names, subresources (status,
 * scale on `.spec.instances`) and printer columns, with a structural schema for the fields
 * a user sets. Sub-trees the local runtime does not model keep their content
 * (`x-kubernetes-preserve-unknown-fields`) so CloudNativePG manifests apply unchanged.
 */

import {
  anyList,
  anyObject,
  arr,
  bool,
  int,
  int32,
  localRef,
  obj,
  rootSchema,
  type Schema,
  str,
  stringMap,
} from '../../controller/kube/crd-schema.ts';
import { FIXED_PARAMETERS } from '../runtime/parameters.ts';
import { GROUP, VERSION } from '../types.ts';

const initdb: Schema = {
  ...obj({
    database: str({ description: 'Name of the database used by the application (default app)' }),
    owner: str({ description: 'Name of the owner of the database (default: the database name)' }),
    secret: localRef(),
    encoding: str(),
    localeCollate: str(),
    localeCType: str(),
    locale: str(),
    localeProvider: str(),
    icuLocale: str(),
    icuRules: str(),
    builtinLocale: str(),
    dataChecksums: bool(),
    walSegmentSize: int(),
    options: arr(str()),
    postInitSQL: arr(str()),
    postInitApplicationSQL: arr(str()),
    postInitTemplateSQL: arr(str()),
    postInitSQLRefs: anyObject(),
    postInitApplicationSQLRefs: anyObject(),
    postInitTemplateSQLRefs: anyObject(),
    import: anyObject(),
  }),
  'x-kubernetes-preserve-unknown-fields': true,
};

const fixedList = FIXED_PARAMETERS.map((p) => `'${p}'`).join(', ');

const spec: Schema = obj(
  {
    instances: int32({
      minimum: 1,
      default: 1,
      description: 'Number of instances required in the cluster',
    }),
    description: str(),
    imageName: str(),
    imagePullPolicy: str(),
    imagePullSecrets: arr(localRef()),
    imageCatalogRef: anyObject(),
    inheritedMetadata: anyObject(),
    postgresUID: int(),
    postgresGID: int(),
    minSyncReplicas: int32({ minimum: 0 }),
    maxSyncReplicas: int32({ minimum: 0 }),
    postgresql: {
      ...obj({
        parameters: stringMap({
          'x-kubernetes-validations': [
            {
              rule: `self.all(k, !(k in [${fixedList}]))`,
              message: `these parameters are managed by the operator and cannot be set: ${FIXED_PARAMETERS.join(', ')}`,
            },
          ],
        }),
        pg_hba: arr(str()),
        pg_ident: arr(str()),
        shared_preload_libraries: arr(str()),
        enableAlterSystem: bool(),
        promotionTimeout: int32(),
        syncReplicaElectionConstraint: anyObject(),
        synchronous: anyObject(),
        ldap: anyObject(),
        extensions: anyList(),
      }),
      'x-kubernetes-preserve-unknown-fields': true,
    },
    bootstrap: obj({ initdb, recovery: anyObject(), pg_basebackup: anyObject() }),
    replica: anyObject(),
    superuserSecret: localRef(),
    enableSuperuserAccess: bool({ default: false }),
    certificates: anyObject(),
    enablePDB: bool(),
    storage: {
      ...obj({
        size: str({
          description: 'Size of the storage (recorded; the local runtime does not enforce it)',
        }),
        storageClass: str(),
        resizeInUseVolumes: bool(),
        pvcTemplate: anyObject(),
      }),
      'x-kubernetes-preserve-unknown-fields': true,
    },
    walStorage: anyObject(),
    ephemeralVolumeSource: anyObject(),
    ephemeralVolumesSizeLimit: anyObject(),
    tablespaces: anyList(),
    startDelay: int32({ default: 3600 }),
    stopDelay: int32({ default: 1800 }),
    smartShutdownTimeout: int32({ default: 180 }),
    switchoverDelay: int32({ default: 3600 }),
    failoverDelay: int32({ default: 0, minimum: 0 }),
    livenessProbeTimeout: int32(),
    affinity: anyObject(),
    topologySpreadConstraints: anyList(),
    resources: anyObject(),
    ephemeral: anyObject(),
    priorityClassName: str(),
    schedulerName: str(),
    primaryUpdateStrategy: str({ enum: ['unsupervised', 'supervised'], default: 'unsupervised' }),
    primaryUpdateMethod: str({ enum: ['switchover', 'restart'], default: 'restart' }),
    backup: anyObject(),
    nodeMaintenanceWindow: anyObject(),
    monitoring: anyObject(),
    externalClusters: anyList(),
    logLevel: str({ enum: ['error', 'warning', 'info', 'debug', 'trace'] }),
    projectedVolumeTemplate: anyObject(),
    env: anyList(),
    envFrom: anyList(),
    managed: anyObject(),
    seccompProfile: anyObject(),
    serviceAccountTemplate: anyObject(),
    probes: anyObject(),
    replicationSlots: anyObject(),
    plugins: anyList(),
  },
  {
    'x-kubernetes-validations': [
      {
        rule: '!has(self.superuserSecret) || self.superuserSecret.name != ""',
        message: 'superuserSecret.name must not be empty',
      },
    ],
  },
);

const condition: Schema = obj(
  {
    type: str(),
    status: str(),
    reason: str(),
    message: str(),
    lastTransitionTime: str(),
    observedGeneration: int(),
  },
  { required: ['type', 'status'] },
);

const status: Schema = obj({
  instances: int32({ description: 'The total number of instances in the cluster' }),
  readyInstances: int32({ description: 'The total number of ready instances in the cluster' }),
  instancesStatus: { type: 'object', additionalProperties: arr(str()) },
  instanceNames: arr(str()),
  instancesReportedState: {
    type: 'object',
    additionalProperties: obj({ isPrimary: bool(), timeLineID: int(), ip: str() }),
  },
  latestGeneratedNode: int32(),
  currentPrimary: str(),
  currentPrimaryTimestamp: str(),
  currentPrimaryFailingSinceTimestamp: str(),
  targetPrimary: str(),
  targetPrimaryTimestamp: str(),
  timelineID: int(),
  phase: str(),
  phaseReason: str(),
  conditions: arr(condition),
  writeService: str(),
  readService: str(),
  secretsResourceVersion: stringMap(),
  image: str(),
  systemID: str(),
  topology: obj({
    instances: {
      type: 'object',
      additionalProperties: { type: 'object', additionalProperties: str() },
    },
    nodesUsed: int32(),
    successfullyExtracted: bool(),
  }),
  instanceEndpoints: {
    type: 'object',
    description: 'Canopy: where each local instance listens',
    additionalProperties: obj({
      host: str(),
      port: int(),
      role: str(),
      ready: bool(),
      pid: int(),
      dataDirectory: str(),
    }),
  },
  writeEndpoint: str({
    description:
      "Canopy: host:port of the Cluster's read-write endpoint, which reaches the current primary",
  }),
});

export const clusterCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: {
    name: `clusters.${GROUP}`,
    labels: { 'app.kubernetes.io/managed-by': 'canopy-postgres-operator' },
  },
  spec: {
    group: GROUP,
    scope: 'Namespaced',
    names: { plural: 'clusters', singular: 'cluster', kind: 'Cluster', listKind: 'ClusterList' },
    versions: [
      {
        name: VERSION,
        served: true,
        storage: true,
        additionalPrinterColumns: [
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          {
            name: 'Instances',
            type: 'integer',
            description: 'Number of instances',
            jsonPath: '.status.instances',
          },
          {
            name: 'Ready',
            type: 'integer',
            description: 'Number of ready instances',
            jsonPath: '.status.readyInstances',
          },
          {
            name: 'Status',
            type: 'string',
            description: 'Cluster current status',
            jsonPath: '.status.phase',
          },
          {
            name: 'Primary',
            type: 'string',
            description: 'Primary pod',
            jsonPath: '.status.currentPrimary',
          },
        ],
        subresources: {
          status: {},
          scale: { specReplicasPath: '.spec.instances', statusReplicasPath: '.status.instances' },
        },
        schema: {
          openAPIV3Schema: rootSchema(spec, status, { required: ['metadata', 'spec'] }),
        },
      },
    ],
  },
};
