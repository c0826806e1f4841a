/**
 * providers.kedge.faros.sh/v1alpha1 CatalogEntry as a system type of the control plane:
 * cluster-scoped, short name `ce`, a status subresource, kedge's fields and printer columns
 * (display name, category, export, ready, age), validated by `validation.ts`. Names are
 * DNS labels because each names a workspace, `root:kedge:providers:<name>`.
 *
 * See also: Admission: CatalogEntryApproval (hub/apis/approval-admission.ts). Controller:
 * hub/controllers/catalogentry-controller.ts.
 */

import type { CatalogEntry } from '../../api/providers/types.ts';
import { CATALOG_RESOURCE, PROVIDERS_GROUP } from '../../api/providers/types.ts';
import type { KubeObject } from '../../apimachinery/meta.ts';
import {
  array,
  type BuiltinSchema,
  boolean,
  integer,
  object,
  string,
} from '../../apimachinery/schema/dsl.ts';
import type { JSONSchemaProps } from '../../apimachinery/schema/types.ts';
import {
  AGE,
  type SystemTypeDefinition,
  systemType,
} from '../../apiserver/registry/system-type.ts';
import { kcpCondition, workspacePath } from '../../tenancy/apis/common.ts';
import { CLAIM_VERBS, validateCatalogEntry } from './validation.ts';

const bounded = (schema: BuiltinSchema, maxLength: number): BuiltinSchema => ({
  ...schema,
  maxLength,
});

const permissionClaim = object(
  'Access the provider’s controllers ask for in a binding tenant’s workspace.',
  {
    group: string('API group of the resource; empty for the core group.'),
    resource: string('The resource (plural), e.g. configmaps.'),
    verbs: array('The verbs asked for.', string('A verb.', { enum: CLAIM_VERBS })),
    tenantScoped: boolean(
      'Bounded to the tenant’s own workspace. Claims that are not need the kedge.faros.sh/accept-untrusted-claims annotation, set by someone allowed to approve.',
    ),
    identityHash: string(
      'Identity of the export serving the resource, for another export’s resources.',
    ),
  },
  { required: ['resource'] },
);

const spec = object(
  'A provider in the catalog: what the portal shows, and the API it offers tenants.',
  {
    displayName: bounded(string('The name shown in the catalog.'), 128),
    description: bounded(string('A short description for the catalog card.'), 512),
    category: bounded(string('Groups the entry in the portal, e.g. Databases.'), 64),
    vendor: bounded(string('Who makes the provider.'), 128),
    version: bounded(string('The provider’s version.'), 64),
    iconURL: bounded(string('An icon: a path on the hub or an http(s) URL.'), 256),
    serviceAccountNamespace: bounded(string('kedge: informational only.'), 63),
    dependencies: array(
      'Providers that must be enabled in a workspace before this one.',
      object('A provider.', { name: string('Its CatalogEntry name.') }, { required: ['name'] }),
    ),
    ui: object('The provider’s micro-frontend, served by the hub at /ui/providers/<name>/.', {
      url: string('Where the hub proxies /ui/providers/<name>/* to.'),
      indexPath: string('The landing path in the UI.'),
      builtinRoute: bounded(string('kedge: a route of the portal itself.'), 128),
      children: array(
        'Sub-navigation entries.',
        object(
          'An entry.',
          {
            displayName: bounded(string('Its label.'), 128),
            builtinRoute: bounded(string('Its route.'), 128),
          },
          { required: ['displayName', 'builtinRoute'] },
        ),
      ),
    }),
    backend: object(
      'The provider’s HTTP backend, served by the hub at /services/providers/<name>/.',
      {
        url: string('Where the hub proxies /services/providers/<name>/* to.'),
        healthPath: string(
          'kedge: where a health check would look; Canopy’s hub does not probe backends (heartbeats tell it a provider is alive).',
        ),
      },
      { required: ['url'] },
    ),
    virtualWorkspace: object(
      'kedge: not served by Canopy’s hub.',
      { url: string('A URL.') },
      { required: ['url'] },
    ),
    edgeProxyAccess: boolean('kedge: not used by Canopy.'),
    apiExport: object(
      'The APIExport tenants bind when they enable the provider.',
      {
        name: string('The APIExport’s name; convention <provider>.providers.kedge.faros.sh.'),
        path: workspacePath(
          'Canopy: the workspace of an export its provider manages itself (a sync agent’s). Default: root:kedge:providers:<name>, made by the hub.',
        ),
        permissionClaims: array('Claims on tenants’ other resources.', permissionClaim),
        schemas: array(
          'APIResourceSchemas the hub applies in the provider workspace and exports.',
          object(
            'One schema.',
            {
              groupResource: string('<plural>.<group> of the resource the schema defines.'),
              body: string('The whole APIResourceSchema document, YAML or JSON.'),
            },
            { required: ['groupResource', 'body'] },
          ),
        ),
      },
      { required: ['name'] },
    ),
  },
  { required: ['displayName'] },
);

const status = object('What the hub made of the entry.', {
  workspace: string('Path of the provider workspace.'),
  logicalCluster: string('Logical cluster of the provider workspace.'),
  endpoints: object('Where the provider is reached.', {
    ui: string('The UI URL.'),
    backend: string('The backend URL.'),
    virtualWorkspace: string('The export’s virtual workspace URL (from its endpoint slice).'),
  }),
  identityHash: string('The export’s identity hash.'),
  kubeconfigSecret: object('The Secret in the provider workspace with the provider’s kubeconfig.', {
    namespace: string('Its namespace.'),
    name: string('Its name.'),
  }),
  lastHeartbeat: string('When the provider last sent a heartbeat.', { format: 'date-time' }),
  reportedVersion: string('The version the provider reported with its heartbeat.'),
  observedGeneration: integer('The generation the status describes.', { format: 'int64' }),
  conditions: array(
    'WorkspaceReady, SchemasApplied, APIExportReady, BindGrantReady, Ready.',
    kcpCondition(),
  ),
});

const schema: JSONSchemaProps = {
  type: 'object',
  description: 'A provider in the hub’s catalog (kedge’s CatalogEntry).',
  properties: {
    apiVersion: string('The API version of this object.'),
    kind: string('The kind of this object: CatalogEntry.'),
    metadata: { type: 'object' },
    spec,
    status,
  },
  required: ['spec'],
};

/** CatalogEntry as a system type; also the CRD the hub installs where none is served. */
export const catalogEntryDefinition: SystemTypeDefinition = {
  group: PROVIDERS_GROUP,
  plural: CATALOG_RESOURCE,
  singular: 'catalogentry',
  kind: 'CatalogEntry',
  shortNames: ['ce'],
  versions: [
    {
      name: 'v1alpha1',
      schema,
      columns: [
        { name: 'Display Name', type: 'string', jsonPath: '.spec.displayName' },
        { name: 'Category', type: 'string', jsonPath: '.spec.category' },
        { name: 'Export', type: 'string', jsonPath: '.spec.apiExport.name' },
        {
          name: 'Ready',
          type: 'string',
          jsonPath: '.status.conditions[?(@.type=="Ready")].status',
        },
        AGE,
      ],
    },
  ],
  strategy: {
    nameValidation: 'DNS1123Label',
    validate: (obj: KubeObject) => validateCatalogEntry(obj as CatalogEntry),
  },
};

export const catalogEntries = systemType(catalogEntryDefinition);
