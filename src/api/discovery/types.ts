/** discovery.k8s.io/v1 EndpointSlice: the endpoints of a Service, written by its controller. */
import type { KubeObject } from '../../apimachinery/meta.ts';

export type AddressType = 'IPv4' | 'IPv6' | 'FQDN';

export interface Endpoint {
  addresses: string[];
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  hostname?: string;
  targetRef?: { kind: string; namespace?: string; name: string; uid?: string };
  nodeName?: string;
  zone?: string;
}

export interface EndpointPort {
  name?: string;
  protocol?: string;
  port?: number;
  appProtocol?: string;
}

export interface EndpointSlice extends KubeObject {
  addressType: AddressType;
  endpoints: Endpoint[];
  ports?: EndpointPort[];
}

export const DISCOVERY_GROUP = 'discovery.k8s.io';
/** The label saying which controller manages a slice. */
export const ENDPOINTSLICE_CONTROLLER = 'endpointslice-controller.k8s.io';
