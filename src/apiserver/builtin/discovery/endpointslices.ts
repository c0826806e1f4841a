/**
 * EndpointSlices (discovery.k8s.io/v1): a Service's endpoints in slices of at most 1000,
 * written by the EndpointSlice controller (controllers/endpoints/) for Services with a
 * selector. Upstream's validation (address type, 1 to 100 addresses of that type per
 * endpoint, ports and their names) and kubectl's ADDRESSTYPE / PORTS / ENDPOINTS table.
 */
import type { EndpointSlice } from '../../../api/discovery/types.ts';
import {
  type ErrorList,
  FieldPath,
  invalid,
  notSupported,
  required,
  tooMany,
} from '../../../apimachinery/field-errors.ts';
import { isJsonObject, type KubeObject } from '../../../apimachinery/meta.ts';
import {
  atomicList,
  atomicStrings,
  type BuiltinSchema,
  boolean,
  integer,
  object,
  objectReference,
  string,
} from '../../../apimachinery/schema/dsl.ts';
import { AGE_COLUMN, column, NAME_COLUMN } from '../../../apimachinery/table.ts';
import { isDNS1123Label } from '../../../apimachinery/validation/names.ts';
import { age } from '../age.ts';
import { validatePortNumber } from '../core/pod-spec.ts';
import { builtin } from '../define.ts';

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'] as const;
const MAX_ENDPOINTS = 1000;
const MAX_PORTS = 20000;
const MAX_ADDRESSES = 100;

export const endpointSliceSchema: BuiltinSchema = object('A slice of the endpoints of a Service.', {
  addressType: string('IPv4, IPv6 or FQDN: the kind of every address in the slice.'),
  endpoints: atomicList(
    'The endpoints, at most 1000.',
    object(
      'One endpoint, usually a pod.',
      {
        addresses: atomicStrings('Its addresses (1 to 100), of the slice type.'),
        conditions: object('Its state.', {
          ready: boolean('Whether it should receive new traffic.'),
          serving: boolean('Whether it is serving, whatever its termination state.'),
          terminating: boolean('Whether it is shutting down.'),
        }),
        hostname: string('A host name for DNS.'),
        targetRef: objectReference('The object behind it, usually a Pod.'),
        deprecatedTopology: {
          type: 'object',
          description: 'Deprecated.',
          additionalProperties: { type: 'string' },
        },
        nodeName: string('The node hosting it.'),
        zone: string('The zone it is in.'),
        hints: object('Routing hints.', {
          forZones: atomicList(
            'Zones to prefer.',
            object('A zone.', { name: string('Its name.') }),
          ),
        }),
      },
      { required: ['addresses'] },
    ),
  ),
  ports: atomicList(
    'The ports every endpoint of the slice serves.',
    object('A port.', {
      name: string('The name of the Service port it serves.'),
      protocol: string('TCP (the default), UDP or SCTP.'),
      port: integer('The port number.', { format: 'int32' }),
      appProtocol: string('The application protocol.'),
    }),
  ),
});

function validate(obj: KubeObject): ErrorList {
  const slice = obj as EndpointSlice;
  const errs: ErrorList = [];
  const type = slice.addressType;
  if (!type) errs.push(required(FieldPath.root('addressType'), ''));
  else if (!(ADDRESS_TYPES as readonly string[]).includes(type)) {
    errs.push(notSupported(FieldPath.root('addressType'), type, ADDRESS_TYPES));
  }
  const list = Array.isArray(slice.endpoints) ? slice.endpoints : [];
  if (list.length > MAX_ENDPOINTS)
    errs.push(tooMany(FieldPath.root('endpoints'), list.length, MAX_ENDPOINTS));
  list.forEach((e, i) => {
    const path = FieldPath.root('endpoints').index(i).child('addresses');
    const addresses = Array.isArray(e.addresses) ? e.addresses : [];
    if (addresses.length === 0) errs.push(required(path, 'must contain at least 1 address'));
    if (addresses.length > MAX_ADDRESSES) errs.push(tooMany(path, addresses.length, MAX_ADDRESSES));
    addresses.forEach((a, j) => {
      const ok =
        type === 'IPv4'
          ? /^(\d{1,3}\.){3}\d{1,3}$/.test(a)
          : type === 'IPv6'
            ? a.includes(':')
            : /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(a);
      if (!ok) errs.push(invalid(path.index(j), a, `must be a valid ${type} address`));
    });
  });
  const ports = Array.isArray(slice.ports) ? slice.ports : [];
  if (ports.length > MAX_PORTS)
    errs.push(tooMany(FieldPath.root('ports'), ports.length, MAX_PORTS));
  ports.forEach((p, i) => {
    const path = FieldPath.root('ports').index(i);
    if (p.name)
      for (const m of isDNS1123Label(p.name)) errs.push(invalid(path.child('name'), p.name, m));
    if (p.port !== undefined && p.port !== null) {
      errs.push(...validatePortNumber(p.port, path.child('port')));
    }
  });
  return errs;
}

/** The first three values, then how many more, as kubectl prints lists in tables. */
function firstThree(values: readonly string[]): string {
  if (values.length === 0) return '<unset>';
  const text = values.slice(0, 3).join(',');
  return values.length > 3 ? `${text} + ${values.length - 3} more...` : text;
}

export const endpointSlices = builtin({
  group: 'discovery.k8s.io',
  version: 'v1',
  plural: 'endpointslices',
  singular: 'endpointslice',
  kind: 'EndpointSlice',
  namespaced: true,
  schema: endpointSliceSchema,
  definitionName: 'io.k8s.api.discovery.v1.EndpointSlice',
  strategy: {
    prepareForCreate: (obj) => {
      for (const p of Array.isArray(obj.ports) ? obj.ports : []) {
        if (isJsonObject(p)) p.protocol ??= 'TCP';
      }
    },
    validate,
    allowUnconditionalUpdate: true,
    generationChanged: (obj, old) =>
      JSON.stringify([obj.endpoints, obj.ports]) !== JSON.stringify([old.endpoints, old.ports]),
    columns: [
      NAME_COLUMN,
      column('AddressType', 'string', 'The kind of address the slice holds.'),
      column('Ports', 'string', 'The ports of the slice.'),
      column('Endpoints', 'string', 'The addresses of its endpoints.'),
      AGE_COLUMN,
    ],
    cells: (obj, now) => {
      const slice = obj as EndpointSlice;
      const ports = (Array.isArray(slice.ports) ? slice.ports : []).map((p) =>
        p.port === undefined || p.port === null ? '<unset>' : String(p.port),
      );
      const addresses = (Array.isArray(slice.endpoints) ? slice.endpoints : []).flatMap(
        (e) => e.addresses ?? [],
      );
      return [
        obj.metadata.name,
        slice.addressType,
        firstThree(ports),
        firstThree(addresses),
        age(obj, now),
      ];
    },
  },
});
