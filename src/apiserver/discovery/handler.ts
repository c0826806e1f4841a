/**
 * Serves discovery for a logical cluster: `/api`, `/apis`, `/apis/<group>`, and the
 * per-group-version resource lists, legacy or aggregated as negotiated, with ETags.
 * Documents are cached per set of types: every cluster without CRDs shares one copy.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { notAcceptable, notFoundPath } from '../../apimachinery/status.ts';
import { negotiateDiscovery } from '../http/negotiation.ts';
import type { TypeRegistry } from '../registry/type-registry.ts';
import { buildDocuments, type Documents } from './documents.ts';

const MAX_CACHED = 256;

export class DiscoveryHandler {
  private readonly registry: TypeRegistry;
  private readonly cache = new Map<string, Documents>();

  constructor(registry: TypeRegistry) {
    this.registry = registry;
  }

  documents(cluster: string): Documents {
    const types = this.registry.types(cluster);
    const shared = types.length === this.registry.builtinTypes().length;
    const key = shared ? '' : `${cluster}@${this.registry.revision(cluster)}`;
    let docs = this.cache.get(key);
    if (!docs) {
      docs = buildDocuments(types);
      if (this.cache.size >= MAX_CACHED) {
        const oldest = this.cache.keys().next().value;
        if (oldest !== undefined) this.cache.delete(oldest);
      }
      this.cache.set(key, docs);
    }
    return docs;
  }

  /** Answers a discovery path; returns false when the path is not discovery. */
  handle(req: IncomingMessage, res: ServerResponse, cluster: string, path: string): boolean {
    return serveDiscovery(req, res, () => this.documents(cluster), path);
  }
}

/**
 * Answers a discovery path from `documents` (asked for only when the path is discovery);
 * returns false when it is not. The server's clusters and virtual workspaces share it.
 */
export function serveDiscovery(
  req: IncomingMessage,
  res: ServerResponse,
  documents: () => Documents,
  path: string,
): boolean {
  const parts = path.split('/').filter(Boolean);
  if (parts[0] !== 'api' && parts[0] !== 'apis') return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const docs = documents();
  const top = parts.length === 1;
  if (top) {
    const format = negotiateDiscovery(req.headers.accept);
    if (!format)
      throw notAcceptable([
        'application/json',
        'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
      ]);
    if (format.kind === 'aggregated') {
      const body = {
        kind: 'APIGroupDiscoveryList',
        apiVersion: `apidiscovery.k8s.io/${format.version}`,
        metadata: {},
        items: parts[0] === 'api' ? docs.aggregatedCore : docs.aggregatedGroups,
      };
      send(req, res, body, format.contentType);
      return true;
    }
    if (parts[0] === 'api') {
      send(req, res, {
        kind: 'APIVersions',
        versions: docs.coreVersions,
        serverAddressByClientCIDRs: [
          { clientCIDR: '0.0.0.0/0', serverAddress: req.headers.host ?? '' },
        ],
      });
    } else {
      send(req, res, { kind: 'APIGroupList', apiVersion: 'v1', groups: docs.groups });
    }
    return true;
  }
  if (parts[0] === 'apis' && parts.length === 2) {
    const group = docs.groups.find((g) => g.name === parts[1]);
    if (!group) throw notFoundPath();
    send(req, res, { kind: 'APIGroup', apiVersion: 'v1', ...group });
    return true;
  }
  const gvPath = parts.join('/');
  if ((parts[0] === 'api' && parts.length === 2) || (parts[0] === 'apis' && parts.length === 3)) {
    const list = docs.resourceLists.get(gvPath);
    if (!list) throw notFoundPath();
    send(req, res, list);
    return true;
  }
  return false;
}

function send(
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
  contentType = 'application/json',
): void {
  const text = JSON.stringify(body);
  const etag = `"${createHash('sha256').update(text).digest('hex').slice(0, 32)}"`;
  const headers = { ETag: etag, Vary: 'Accept', 'Cache-Control': 'no-cache, private' };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  // The text the ETag hashes is the body: serialised once.
  res.writeHead(200, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
