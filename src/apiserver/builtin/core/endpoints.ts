/**
 * Endpoints (core/v1, deprecated upstream in favour of EndpointSlices but still what older
 * kubectl describes): the addresses and ports behind a Service, written by the endpoints
 * controller (controllers/endpoints/) for Services with a selector, or by hand. Validation
 * of addresses and ports; the NAME / ENDPOINTS / AGE table with kubectl's `+ N more...`.
 */
import type { Endpoints } from '../../../api/core/types.ts';
import {
  type ErrorList,
  FieldPath,
  invalid,
  required,
} from '../../../apimachinery/field-errors.ts';
import type { KubeObject } from '../../../apimachinery/meta.ts';
import {
  atomicList,
  type BuiltinSchema,
  integer,
  object,
  string,
} from '../../../apimachinery/schema/dsl.ts';
import { AGE_COLUMN, column, NAME_COLUMN } from '../../../apimachinery/table.ts';
import { age } from '../age.ts';
import { builtin } from '../define.ts';
import { validatePortNumber } from './pod-spec.ts';

const address = object(
  'One address.',
  {
    ip: string('The IP address.'),
    hostname: string('A host name for DNS.'),
    nodeName: string('The node hosting it.'),
    targetRef: object('The pod behind it.', {
      kind: string('Its kind.'),
      namespace: string('Its namespace.'),
      name: string('Its name.'),
      uid: string('Its UID.'),
      apiVersion: string('Its API version.'),
      resourceVersion: string('Its resourceVersion when recorded.'),
      fieldPath: string('Unused.'),
    }),
  },
  { required: ['ip'] },
);

export const endpointsSchema: BuiltinSchema = object('The addresses and ports behind a Service.', {
  subsets: atomicList(
    'Groups of addresses that share ports.',
    object('Addresses and their ports.', {
      addresses: atomicList('Ready addresses.', address),
      notReadyAddresses: atomicList('Addresses not ready (yet).', address),
      ports: atomicList(
        'Their ports.',
        object(
          'A port.',
          {
            name: string('The name of the Service port it serves.'),
            port: integer('The port number.', { format: 'int32' }),
            protocol: string('TCP, UDP or SCTP.'),
            appProtocol: string('The application protocol.'),
          },
          { required: ['port'] },
        ),
      ),
    }),
  ),
});

const IPV4 = /^(\d{1,3}\.){3}\d{1,3}$/;

function validate(obj: KubeObject): ErrorList {
  const errs: ErrorList = [];
  const subsets = (obj as Endpoints).subsets ?? [];
  subsets.forEach((s, i) => {
    const path = FieldPath.root('subsets').index(i);
    for (const field of ['addresses', 'notReadyAddresses'] as const) {
      (s[field] ?? []).forEach((a, j) => {
        const p = path.child(field).index(j).child('ip');
        if (!a.ip) errs.push(required(p, ''));
        else if (!IPV4.test(a.ip) && !a.ip.includes(':')) {
          errs.push(invalid(p, a.ip, 'must be a valid IP address'));
        }
      });
    }
    (s.ports ?? []).forEach((p, j) => {
      errs.push(...validatePortNumber(p.port, path.child('ports').index(j).child('port')));
    });
  });
  return errs;
}

/** formatEndpoints: the first three `ip:port`, then how many more. */
export function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  let count = 0;
  for (const s of subsets) {
    const addresses = s.addresses ?? [];
    const ports = s.ports ?? [];
    const pairs =
      ports.length === 0
        ? addresses.map((a) => a.ip)
        : ports.flatMap((p) =>
            addresses.map((a) =>
              a.ip.includes(':') ? `[${a.ip}]:${p.port}` : `${a.ip}:${p.port}`,
            ),
          );
    for (const pair of pairs) {
      if (list.length < 3) list.push(pair);
      count++;
    }
  }
  const text = list.join(',');
  return count > 3 ? `${text} + ${count - 3} more...` : text;
}

export const endpoints = builtin({
  group: '',
  version: 'v1',
  plural: 'endpoints',
  singular: 'endpoints',
  kind: 'Endpoints',
  namespaced: true,
  shortNames: ['ep'],
  schema: endpointsSchema,
  definitionName: 'io.k8s.api.core.v1.Endpoints',
  strategy: {
    validate,
    allowUnconditionalUpdate: true,
    columns: [
      NAME_COLUMN,
      column('Endpoints', 'string', 'The addresses and ports behind the Service.'),
      AGE_COLUMN,
    ],
    cells: (obj, now) => [obj.metadata.name, formatEndpoints(obj as Endpoints), age(obj, now)],
  },
});
