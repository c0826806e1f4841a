/**
 * `nodes/<name>/tunnel`: where a node agent (the PostgreSQL operator) connects so the server
 * can reach the pods it runs (see tunnels.ts). Authorized as `create` on `nodes/tunnel` for
 * that node name, so RBAC decides which identity may stand for which node; the Node object
 * must exist (the agent registers it first).
 */
import { badRequest } from '../../apimachinery/status.ts';
import { switchProtocols } from '../http/upgrade.ts';
import type { ConnectHandler, ResourceType } from '../registry/resource-type.ts';
import { type NodeTunnels, TUNNEL_PROTOCOL } from './tunnels.ts';

function tunnel(tunnels: NodeTunnels): ConnectHandler {
  return async (ctx) => {
    const asked = String(ctx.req.headers.upgrade ?? '');
    if (ctx.req.method !== 'POST' || !ctx.upgrade || asked !== TUNNEL_PROTOCOL) {
      throw badRequest(`a node tunnel is a POST with Upgrade: ${TUNNEL_PROTOCOL}`);
    }
    const node = await ctx.object();
    const connection = await switchProtocols(ctx.res, ctx.upgrade, { Upgrade: TUNNEL_PROTOCOL });
    tunnels.register(node.metadata.name ?? ctx.name, connection, ctx.user.username);
    connection.resume();
  };
}

/** The node type with its tunnel subresource. */
export function withNodeTunnel(nodes: ResourceType, tunnels: NodeTunnels): ResourceType {
  return { ...nodes, connect: { ...nodes.connect, tunnel: tunnel(tunnels) } };
}
