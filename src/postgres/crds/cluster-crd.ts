/**
 * The `clusters.postgresql.cnpg.io` CRD: CloudNativePG 1.25's names, subresources (status,
 * scale on `.spec.instances`) and printer columns, with a structural schema for the fields
 * a user sets, each described in Canopy's words (what it does here, or that this service
 * does not honour it) so `kubectl explain` helps. Used when CloudNativePG's own CRD is not
 * installed. Sub-trees the local runtime does not model keep their content
 * (`x-kubernetes-preserve-unknown-fields`) so CloudNativePG manifests apply unchanged.
 */

import {
  about,
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
    database: about(str(), 'Name of the application database created at bootstrap (default app).'),
    owner: about(str(), "Role that owns the application database (default: the database's name)."),
    secret: about(
      localRef(),
      "A basic-auth Secret (username, password) with the owner's credentials; without it a password is generated and published in <cluster>-app.",
    ),
    encoding: about(str(), 'Character encoding of the new databases (default UTF8).'),
    localeCollate: about(str(), 'LC_COLLATE of the new databases (default C).'),
    localeCType: about(str(), 'LC_CTYPE of the new databases (default C).'),
    locale: about(str(), 'Sets both LC_COLLATE and LC_CTYPE unless they are set themselves.'),
    localeProvider: about(str(), 'Locale provider for initdb (not honoured here).'),
    icuLocale: about(str(), 'ICU locale for initdb (not honoured here).'),
    icuRules: about(str(), 'ICU collation rules for initdb (not honoured here).'),
    builtinLocale: about(str(), 'Built-in locale for initdb (not honoured here).'),
    dataChecksums: about(bool(), 'Whether initdb turns on data page checksums.'),
    walSegmentSize: about(int(), 'WAL segment size in megabytes, given to initdb.'),
    options: about(arr(str()), 'Extra initdb options (not honoured here).'),
    postInitSQL: about(
      arr(str()),
      'SQL run as superuser in the postgres database after the cluster is created.',
    ),
    postInitApplicationSQL: about(
      arr(str()),
      'SQL run as superuser in the application database after it is created.',
    ),
    postInitTemplateSQL: about(
      arr(str()),
      'SQL run as superuser in template1 after the cluster is created.',
    ),
    postInitSQLRefs: about(
      anyObject(),
      'SQL from ConfigMaps or Secrets for postInitSQL (not honoured here).',
    ),
    postInitApplicationSQLRefs: about(
      anyObject(),
      'SQL from ConfigMaps or Secrets for postInitApplicationSQL (not honoured here).',
    ),
    postInitTemplateSQLRefs: about(
      anyObject(),
      'SQL from ConfigMaps or Secrets for postInitTemplateSQL (not honoured here).',
    ),
    import: about(
      anyObject(),
      'Import data from another cluster at bootstrap (not honoured here).',
    ),
  }),
  'x-kubernetes-preserve-unknown-fields': true,
  description: 'A new, empty cluster made with initdb, with an application database and its owner.',
};

const fixedList = FIXED_PARAMETERS.map((p) => `'${p}'`).join(', ');

