/**
 * WorkspaceType lookups: a type by reference (with or without a path: without, it is
 * searched from a workspace up to root), a logical cluster's own type, whether a type
 * counts as another (extension is transitive), and the initializers a type brings.
 */

import {
  WORKSPACE_TYPES_GVR,
  type WorkspaceType,
  type WorkspaceTypeReference,
} from '../api/tenancy/types.ts';
import { parentPath } from '../apimachinery/logicalcluster.ts';
import type { Client } from '../apiserver/client.ts';
import type { ClusterIndex } from './cluster-index.ts';

export interface ResolvedType {
  readonly name: string;
  /** Canonical path of the workspace the type lives in. */
  readonly path: string;
  readonly cluster: string;
  readonly object: WorkspaceType;
}

const MAX_EXTEND_DEPTH = 10;

/** A WorkspaceType by logical cluster and name (undefined when there is none). */
export type WorkspaceTypeLookup = (
  cluster: string,
  name: string,
) => Promise<WorkspaceType | undefined>;
/** The paths of the workspace tree. */
export type WorkspaceTree = Pick<ClusterIndex, 'resolve' | 'info'>;

/** WorkspaceTypes read through the in-process client. */
export function workspaceTypesOf(client: Client): WorkspaceTypeLookup {
  return async (cluster, name) =>
    (await client.resource(cluster, WORKSPACE_TYPES_GVR).find(name)) as WorkspaceType | undefined;
}

export class WorkspaceTypeResolver {
  private readonly lookup: WorkspaceTypeLookup;
  private readonly index: WorkspaceTree;

  constructor(lookup: WorkspaceTypeLookup, index: WorkspaceTree) {
    this.lookup = lookup;
    this.index = index;
  }

  private async get(path: string, name: string): Promise<ResolvedType | undefined> {
    const cluster = this.index.resolve(path);
    if (!cluster) return undefined;
    const object = await this.lookup(cluster, name);
    const canonical = this.index.info(cluster)?.path ?? path;
    return object ? { name, path: canonical, cluster, object } : undefined;
  }

  /** A type by reference; without a path, the nearest one from `fromPath` up to root. */
  async resolve(ref: WorkspaceTypeReference, fromPath: string): Promise<ResolvedType | undefined> {
    if (ref.path) return this.get(ref.path, ref.name);
    for (let path: string | undefined = fromPath; path; path = parentPath(path)) {
      const found = await this.get(path, ref.name);
      if (found) return found;
    }
    return undefined;
  }

  /** The type of a logical cluster (`root:universal` on its LogicalCluster). */
  async resolveForCluster(cluster: string): Promise<ResolvedType | undefined> {
    const type = this.index.info(cluster)?.type;
    if (!type) return undefined;
    const i = type.lastIndexOf(':');
    return i < 0 ? undefined : this.get(type.slice(0, i), type.slice(i + 1));
  }

  /** The type and every type it extends, transitively. */
  async lineage(type: ResolvedType): Promise<ResolvedType[]> {
    const out: ResolvedType[] = [];
    const seen = new Set<string>();
    const visit = async (t: ResolvedType, depth: number) => {
      const id = `${t.path}:${t.name}`;
      if (seen.has(id) || depth > MAX_EXTEND_DEPTH) return;
      seen.add(id);
      out.push(t);
      for (const ref of t.object.spec.extend?.with ?? []) {
        const next = await this.resolve(ref, t.path);
        if (next) await visit(next, depth + 1);
      }
    };
    await visit(type, 0);
    return out;
  }

  /** Whether the type (or one it extends, as given) is one of the references. */
  matchesAny(type: ResolvedType, refs: readonly WorkspaceTypeReference[]): boolean {
    const names = new Set([
      `${type.path}:${type.name}`,
      ...(type.object.spec.extend?.with ?? []).map((r) => `${r.path ?? type.path}:${r.name}`),
    ]);
    return refs.some((r) => names.has(`${r.path ?? 'root'}:${r.name}`));
  }

  /** `<path>:<name>` of every initializing type in the lineage, as kcp names initializers. */
  async initializers(type: ResolvedType): Promise<string[]> {
    return (await this.lineage(type))
      .filter((t) => t.object.spec.initializer)
      .map((t) => `${t.path}:${t.name}`);
  }
}
