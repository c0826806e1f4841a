/**
 * Content negotiation: which representation a client asked for in Accept (plain JSON or
 * YAML, a meta.k8s.io Table or PartialObjectMetadata, aggregated discovery), and what a
 * request body is in Content-Type. Protobuf is not served; clients fall back to JSON.
 */

export interface MediaType {
  /** `application/json`, lower case, no parameters. */
  readonly type: string;
  readonly params: Readonly<Record<string, string>>;
  readonly quality: number;
}

export function parseMediaTypes(header: string | undefined): MediaType[] {
  if (!header) return [];
  const out: MediaType[] = [];
  for (const raw of header.split(',')) {
    const [typePart, ...paramParts] = raw.split(';');
    const type = (typePart ?? '').trim().toLowerCase();
    if (!type) continue;
    const params: Record<string, string> = {};
    let quality = 1;
    for (const p of paramParts) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      const key = p.slice(0, eq).trim().toLowerCase();
      const value = p
        .slice(eq + 1)
        .trim()
        .replace(/^"|"$/g, '');
      if (key === 'q') quality = Number(value) || 0;
      else params[key] = value;
    }
    out.push({ type, params, quality });
  }
  // Stable by quality: equal qualities keep the client's order.
  return out
    .map((m, i) => ({ m, i }))
    .sort((a, b) => b.m.quality - a.m.quality || a.i - b.i)
    .map((x) => x.m);
}

export type Representation =
  | { readonly kind: 'object'; readonly yaml: boolean }
  | { readonly kind: 'table'; readonly version: 'v1' | 'v1beta1' }
  | { readonly kind: 'partial'; readonly version: 'v1' | 'v1beta1'; readonly list: boolean };

const JSONISH = new Set(['application/json', '*/*', 'application/*']);

/**
 * The representation for an object or list response, or undefined when nothing in Accept
 * can be served (the caller answers 406). A watch streams JSON only: YAML has no stream
 * framing, so upstream's negotiation for a watch passes it over.
 */
export function negotiateObject(
  accept: string | undefined,
  stream = false,
): Representation | undefined {
  const types = parseMediaTypes(accept);
  if (types.length === 0) return { kind: 'object', yaml: false };
  for (const t of types) {
    const as = t.params.as;
    if (as !== undefined) {
      if (t.type !== 'application/json' || t.params.g !== 'meta.k8s.io') continue;
      const version = t.params.v === 'v1beta1' ? 'v1beta1' : t.params.v === 'v1' ? 'v1' : undefined;
      if (!version) continue;
      if (as === 'Table') return { kind: 'table', version };
      if (as === 'PartialObjectMetadata') return { kind: 'partial', version, list: false };
      if (as === 'PartialObjectMetadataList') return { kind: 'partial', version, list: true };
      continue;
    }
    if (JSONISH.has(t.type)) return { kind: 'object', yaml: false };
    if (t.type === 'application/yaml' && !stream) return { kind: 'object', yaml: true };
  }
  return undefined;
}

export const SERVED_MEDIA_TYPES = ['application/json', 'application/yaml'];
/** What a watch is served as (406 lists them). */
export const STREAMED_MEDIA_TYPES = ['application/json', 'application/json;stream=watch'];

export type DiscoveryFormat =
  | { readonly kind: 'legacy' }
  | {
      readonly kind: 'aggregated';
      readonly version: 'v2' | 'v2beta1';
      readonly contentType: string;
    };

/** Aggregated discovery when the client asks for it (kubectl 1.27+), legacy otherwise. */
export function negotiateDiscovery(accept: string | undefined): DiscoveryFormat | undefined {
  const types = parseMediaTypes(accept);
  if (types.length === 0) return { kind: 'legacy' };
  for (const t of types) {
    if (
      t.params.as === 'APIGroupDiscoveryList' &&
      t.params.g === 'apidiscovery.k8s.io' &&
      t.type === 'application/json'
    ) {
      const version = t.params.v;
      if (version === 'v2' || version === 'v2beta1') {
        return {
          kind: 'aggregated',
          version,
          contentType: `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`,
        };
      }
      continue;
    }
    if (t.params.as !== undefined) continue;
    if (JSONISH.has(t.type) || t.type === 'application/yaml') return { kind: 'legacy' };
  }
  return undefined;
}

export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

/** The body's media type without parameters, lower case. */
export function contentType(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}