const spec: Schema = obj(
  {
    instances: int32({
      minimum: 1,
      default: 1,
      description: 'Number of PostgreSQL instances: one primary, the rest streaming replicas.',
    }),
    description: about(str(), 'Free text describing the cluster.'),
    imageName: about(
      str(),
      "The PostgreSQL image. There are no images here: its tag's major version (…:16.4 → 16) is used when that PostgreSQL is installed on the service's host; otherwise the newest installed runs, and the IgnoredFields condition says so.",
    ),
    imagePullPolicy: about(
      str(),
      'When to pull the image (not honoured here: there are no images).',
    ),
    imagePullSecrets: about(arr(localRef()), 'Secrets to pull the image with (not honoured here).'),
    imageCatalogRef: about(
      anyObject(),
      'An image catalog entry to take the image from (not honoured here).',
    ),
    inheritedMetadata: about(
      anyObject(),
      'Labels and annotations for the objects the operator makes (not honoured here).',
    ),
    postgresUID: about(
      int(),
      "User ID PostgreSQL runs as (not honoured here: the operator's server user runs it).",
    ),
    postgresGID: about(int(), 'Group ID PostgreSQL runs as (not honoured here).'),
    minSyncReplicas: about(
      int32({ minimum: 0 }),
      'Replicas that must confirm every commit at least: with fewer ready, commits wait (default 0: asynchronous).',
    ),
    maxSyncReplicas: about(
      int32({ minimum: 0 }),
      'Replicas that confirm every commit at most (as many as are ready, within min..max); below the number of instances. Not with postgresql.synchronous.',
    ),
    postgresql: {
      ...obj({
        parameters: stringMap({
          description:
            'postgresql.conf parameters. Reloadable ones are reloaded; restart-only ones restart replicas first, then the primary as primaryUpdateStrategy and primaryUpdateMethod say. Parameters the operator manages cannot be set.',
          'x-kubernetes-validations': [
            {
              rule: `self.all(k, !(k in [${fixedList}]))`,
              message: `these parameters are managed by the operator and cannot be set: ${FIXED_PARAMETERS.join(', ')}`,
            },
          ],
        }),
        pg_hba: about(
          arr(str()),
          "Extra pg_hba.conf rules, before the operator's own. Rules may not include or refer to files.",
        ),
        pg_ident: about(arr(str()), 'pg_ident.conf user name maps (not honoured here).'),
        shared_preload_libraries: about(
          arr(str()),
          'Libraries loaded at server start, by name only.',
        ),
        enableAlterSystem: about(
          bool(),
          'Whether ALTER SYSTEM is allowed (not honoured here: the operator writes the configuration).',
        ),
        promotionTimeout: about(
          int32(),
          'Seconds a replica may take to be promoted (not honoured here).',
        ),
        syncReplicaElectionConstraint: about(
          anyObject(),
          'Constraints on choosing synchronous replicas (not honoured here).',
        ),
        synchronous: obj(
          {
            method: about(
              str({ enum: ['any', 'first'] }),
              'any: a quorum of the listed standbys confirms each commit; first: the first connected ones, in order.',
            ),
            number: about(
              int({
                'x-kubernetes-validations': [
                  {
                    rule: 'self > 0',
                    message: 'The number of synchronous replicas should be greater than zero',
                  },
                ],
              }),
              'How many standbys confirm each commit.',
            ),
            maxStandbyNamesFromCluster: about(
              int(),
              "How many of the Cluster's own instances are listed at most (ready ones first).",
            ),
            standbyNamesPre: about(
              arr(str()),
              "Application names listed before the Cluster's own instances.",
            ),
            standbyNamesPost: about(
              arr(str()),
              "Application names listed after the Cluster's own instances.",
            ),
            dataDurability: about(
              str({ enum: ['required', 'preferred'], default: 'required' }),
              'required: commits wait for number standbys even when fewer are ready; preferred: for as many as are ready, up to number (then without standbyNamesPre/Post).',
            ),
          },
          {
            description:
              'Synchronous replication (instead of minSyncReplicas/maxSyncReplicas): which standbys confirm each commit.',
            required: ['method', 'number'],
            'x-kubernetes-validations': [
              {
                rule: "self.dataDurability!='preferred' || ((!has(self.standbyNamesPre) || self.standbyNamesPre.size()==0) && (!has(self.standbyNamesPost) || self.standbyNamesPost.size()==0))",
                message:
                  "dataDurability set to 'preferred' requires empty 'standbyNamesPre' and empty 'standbyNamesPost'",
              },
            ],
          },
        ),
        ldap: about(anyObject(), 'LDAP authentication (not honoured here).'),
        extensions: about(anyList(), 'Extensions from images (not honoured here).'),
      }),
      'x-kubernetes-preserve-unknown-fields': true,
      description: 'PostgreSQL configuration: parameters, pg_hba rules and libraries.',
    },
    bootstrap: about(
      obj({
        initdb,
        recovery: anyObject('Restore from a backup (not honoured here: there are no backups).'),
        pg_basebackup: anyObject('Clone another cluster (not honoured here).'),
      }),
      "How the cluster's first data is made.",
    ),
    replica: about(anyObject(), 'Makes this cluster follow another one (not honoured here).'),
    superuserSecret: about(
      localRef(),
      "A basic-auth Secret with the postgres superuser's password (used when enableSuperuserAccess is true).",
    ),
    enableSuperuserAccess: about(
      bool({ default: false }),
      'Whether the postgres superuser may log in with a password (default false).',
    ),
    certificates: about(
      anyObject(),
      'TLS certificates for the server and clients (not honoured here: no TLS).',
    ),
    enablePDB: about(bool(), 'Whether a PodDisruptionBudget is made (not honoured here).'),
    storage: {
      ...obj({
        size: str({
          description: 'Size of the storage (recorded; the local runtime does not enforce it).',
        }),
        storageClass: about(
          str(),
          "Storage class of the volumes (not honoured here: data lives in the operator's data directory).",
        ),
        resizeInUseVolumes: about(
          bool(),
          'Whether volumes are resized in use (not honoured here).',
        ),
        pvcTemplate: about(
          anyObject(),
          'Template of the PersistentVolumeClaims (not honoured here).',
        ),
      }),
      'x-kubernetes-preserve-unknown-fields': true,
      description: "Storage of the data directory (in the operator's data directory here).",
    },
    walStorage: about(
      anyObject(),
      'Separate storage for WAL (not honoured here: WAL stays in the data directory).',
    ),
    ephemeralVolumeSource: about(
      anyObject(),
      'Ephemeral volume for temporary files (not honoured here).',
    ),
    ephemeralVolumesSizeLimit: about(
      anyObject(),
      'Size limits of ephemeral volumes (not honoured here).',
    ),
    tablespaces: about(anyList(), 'Extra tablespaces (not honoured here).'),
    startDelay: about(
      int32({ default: 3600 }),
      'Seconds an instance may take to start before it counts as failed (default 3600).',
    ),
    stopDelay: about(
      int32({ default: 1800 }),
      'Seconds an instance may take to stop before it is killed (default 1800).',
    ),
    smartShutdownTimeout: about(
      int32({ default: 180 }),
      'Seconds of smart shutdown before a fast one (default 180).',
    ),
    switchoverDelay: about(
      int32({ default: 3600 }),
      'Seconds the primary may take to shut down in a switchover (default 3600).',
    ),
    failoverDelay: about(
      int32({ default: 0, minimum: 0 }),
      'Seconds to wait before failing over a primary that is gone (default 0).',
    ),
    livenessProbeTimeout: about(
      int32(),
      'Seconds without an answer before an instance counts as dead (not honoured here).',
    ),
    affinity: about(
      anyObject(),
      "Scheduling of instances onto nodes (not honoured here: instances are processes on the service's host).",
    ),
    topologySpreadConstraints: about(
      anyList(),
      'How instances spread over nodes and zones (not honoured here).',
    ),
    resources: about(
      anyObject(),
      'CPU and memory requests and limits (not honoured here: no limits apply).',
    ),
    ephemeral: about(anyObject(), 'Ephemeral storage settings (not honoured here).'),
    priorityClassName: about(str(), "Priority class of the instances' pods (not honoured here)."),
    schedulerName: about(str(), "Scheduler of the instances' pods (not honoured here)."),
    primaryUpdateStrategy: about(
      str({ enum: ['unsupervised', 'supervised'], default: 'unsupervised' }),
      'How a change that needs the primary restarted is rolled out: unsupervised (automatic, the default) or supervised (waits for the user to switch over).',
    ),
    primaryUpdateMethod: about(
      str({ enum: ['switchover', 'restart'], default: 'restart' }),
      'How the primary is restarted: restart in place (the default) or switchover to a replica.',
    ),
    backup: about(
      anyObject(),
      'Base backups and WAL archiving (not honoured here: nothing backs the cluster up).',
    ),
    nodeMaintenanceWindow: about(anyObject(), 'Node maintenance behaviour (not honoured here).'),
    monitoring: about(
      anyObject(),
      'Metrics exporter and PodMonitor (not honoured here; the operator has its own /metrics).',
    ),
    externalClusters: about(
      anyList(),
      'Other clusters to follow or import from (not honoured here).',
    ),
    logLevel: about(
      str({ enum: ['error', 'warning', 'info', 'debug', 'trace'] }),
      'Log level of the instance manager: error, warning, info (default), debug or trace.',
    ),
    projectedVolumeTemplate: about(anyObject(), 'Extra projected volumes (not honoured here).'),
    env: about(anyList(), 'Extra environment variables of the instances (not honoured here).'),
    envFrom: about(anyList(), 'Extra environment from ConfigMaps or Secrets (not honoured here).'),
    managed: about(anyObject(), 'Roles and services managed by the operator (not honoured here).'),
    seccompProfile: about(anyObject(), 'Seccomp profile of the instances (not honoured here).'),
    serviceAccountTemplate: about(
      anyObject(),
      "Template of the instances' service account (not honoured here).",
    ),
    probes: about(anyObject(), 'Probe settings of the instances (not honoured here).'),
    replicationSlots: about(anyObject(), 'Replication slot management (not honoured here).'),
    plugins: about(anyList(), 'CNPG-I plugins (not honoured here).'),
  },
  {
    description: 'The PostgreSQL cluster wanted: instances, bootstrap, configuration, credentials.',
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
    type: about(str(), 'Type of the condition.'),
    status: about(str(), 'True, False or Unknown.'),
    reason: about(str(), 'Why, in one CamelCase word.'),
    message: about(str(), 'Why, in words.'),
    lastTransitionTime: about(str(), 'When status last changed.'),
    observedGeneration: about(int(), 'The generation of the spec the condition is about.'),
  },
  { required: ['type', 'status'] },
);

