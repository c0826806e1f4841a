/**
 * ServiceIPAllocation: gives each new Service a cluster IP from the service range
 * (10.96.0.0/12, kube-apiserver's default) and each NodePort or LoadBalancer port a node
 * port (30000–32767), as kube-apiserver's allocators do, and refuses addresses or ports
 * another Service of the cluster holds or that lie outside the range. Picks are random
 * among the free ones, as upstream's are: two creates racing each other would have to draw
 * the same one of a million addresses to collide (nothing routes to them here anyway).
 */
import { randomInt } from 'node:crypto';
import type { Service } from '../../api/core/types.ts';
import { FieldPath, invalid } from '../../apimachinery/field-errors.ts';
import { isJsonObject, type JsonObject } from '../../apimachinery/meta.ts';
import { invalid as invalidStatus } from '../../apimachinery/status.ts';
import type { Client } from '../client.ts';
import type { AdmissionPlugin, AdmissionRequest } from './admission.ts';

const SERVICES = { group: '', version: 'v1', resource: 'services' };
/** 10.96.0.0/12 without its network and broadcast addresses. */
const IP_BASE = (10 << 24) | (96 << 16);
const IP_COUNT = 1 << 20;
const NODE_PORT_MIN = 30000;
const NODE_PORT_MAX = 32767;

function ipToNumber(ip: string): number | undefined {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    return undefined;
  }
  return (
    ((parts[0] as number) << 24) |
    ((parts[1] as number) << 16) |
    ((parts[2] as number) << 8) |
    (parts[3] as number)
  );
}

const numberToIp = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

const inRange = (n: number) => n > IP_BASE && n < IP_BASE + IP_COUNT - 1;

export function serviceAllocation(client: Client): AdmissionPlugin {
  async function taken(
    request: AdmissionRequest,
  ): Promise<{ ips: Set<string>; ports: Set<number> }> {
    const list = await client.resource(request.scope.cluster, SERVICES).list();
    const ips = new Set<string>();
    const ports = new Set<number>();
    for (const item of list.items as Service[]) {
      if (item.metadata.name === request.name && item.metadata.namespace === request.namespace) {
        continue;
      }
      for (const ip of item.spec?.clusterIPs ?? [item.spec?.clusterIP ?? '']) if (ip) ips.add(ip);
      for (const p of item.spec?.ports ?? []) if (p.nodePort) ports.add(p.nodePort);
    }
    return { ips, ports };
  }

  return {
    name: 'ServiceIPAllocation',
    async admit(request) {
      const { scope, object } = request;
      if (scope.type.group !== '' || scope.type.names.plural !== 'services') return;
      if (request.subresource !== '' || !object || !isJsonObject(object.spec)) return;
      const spec = object.spec;
      const old = request.oldObject?.spec as JsonObject | undefined;
      const type = spec.type ?? 'ClusterIP';
      const wantsIP =
        type !== 'ExternalName' &&
        spec.clusterIP !== 'None' &&
        (request.operation === 'CREATE' || old?.type === 'ExternalName' || !old?.clusterIP);
      const wantsPorts =
        type === 'NodePort' ||
        (type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
      if (!wantsIP && !wantsPorts) return;
      const used = await taken(request);
      const errs = [];
      if (wantsIP) {
        const asked =
          typeof spec.clusterIP === 'string' && spec.clusterIP !== '' ? spec.clusterIP : undefined;
        const path = FieldPath.root('spec', 'clusterIPs').index(0);
        if (asked !== undefined) {
          const n = ipToNumber(asked);
          if (n === undefined || !inRange(n)) {
            errs.push(
              invalid(
                path,
                asked,
                'failed to allocate IP: the provided IP is not in the valid range. The range of valid IPs is 10.96.0.0/12',
              ),
            );
          } else if (used.ips.has(asked)) {
            errs.push(
              invalid(path, asked, 'failed to allocate IP: provided IP is already allocated'),
            );
          }
        } else {
          let ip = '';
          do ip = numberToIp(IP_BASE + randomInt(1, IP_COUNT - 1));
          while (used.ips.has(ip));
          spec.clusterIP = ip;
        }
        spec.clusterIPs = [spec.clusterIP as string];
      }
      if (wantsPorts && Array.isArray(spec.ports)) {
        spec.ports.forEach((p, i) => {
          if (!isJsonObject(p)) return;
          if (typeof p.nodePort === 'number' && p.nodePort !== 0) {
            const path = FieldPath.root('spec', 'ports').index(i).child('nodePort');
            if (p.nodePort < NODE_PORT_MIN || p.nodePort > NODE_PORT_MAX) {
              errs.push(
                invalid(
                  path,
                  p.nodePort,
                  `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_MIN}-${NODE_PORT_MAX}`,
                ),
              );
            } else if (used.ports.has(p.nodePort) && old === undefined) {
              errs.push(invalid(path, p.nodePort, 'provided port is already allocated'));
            }
            used.ports.add(p.nodePort);
            return;
          }
          let port = 0;
          do port = randomInt(NODE_PORT_MIN, NODE_PORT_MAX + 1);
          while (used.ports.has(port));
          used.ports.add(port);
          p.nodePort = port;
        });
      }
      if (errs.length > 0) {
        throw invalidStatus({ group: '', kind: 'Service' }, request.name, errs);
      }
    },
  };
}
