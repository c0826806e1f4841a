/**
 * Serves OpenAPI for a set of types — a logical cluster's, or a virtual workspace's view:
 * `/openapi/v3` (an index of group-versions with a
 * content hash in each URL, relative to the cluster's base so kubectl's `/clusters/…`
 * prefix is not doubled), `/openapi/v3/<gv>` (immutable when fetched by hash), and
 * `/openapi/v2` (an empty protobuf document, which is all kubectl 1.27 and 1.28 need
 * before moving on to v3, or a JSON swagger document for JSON clients).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { notFoundPath } from '../../apimachinery/status.ts';
import { parseMediaTypes } from '../http/negotiation.ts';
import { writeJson } from '../http/respond.ts';
import type { ResourceType } from '../registry/resource-type.ts';
import type { TypeRegistry } from '../registry/type-registry.ts';
import {
  buildGroupVersionDocument,
  groupVersionPath,
  type OpenApiV3Document,
} from './documents.ts';
import { swaggerV2 } from './v2.ts';

const PROTOBUF_V2 = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';
const MAX_CACHED = 512;

interface CachedDoc {
  readonly text: string;
  readonly hash: string;
}

/** The types documents describe; `cacheKey` names that set of types (none: not cached). */
export interface OpenApiTypes {
  readonly types: readonly ResourceType[];
  readonly cacheKey?: string;
}

export class OpenApiHandler {
  private readonly registry: TypeRegistry;
  private readonly cache = new Map<string, CachedDoc>();

  constructor(registry: TypeRegistry) {
    this.registry = registry;
  }

  /** A logical cluster's types; every cluster serving only the built-ins shares documents. */
  forCluster(cluster: string): OpenApiTypes {
    const types = this.registry.types(cluster);
    const shared = types.length === this.registry.builtinTypes().length;
    return { types, cacheKey: shared ? '' : `${cluster}@${this.registry.revision(cluster)}` };
  }

  private groupVersions(types: readonly ResourceType[]): Array<{ group: string; version: string }> {
    const seen = new Map<string, { group: string; version: string }>();
    for (const t of types) {
      for (const v of t.versions)
        seen.set(groupVersionPath(t.group, v), { group: t.group, version: v });
    }
    return [...seen.values()];
  }

  document(source: OpenApiTypes, group: string, version: string): CachedDoc | undefined {
    const key =
      source.cacheKey === undefined ? undefined : `${source.cacheKey}|${group}/${version}`;
    let doc = key === undefined ? undefined : this.cache.get(key);
    if (doc) return doc;
    const { types } = source;
    if (!types.some((t) => t.group === group && t.versions.includes(version))) return undefined;
    const built: OpenApiV3Document = buildGroupVersionDocument(types, group, version);
    const text = JSON.stringify(built);
    doc = {
      text,
      hash: createHash('sha512').update(text).digest('hex').slice(0, 64).toUpperCase(),
    };
    if (key === undefined) return doc;
    if (this.cache.size >= MAX_CACHED) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(key, doc);
    return doc;
  }

  /**
   * Answers an `/openapi/` path; returns false for any other. `types` may be given as a
   * function, so requests for other paths do not gather the types.
   */
  handle(
    req: IncomingMessage,
    res: ServerResponse,
    types: OpenApiTypes | (() => OpenApiTypes),
    path: string,
    query: URLSearchParams,
  ): boolean {
    if (!path.startsWith('/openapi/')) return false;
    const source = typeof types === 'function' ? types() : types;
    if (path === '/openapi/v2') {
      const wantsProto = parseMediaTypes(req.headers.accept).some((m) =>
        m.type.includes('protobuf'),
      );
      if (wantsProto) {
        res.writeHead(200, { 'Content-Type': PROTOBUF_V2, 'Content-Length': 0 });
        res.end();
      } else {
        writeJson(res, 200, swaggerV2(source.types));
      }
      return true;
    }
    if (path === '/openapi/v3' || path === '/openapi/v3/') {
      const paths: Record<string, { serverRelativeURL: string }> = {};
      for (const { group, version } of this.groupVersions(source.types)) {
        const doc = this.document(source, group, version);
        const gv = groupVersionPath(group, version);
        if (doc) paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${doc.hash}` };
      }
      writeJson(res, 200, { paths }, { headers: { 'Cache-Control': 'no-cache, private' } });
      return true;
    }
    const m = /^\/openapi\/v3\/(api\/([^/]+)|apis\/([^/]+)\/([^/]+))$/.exec(path);
    if (!m) throw notFoundPath();
    const group = m[2] ? '' : (m[3] as string);
    const version = (m[2] ?? m[4]) as string;
    const doc = this.document(source, group, version);
    if (!doc) throw notFoundPath();
    const hash = query.get('hash');
    const headers: Record<string, string> = { ETag: `"${doc.hash}"`, Vary: 'Accept' };
    if (hash === doc.hash) headers['Cache-Control'] = 'public, immutable';
    else if (hash) {
      // An outdated hash: send the client to the current document.
      res.writeHead(301, {
        Location: `/openapi/v3/${groupVersionPath(group, version)}?hash=${doc.hash}`,
      });
      res.end();
      return true;
    } else headers['Cache-Control'] = 'no-cache, private';
    if (req.headers['if-none-match'] === `"${doc.hash}"`) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(doc.text),
      ...headers,
    });
    res.end(doc.text);
    return true;
  }
}
