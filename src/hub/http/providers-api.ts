/**
 * The hub's own API under `/api/` (kedge's paths), every answer JSON, every error a Status:
 * - `GET /api/providers`: the catalog;
 * - `GET /api/workspaces/{path}/providers/enabled`: which providers a workspace binds;
 * - `POST /api/workspaces/{path}/providers/{name}/enable` (`{acceptedClaims}`) and
 *   `…/disable`: as the caller (`enablement.ts`);
 * - `POST /api/providers/{name}/heartbeat` (`{version?}`): only from the provider's own
 *   identity, its ServiceAccount in its workspace;
 * - `GET /api/kubeconfig?workspace={path}`: a kubeconfig for the caller (`kubeconfig.ts`).
 * Every call needs a bearer token the control plane accepts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CATALOG_WORKSPACE } from '../../api/providers/types.ts';
import { isJsonObject } from '../../apimachinery/meta.ts';
import {
  badRequest,
  forbiddenMessage,
  notFoundPath,
  StatusError,
} from '../../apimachinery/status.ts';
import { CLUSTER_NAME_EXTRA } from '../../apiserver/authz/scopes.ts';
import { decodeSegment } from '../../apiserver/http/request-info.ts';
import { writeJson } from '../../apiserver/http/respond.ts';
import { CATALOG_ENTRIES, type Catalog } from '../catalog.ts';
import type { ControlPlane } from '../control-plane.ts';
import { IDENTITY_USERNAME } from '../controllers/provisioning.ts';
import type { AcceptedClaim, Enablement } from '../enablement.ts';
import { callerKubeconfig } from '../kubeconfig.ts';
import { requiredCaller } from './caller.ts';

const MAX_BODY_BYTES = 64 * 1024;
const WORKSPACE_PATH = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(:[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export interface ProvidersApiOptions {
  readonly controlPlane: ControlPlane;
  readonly catalog: Catalog;
  readonly enablement: Enablement;
  /** Asks for a reconcile of an entry (its Ready depends on heartbeats). */
  readonly poke: (name: string) => void;
}

export function methodNotAllowed(method: string | undefined): StatusError {
  return new StatusError({
    code: 405,
    reason: 'MethodNotAllowed',
    message: `the method ${method ?? ''} is not allowed here`,
  });
}

/** A JSON object body (empty means `{}`), at most 64 KiB. */
async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new StatusError({
        code: 413,
        reason: 'RequestEntityTooLarge',
        message: `the request body is larger than ${MAX_BODY_BYTES} bytes`,
      });
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badRequest(`the request body is not JSON: ${(err as Error).message}`);
  }
  if (!isJsonObject(value)) throw badRequest('the request body must be a JSON object');
  return value;
}

function acceptedClaimsOf(body: Record<string, unknown>): AcceptedClaim[] {
  const list = body.acceptedClaims ?? [];
  if (!Array.isArray(list)) throw badRequest('acceptedClaims must be a list of {group, resource}');
  return list.map((c, i) => {
    if (
      !isJsonObject(c) ||
      typeof c.resource !== 'string' ||
      (c.group !== undefined && typeof c.group !== 'string')
    )
      throw badRequest(`acceptedClaims[${i}] must be {group, resource} with string values`, [
        {
          reason: 'FieldValueInvalid',
          field: `acceptedClaims[${i}]`,
          message: 'must be {group, resource}',
        },
      ]);
    return { group: (c.group as string | undefined) ?? '', resource: c.resource };
  });
}

export function providersApi(options: ProvidersApiOptions) {
  const { controlPlane, catalog, enablement } = options;

  const authenticate = (req: IncomingMessage) => requiredCaller(controlPlane, req);

  async function heartbeat(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    const { user } = await authenticate(req);
    const entry = catalog.get(name);
    if (!entry) throw notFoundPath(`provider "${name}" is not in the catalog`);
    const cluster = entry.status?.logicalCluster;
    const own =
      cluster !== undefined &&
      user.username === IDENTITY_USERNAME &&
      (user.extra?.[CLUSTER_NAME_EXTRA] ?? []).includes(cluster);
    if (!own)
      throw forbiddenMessage(
        `only provider "${name}"'s own identity (ServiceAccount ${IDENTITY_USERNAME.split(':').slice(2).join('/')} in ${entry.status?.workspace ?? 'its workspace'}, the token in its kubeconfig Secret) may send its heartbeats`,
      );
    const body = await readJson(req);
    const version = typeof body.version === 'string' ? body.version.slice(0, 64) : undefined;
    const lastHeartbeat = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await controlPlane
      .at(CATALOG_WORKSPACE)
      .patch(
        CATALOG_ENTRIES,
        undefined,
        name,
        { status: { lastHeartbeat, ...(version ? { reportedVersion: version } : {}) } },
        { subresource: 'status' },
      );
    options.poke(name);
    writeJson(res, 200, { name, lastHeartbeat });
  }

  async function kubeconfig(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const workspace = new URL(req.url ?? '/', 'https://hub').searchParams.get('workspace') ?? '';
    if (!WORKSPACE_PATH.test(workspace))
      throw badRequest(
        `"${workspace}" is not a workspace path: ask for ?workspace=<path> (such as root:org:team)`,
      );
    const { token, user } = await authenticate(req);
    const file = callerKubeconfig({ controlPlane, workspace, token, user });
    res.writeHead(200, {
      'Content-Type': 'application/yaml; charset=utf-8',
      'Content-Disposition': `attachment; filename="${workspace.replaceAll(':', '-')}.kubeconfig"`,
      'Cache-Control': 'no-store',
    });
    res.end(file);
  }

  return async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    if (path === '/api/kubeconfig') {
      if (req.method !== 'GET') throw methodNotAllowed(req.method);
      return kubeconfig(req, res);
    }
    if (path === '/api/providers') {
      if (req.method !== 'GET') throw methodNotAllowed(req.method);
      await authenticate(req);
      writeJson(res, 200, catalog.providers());
      return;
    }
    const beat = /^\/api\/providers\/([^/]+)\/heartbeat$/.exec(path);
    if (beat) {
      if (req.method !== 'POST') throw methodNotAllowed(req.method);
      return heartbeat(req, res, decodeSegment(beat[1] as string));
    }
    const ws =
      /^\/api\/workspaces\/([^/]+)\/providers\/(?:enabled|([^/]+)\/(enable|disable))$/.exec(path);
    if (ws) {
      const workspace = decodeSegment(ws[1] as string);
      if (!WORKSPACE_PATH.test(workspace))
        throw badRequest(`"${workspace}" is not a workspace path (such as root:org:team)`);
      const name = ws[2] === undefined ? undefined : decodeSegment(ws[2]);
      if (name !== undefined && !NAME.test(name))
        throw notFoundPath(`provider "${name}" is not in the catalog`);
      const expected = name === undefined ? 'GET' : 'POST';
      if (req.method !== expected) throw methodNotAllowed(req.method);
      const { token } = await authenticate(req);
      const caller = controlPlane.asCaller(token).scoped(`/clusters/${workspace}`);
      if (name === undefined) {
        writeJson(res, 200, await enablement.enabled(caller, workspace));
      } else if (ws[3] === 'enable') {
        const accepted = acceptedClaimsOf(await readJson(req));
        writeJson(res, 200, await enablement.enable(caller, workspace, name, accepted));
      } else {
        await readJson(req);
        writeJson(res, 200, await enablement.disable(caller, workspace, name));
      }
      return;
    }
    throw notFoundPath(path);
  };
}
