/**
 * The connect subresources of pods, served through the node tunnel of the pod's node:
 * `pods/log` (kubectl logs, with follow, tail, since, timestamps, limits) streams the
 * agent's answer; `pods/portforward` (kubectl port-forward, SPDY or SPDY tunnelled in
 * WebSocket) carries each forwarded connection as one tunnel stream; `pods/exec` and
 * `pods/attach` are refused with a Status saying why. Each runs after authentication and
 * RBAC (`get` on pods/log, `create` on the others), on a pod read as the caller.
 */
import type { ClientHttp2Stream } from 'node:http2';
import type { Pod } from '../../api/core/types.ts';
import { DEFAULT_CONTAINER_ANNOTATION } from '../../api/core/types.ts';
import { badRequest, StatusError } from '../../apimachinery/status.ts';
import type { ConnectContext, ConnectHandler, ResourceType } from '../registry/resource-type.ts';
import { logOptions } from './log-options.ts';
import { servePortForward } from './portforward.ts';
import type { NodeTunnels } from './tunnels.ts';

/** The agent's answer to a tunnel request: resolves on 200, else a Status with its message. */
export function agentResponse(stream: ClientHttp2Stream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('error', (err) =>
      reject(
        new StatusError({
          code: 502,
          reason: 'InternalError',
          message: `the node agent failed: ${err.message}`,
        }),
      ),
    );
    stream.once('response', (headers) => {
      const code = Number(headers[':status']);
      if (code === 200) return resolve();
      let text = '';
      stream.setEncoding('utf8');
      stream.on('data', (d: string) => {
        if (text.length < 4096) text += d;
      });
      stream.on('end', () => {
        const reason = code === 404 ? 'NotFound' : code === 400 ? 'BadRequest' : 'InternalError';
        reject(
          new StatusError({
            code,
            reason,
            message: text.trim() || `the node agent answered ${code}`,
          }),
        );
      });
    });
  });
}

function nodeOf(pod: Pod): string {
  const node = pod.spec?.nodeName;
  if (!node) throw badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
  return node;
}

/** The container a log request means: the named one, the default, or the only one. */
function containerOf(pod: Pod, asked: string | null): string {
  const containers = (pod.spec?.containers ?? []).map((c) => c.name);
  const init = (pod.spec?.initContainers ?? []).map((c) => c.name);
  const name = pod.metadata.name;
  if (asked) {
    if (!containers.includes(asked) && !init.includes(asked)) {
      throw badRequest(`container ${asked} is not valid for pod ${name}`);
    }
    return asked;
  }
  const preferred = pod.metadata.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  if (preferred && containers.includes(preferred)) return preferred;
  if (containers.length === 1) return containers[0] as string;
  throw badRequest(
    `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]${init.length > 0 ? ` or one of the init containers: [${init.join(' ')}]` : ''}`,
  );
}

const podPath = (pod: Pod) =>
  `${encodeURIComponent(pod.metadata.namespace ?? '')}/${encodeURIComponent(pod.metadata.name ?? '')}`;

function logs(tunnels: NodeTunnels): ConnectHandler {
  return async (ctx: ConnectContext) => {
    if (ctx.req.method !== 'GET' && ctx.req.method !== 'HEAD') {
      throw new StatusError({
        code: 405,
        reason: 'MethodNotAllowed',
        message: 'the server does not allow this method on the requested resource',
      });
    }
    const pod = (await ctx.object()) as Pod;
    const options = logOptions(ctx.query, pod.metadata.name ?? '');
    const container = containerOf(pod, ctx.query.get('container'));
    const node = nodeOf(pod);
    options.set('podUID', pod.metadata.uid ?? '');
    const stream = tunnels.request(
      node,
      'GET',
      `/containerLogs/${podPath(pod)}/${encodeURIComponent(container)}?${options}`,
    );
    const stop = () => stream.close();
    ctx.res.on('close', stop);
    try {
      await agentResponse(stream);
    } catch (err) {
      ctx.res.off('close', stop);
      throw err;
    }
    ctx.res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache' });
    ctx.res.flushHeaders();
    stream.pipe(ctx.res);
    await new Promise<void>((resolve) => {
      stream.on('close', resolve);
      ctx.res.on('close', resolve);
    });
  };
}

function portForward(tunnels: NodeTunnels): ConnectHandler {
  return async (ctx) => {
    if (!ctx.upgrade) throw badRequest('Upgrade request required');
    const pod = (await ctx.object()) as Pod;
    const node = nodeOf(pod);
    tunnels.require(node);
    await servePortForward(ctx, (port) =>
      tunnels.request(
        node,
        'POST',
        `/portForward/${podPath(pod)}?port=${port}&podUID=${encodeURIComponent(pod.metadata.uid ?? '')}`,
      ),
    );
  };
}

/**
 * Nothing here runs containers: an instance is a process of the operator's host, sharing it
 * with every other tenant's instances, so a command run "in" it could reach them all. exec
 * and attach are refused rather than made half-safe.
 */
function refuseExec(what: 'exec' | 'attach'): ConnectHandler {
  return async (ctx) => {
    const pod = (await ctx.object()) as Pod;
    throw badRequest(
      `${what} is not supported: pod ${pod.metadata.name} is not a container but a process on a host its node shares with other pods, so a command cannot be confined to it; use kubectl logs, or kubectl port-forward pod/${pod.metadata.name} and a client`,
    );
  };
}

/** The pod type with its connect subresources, served through `tunnels`. */
export function withPodConnect(pods: ResourceType, tunnels: NodeTunnels): ResourceType {
  const options = (name: string, kind: string, verbs: string[]) => ({
    name,
    group: '',
    version: 'v1',
    kind,
    verbs,
  });
  return {
    ...pods,
    extraSubresources: [
      ...(pods.extraSubresources ?? []),
      options('attach', 'PodAttachOptions', ['create', 'get']),
      options('exec', 'PodExecOptions', ['create', 'get']),
      options('log', 'Pod', ['get']),
      options('portforward', 'PodPortForwardOptions', ['create', 'get']),
    ],
    connect: {
      ...pods.connect,
      log: logs(tunnels),
      portforward: portForward(tunnels),
      exec: refuseExec('exec'),
      attach: refuseExec('attach'),
    },
  };
}