const status: Schema = obj(
  {
    instances: int32({ description: 'The total number of instances in the cluster.' }),
    readyInstances: int32({ description: 'The number of instances ready to serve.' }),
    instancesStatus: about(
      { type: 'object', additionalProperties: arr(str()) },
      'Instance names by health: healthy, replicating, failed.',
    ),
    instanceNames: about(arr(str()), 'Names of every instance, in order.'),
    instancesReportedState: {
      type: 'object',
      description:
        'What each running instance reports: whether it is the primary, its timeline and address.',
      additionalProperties: obj({
        isPrimary: about(bool(), 'Whether the instance is the primary.'),
        timeLineID: about(int(), "The instance's PostgreSQL timeline."),
        ip: about(str(), 'The address the instance listens on.'),
      }),
    },
    latestGeneratedNode: about(int32(), 'Serial of the newest instance (names are never reused).'),
    currentPrimary: about(str(), 'The instance that is the primary now.'),
    currentPrimaryTimestamp: about(str(), 'When the current primary became the primary.'),
    currentPrimaryFailingSinceTimestamp: about(
      str(),
      'Since when the current primary has been failing.',
    ),
    targetPrimary: about(
      str(),
      'The instance that should be the primary; setting it to a ready replica switches over (pending during a failover).',
    ),
    targetPrimaryTimestamp: about(str(), 'When targetPrimary was last set.'),
    timelineID: about(int(), "The primary's PostgreSQL timeline."),
    phase: about(
      str(),
      "What the cluster is doing, in CloudNativePG's words (Cluster in healthy state, Setting up primary, Failing over, …).",
    ),
    phaseReason: about(str(), 'Why the cluster is in its phase, when there is something to say.'),
    conditions: about(
      arr(condition),
      'Ready (ClusterIsReady) and, when set, IgnoredFields: the fields this service accepts but does not honour, and why.',
    ),
    writeService: about(str(), 'Name of the read-write Service (<cluster>-rw).'),
    readService: about(str(), 'Name of the read Service (<cluster>-r).'),
    secretsResourceVersion: about(
      stringMap(),
      'Resource versions of the Secrets in use, so a change is noticed.',
    ),
    image: about(str(), 'The image the instances run.'),
    systemID: about(str(), "PostgreSQL's system identifier."),
    topology: about(
      obj({
        instances: about(
          {
            type: 'object',
            additionalProperties: { type: 'object', additionalProperties: str() },
          },
          "Where each instance runs (here: all on the operator's one machine).",
        ),
        nodesUsed: about(int32(), 'How many nodes the instances run on.'),
        successfullyExtracted: about(bool(), 'Whether the topology could be read.'),
      }),
      'Where the instances run.',
    ),
    instanceEndpoints: {
      type: 'object',
      description:
        "Canopy, for the service owner: where each local instance listens, its process and data directory on the owner's machine.",
      additionalProperties: obj({
        host: about(str(), 'The address it listens on.'),
        port: about(int(), 'Its own port (clients use the stable endpoints instead).'),
        role: about(str(), 'primary or replica.'),
        ready: about(bool(), 'Whether it serves.'),
        pid: about(int(), 'Its postmaster process.'),
        dataDirectory: about(str(), 'Its data directory.'),
      }),
    },
    writeEndpoint: str({
      description:
        "Canopy: host:port of the Cluster's read-write endpoint, which reaches the current primary",
    }),
  },
  { description: 'What the cluster is doing: its instances, primary, phase and conditions.' },
);

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
          openAPIV3Schema: rootSchema(spec, status, {
            required: ['metadata', 'spec'],
            description:
              'A PostgreSQL cluster: a primary and streaming replicas run by the service, with the Secrets to reach them.',
          }),
        },
      },
    ],
  },
};
