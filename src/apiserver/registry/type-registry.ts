/**
 * Which resource types a logical cluster serves: the built-ins every cluster has, plus
 * what sources add per cluster (its established CRDs, later the resources its APIBindings
 * bring). Discovery, OpenAPI and the REST handlers all ask this one registry.
 */

import { WILDCARD_CLUSTER } from '../rest/scope.ts';
import { atVersion, type ResourceType } from './resource-type.ts';

/** Finds the type a request addresses (the registry; a virtual workspace's own view). */
export interface TypeLookup {
  lookup(cluster: string, group: string, version: string, plural: string): ResourceType | undefined;
}

/** Something that contributes types to some clusters (CRDs, bindings). */
export interface TypeSource {
  types(cluster: string): readonly ResourceType[];
  /**
   * For `/clusters/*`: a resource bound from an export, named as kcp names it there,
   * `<plural>:<identityHash>`, since the same group and resource may be bound from
   * different exports in different workspaces.
   */
  wildcardType?(
    group: string,
    version: string,
    plural: string,
    identity: string,
  ): ResourceType | undefined;
}

type Listener = (cluster: string) => void;

export class TypeRegistry implements TypeLookup {
  private readonly builtins: readonly ResourceType[];
  private readonly sources: TypeSource[] = [];
  private readonly revisions = new Map<string, number>();
  private readonly listeners: Listener[] = [];
  private globalRevision = 0;

  constructor(builtins: readonly ResourceType[]) {
    this.builtins = builtins;
  }

  addSource(source: TypeSource): void {
    this.sources.push(source);
    this.globalRevision++;
  }

  /** Sources call this when the types of a cluster changed. */
  changed(cluster: string): void {
    this.revisions.set(cluster, (this.revisions.get(cluster) ?? 0) + 1);
    for (const l of this.listeners) l(cluster);
  }

  onChange(listener: Listener): void {
    this.listeners.push(listener);
  }

  /** Changes whenever the types of `cluster` change (discovery ETags, OpenAPI hashes). */
  revision(cluster: string): string {
    return `${this.globalRevision}.${this.revisions.get(cluster) ?? 0}`;
  }

  /** Every type the cluster serves, built-ins first. */
  types(cluster: string): ResourceType[] {
    const out = [...this.builtins];
    for (const s of this.sources) out.push(...s.types(cluster));
    return out;
  }

  builtinTypes(): readonly ResourceType[] {
    return this.builtins;
  }

  lookup(
    cluster: string,
    group: string,
    version: string,
    plural: string,
  ): ResourceType | undefined {
    const colon = plural.indexOf(':');
    if (cluster === WILDCARD_CLUSTER && colon > 0) {
      const [name, identity] = [plural.slice(0, colon), plural.slice(colon + 1)];
      for (const s of this.sources) {
        const t = s.wildcardType?.(group, version, name, identity);
        if (t) return atVersion(t, version);
      }
      return undefined;
    }
    for (const t of this.builtins) {
      if (t.group === group && t.names.plural === plural && t.versions.includes(version)) return t;
    }
    for (const s of this.sources) {
      for (const t of s.types(cluster)) {
        if (t.group === group && t.names.plural === plural && t.versions.includes(version))
          return atVersion(t, version);
      }
    }
    return undefined;
  }

  /** The type stored under a key's group and resource (the type owning that storage). */
  lookupStored(cluster: string, group: string, plural: string): ResourceType | undefined {
    return this.types(cluster).find(
      (t) => t.group === group && t.names.plural === plural && !t.storedAs,
    );
  }

  /** A type by group and kind, any served version (owner references, RBAC checks). */
  lookupKind(cluster: string, group: string, kind: string): ResourceType | undefined {
    return this.types(cluster).find((t) => t.group === group && t.names.kind === kind);
  }
}
