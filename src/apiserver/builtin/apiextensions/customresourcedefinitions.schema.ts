/** The structural schema of apiextensions.k8s.io/v1 CustomResourceDefinition. */
import {
  array,
  atomicStrings,
  type BuiltinSchema,
  boolean,
  condition,
  freeform,
  integer,
  object,
  string,
} from '../../../apimachinery/schema/dsl.ts';

export function names(description: string): BuiltinSchema {
  return object(
    description,
    {
      plural: string(
        'Lower-case plural name, used in URLs (`/apis/<group>/<version>/<plural>`); the CRD must be named `<plural>.<group>`.',
      ),
      singular: string('Lower-case singular name; defaults to the lower-cased kind.'),
      kind: string('The CamelCase, singular kind objects of this resource carry.'),
      listKind: string('The kind of lists of these objects; defaults to `<kind>List`.'),
      shortNames: atomicStrings(
        'Lower-case abbreviations clients accept, as in `kubectl get <short>`.',
      ),
      categories: atomicStrings(
        'Groups of resources this one belongs to, as in `kubectl get all`.',
      ),
    },
    { required: ['plural', 'kind'] },
  );
}

export const version = object(
  'One version of the custom resource API.',
  {
    name: string('The version name, e.g. `v1` or `v2beta1`, served under `/apis/<group>/<name>`.'),
    served: boolean('Whether this version is served by the REST API.'),
    storage: boolean('Whether objects are stored in this version; exactly one version must be.'),
    deprecated: boolean('Whether requests to this version get a deprecation warning.'),
    deprecationWarning: string(
      'Replaces the default deprecation warning; only with deprecated set.',
    ),
    schema: object('How objects of this version are validated, pruned and defaulted.', {
      openAPIV3Schema: freeform(
        'The OpenAPI v3 schema of the objects (a structural schema, with Kubernetes extensions).',
      ),
    }),
    subresources: object('The subresources objects of this version have.', {
      status: object(
        'Serves `/status`: the main resource then ignores status changes and `/status` ignores everything else. Set it to `{}`.',
        {},
      ),
      scale: object(
        'Serves `/scale` as an autoscaling/v1 Scale, mapped onto the object by the paths below.',
        {
          specReplicasPath: string(
            'JSON path under `.spec` of the desired replica count (Scale spec.replicas).',
          ),
          statusReplicasPath: string(
            'JSON path under `.status` of the observed replica count (Scale status.replicas).',
          ),
          labelSelectorPath: string(
            'JSON path under `.spec` or `.status` of a label selector in string form (Scale status.selector); needed by autoscalers.',
          ),
        },
        { required: ['specReplicasPath', 'statusReplicasPath'] },
      ),
    }),
    additionalPrinterColumns: array(
      'Extra columns of the table output (`kubectl get`); without any, only the age is shown.',
      object(
        'One table column.',
        {
          name: string('The column header.'),
          type: string('The OpenAPI type of the values: integer, number, string, boolean or date.'),
          format: string('An optional OpenAPI format of the values; `name` marks the name column.'),
          description: string('What the column shows.'),
          priority: integer(
            'Importance relative to the other columns; columns above 0 are shown only in wide output.',
            { format: 'int32' },
          ),
          jsonPath: string('A simple JSON path evaluated against each object to fill the column.'),
        },
        { required: ['name', 'type', 'jsonPath'] },
      ),
      { listType: 'atomic' },
    ),
    selectableFields: array(
      'Fields that may be used in field selectors (at most 8).',
      object(
        'One selectable field.',
        {
          jsonPath: string(
            'A simple JSON path, without array notation, to a string, boolean or integer field outside metadata.',
          ),
        },
        { required: ['jsonPath'] },
      ),
      { listType: 'atomic' },
    ),
  },
  { required: ['name', 'served', 'storage'] },
);

const conversion = object(
  'How objects are converted between versions.',
  {
    strategy: string(
      '`None` (only apiVersion changes) or `Webhook` (an external service converts).',
    ),
    webhook: object(
      'The conversion webhook; required with the Webhook strategy.',
      {
        clientConfig: object('How to reach the webhook over TLS.', {
          url: string(
            'The location of the webhook as an `https://` URL, without user, query or fragment. Exactly one of url and service.',
          ),
          service: object(
            'A service in the cluster serving the webhook. Exactly one of url and service.',
            {
              namespace: string('Namespace of the service.'),
              name: string('Name of the service.'),
              path: string('URL path the webhook is called at.'),
              port: integer('Port the webhook is called at; defaults to 443.', {
                format: 'int32',
              }),
            },
            { required: ['namespace', 'name'] },
          ),
          caBundle: string(
            'PEM CA certificates to verify the webhook server with (base64 on the wire); the system roots when absent.',
            { format: 'byte' },
          ),
        }),
        conversionReviewVersions: atomicStrings(
          'ConversionReview versions the webhook understands, most preferred first; the server uses the first it supports.',
        ),
      },
      { required: ['conversionReviewVersions'] },
    ),
  },
  { required: ['strategy'] },
);

export const customResourceDefinitionSchema: BuiltinSchema = object(
  'Adds a resource to the API: its names, versions and schemas. A CRD is named `<plural>.<group>`.',
  {
    spec: object(
      'The resource as it should be served.',
      {
        group: string(
          'The API group of the resource, served under `/apis/<group>`; a domain with at least one dot.',
        ),
        names: names('The names of the resource and its kind.'),
        scope: string('`Namespaced` or `Cluster`.'),
        versions: array(
          'Every version of the resource. Discovery lists them Kubernetes-style: GA before beta before alpha, higher major and minor versions first, then other names alphabetically.',
          version,
          { listType: 'atomic' },
        ),
        conversion,
        preserveUnknownFields: boolean(
          'Deprecated: keep fields the schema does not declare. Use `x-kubernetes-preserve-unknown-fields` in the schema instead.',
        ),
      },
      { required: ['group', 'names', 'scope', 'versions'] },
    ),
    status: object('The state of the definition, reported by the server.', {
      conditions: array(
        'Observations of the definition, one per condition type.',
        condition('One observation of the definition.', {
          type: 'The kind of observation: Established, NamesAccepted, NonStructuralSchema, Terminating…',
          status: 'Whether the condition holds: True, False or Unknown.',
        }),
        { listType: 'map', mapKeys: ['type'] },
      ),
      acceptedNames: names('The names actually served; they can differ from spec.names.'),
      storedVersions: atomicStrings(
        'Every version objects have ever been stored in; a version cannot leave spec.versions while listed here.',
      ),
    }),
  },
  { required: ['spec'] },
);
