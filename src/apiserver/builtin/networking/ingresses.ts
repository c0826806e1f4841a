/**
 * Ingresses (networking.k8s.io/v1): HTTP routes into Services. Validation (rules, paths
 * with a path type, backends naming a Service port by number or name) and kubectl's CLASS /
 * HOSTS / ADDRESS / PORTS table. No ingress controller runs here: creating one says so.
 */
import {
  type ErrorList,
  FieldPath,
  invalid,
  notSupported,
  required,
} from '../../../apimachinery/field-errors.ts';
import {
  isJsonObject,
  type JsonObject,
  type KubeObject,
  objectOrEmpty,
} from '../../../apimachinery/meta.ts';
import {
  atomicList,
  atomicStrings,
  type BuiltinSchema,
  integer,
  object,
  openObject,
  string,
} from '../../../apimachinery/schema/dsl.ts';
import { AGE_COLUMN, column, NAME_COLUMN } from '../../../apimachinery/table.ts';
import { age } from '../age.ts';
import { builtin, specChanged } from '../define.ts';

export const NO_INGRESS_CONTROLLER_WARNING =
  'Canopy runs no ingress controller: this Ingress is stored but routes nothing; use kubectl port-forward to reach a Service';

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'] as const;
const SPEC = FieldPath.root('spec');

const backend = object('Where matching requests go.', {
  service: object('A Service of the namespace.', {
    name: string('Its name.'),
    port: object('Its port.', {
      name: string('By name.'),
      number: integer('By number.', { format: 'int32' }),
    }),
  }),
  resource: openObject('Another object of the namespace.'),
});

export const ingressSchema: BuiltinSchema = object('HTTP routes from outside into Services.', {
  spec: object('The routes.', {
    ingressClassName: string('The IngressClass (controller) that serves it.'),
    defaultBackend: backend,
    tls: atomicList(
      'TLS settings per host set.',
      object('One TLS entry.', {
        hosts: atomicStrings('Hosts covered.'),
        secretName: string('The Secret with the certificate.'),
      }),
    ),
    rules: atomicList(
      'Rules by host.',
      object('One host.', {
        host: string('The host name; empty matches all.'),
        http: object('HTTP paths.', {
          paths: atomicList(
            'The paths.',
            object(
              'One path.',
              {
                path: string('The path; must start with / unless ImplementationSpecific.'),
                pathType: string('Exact, Prefix or ImplementationSpecific.'),
                backend,
              },
              { required: ['pathType', 'backend'] },
            ),
          ),
        }),
      }),
    ),
  }),
  status: object('What is known about the Ingress.', {
    loadBalancer: object('Its load balancer.', {
      ingress: atomicList(
        'Its addresses.',
        openObject('An address.', { ip: string('IP.'), hostname: string('Host.') }),
      ),
    }),
  }),
});

function validateBackend(b: JsonObject, path: FieldPath): ErrorList {
  const service = isJsonObject(b.service) ? b.service : undefined;
  if (!service && !isJsonObject(b.resource))
    return [invalid(path, '', 'one backend (service or resource) must be specified')];
  if (!service) return [];
  const errs: ErrorList = [];
  if (!service.name) errs.push(required(path.child('service', 'name'), ''));
  const port = objectOrEmpty(service.port);
  if (port.name === undefined && port.number === undefined) {
    errs.push(required(path.child('service', 'port'), 'port name or number is required'));
  }
  return errs;
}

function validate(obj: KubeObject): ErrorList {
  const spec = objectOrEmpty(obj.spec);
  const errs: ErrorList = [];
  const rules = Array.isArray(spec.rules) ? spec.rules.filter(isJsonObject) : [];
  if (rules.length === 0 && !isJsonObject(spec.defaultBackend)) {
    errs.push(
      invalid(SPEC.child('rules'), [], 'either `defaultBackend` or `rules` must be specified'),
    );
  }
  if (isJsonObject(spec.defaultBackend))
    errs.push(...validateBackend(spec.defaultBackend, SPEC.child('defaultBackend')));
  rules.forEach((rule, i) => {
    const http = isJsonObject(rule.http) ? rule.http : undefined;
    const paths = http && Array.isArray(http.paths) ? http.paths.filter(isJsonObject) : [];
    paths.forEach((p, j) => {
      const path = SPEC.child('rules').index(i).child('http', 'paths').index(j);
      if (p.pathType === undefined)
        errs.push(required(path.child('pathType'), 'pathType must be specified'));
      else if (!(PATH_TYPES as readonly unknown[]).includes(p.pathType)) {
        errs.push(notSupported(path.child('pathType'), p.pathType, PATH_TYPES));
      }
      if (p.pathType !== 'ImplementationSpecific' && !String(p.path ?? '').startsWith('/')) {
        errs.push(invalid(path.child('path'), p.path ?? '', 'must be an absolute path'));
      }
      errs.push(...validateBackend(objectOrEmpty(p.backend), path.child('backend')));
    });
  });
  return errs;
}

export const ingresses = builtin({
  group: 'networking.k8s.io',
  version: 'v1',
  plural: 'ingresses',
  singular: 'ingress',
  kind: 'Ingress',
  namespaced: true,
  shortNames: ['ing'],
  subresources: { status: true },
  schema: ingressSchema,
  definitionName: 'io.k8s.api.networking.v1.Ingress',
  strategy: {
    validate,
    warningsOnCreate: () => [NO_INGRESS_CONTROLLER_WARNING],
    generationChanged: specChanged,
    allowUnconditionalUpdate: true,
    columns: [
      NAME_COLUMN,
      column('Class', 'string', 'The IngressClass that serves it.'),
      column('Hosts', 'string', 'The hosts it routes.'),
      column('Address', 'string', 'Where it is reached.'),
      column('Ports', 'string', 'The ports it serves.'),
      AGE_COLUMN,
    ],
    cells: (obj, now) => {
      const spec = objectOrEmpty(obj.spec);
      const rules = Array.isArray(spec.rules) ? spec.rules.filter(isJsonObject) : [];
      const hosts = rules.map((r) => String(r.host ?? '')).filter(Boolean);
      const status =
        isJsonObject(obj.status) && isJsonObject(obj.status.loadBalancer)
          ? obj.status.loadBalancer
          : {};
      const lb = (Array.isArray(status.ingress) ? status.ingress.filter(isJsonObject) : []).map(
        (i) => String(i.ip ?? i.hostname ?? ''),
      );
      const tls = Array.isArray(spec.tls) && spec.tls.length > 0;
      return [
        obj.metadata.name,
        spec.ingressClassName ?? '<none>',
        hosts.length > 0 ? hosts.join(',') : '*',
        lb.join(','),
        tls ? '80, 443' : '80',
        age(obj, now),
      ];
    },
  },
});
