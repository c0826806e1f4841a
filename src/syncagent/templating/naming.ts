/**
 * Where a tenant object's copy lives on the service cluster: api-syncagent's naming rules.
 * A pattern containing `{{` is a Go template (context `.Object`, `.ClusterName`,
 * `.ClusterPath`); otherwise the legacy placeholders are replaced, `$fooHash` before `$foo`.
 */
import type { KubeObject } from '../../apimachinery/meta.ts';
import { shortHash } from '../constants.ts';
import { render } from './template.ts';

export interface NamingContext {
  readonly clusterName: string;
  /** The workspace path (only when the PublishedResource enables workspace paths). */
  readonly clusterPath?: string;
}

export function renderIdentifier(pattern: string, obj: KubeObject, ctx: NamingContext): string {
  if (pattern.includes('{{'))
    return render(pattern, {
      Object: obj,
      ClusterName: ctx.clusterName,
      ClusterPath: ctx.clusterPath ?? '',
    });
  const ns = obj.metadata.namespace ?? '';
  const name = obj.metadata.name ?? '';
  const replacements: [string, string][] = [
    ['$remoteClusterName', ctx.clusterName],
    ['$remoteNamespaceHash', shortHash(ns)],
    ['$remoteNamespace', ns],
    ['$remoteNameHash', shortHash(name)],
    ['$remoteName', name],
  ];
  // One left-to-right pass, first matching placeholder wins (Go's strings.Replacer).
  let out = '';
  let i = 0;
  outer: while (i < pattern.length) {
    for (const [from, to] of replacements) {
      if (pattern.startsWith(from, i)) {
        out += to;
        i += from.length;
        continue outer;
      }
    }
    out += pattern[i];
    i++;
  }
  return out;
}

export interface LocalName {
  /** Empty for cluster-scoped local resources. */
  readonly namespace: string;
  readonly name: string;
}

/** The local namespace and name of a tenant object's copy. */
export function localObjectName(
  naming: { namespace: string; name: string },
  obj: KubeObject,
  ctx: NamingContext,
  localNamespaced: boolean,
): LocalName {
  const name = renderIdentifier(naming.name, obj, ctx);
  if (!name) throw new Error(`naming rule ${JSON.stringify(naming.name)} gave an empty name`);
  const namespace = localNamespaced ? renderIdentifier(naming.namespace, obj, ctx) : '';
  if (localNamespaced && !namespace)
    throw new Error(`naming rule ${JSON.stringify(naming.namespace)} gave an empty namespace`);
  return { namespace, name };
}
