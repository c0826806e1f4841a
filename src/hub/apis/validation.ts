/**
 * What makes a CatalogEntry's spec valid beyond its schema: inline APIResourceSchema bodies
 * that parse and are valid schemas for the resource they claim to be, no duplicate
 * resources or claims, claims with verbs the control plane knows, URLs a proxy can use.
 * Pure: the control plane's admission (via the type's strategy) and the hub's reconcile
 * (for control planes that do not serve the type themselves) call the same function.
 */
import { parseDocument } from 'yaml';
import type { APIResourceSchema } from '../../api/apis/types.ts';
import type { CatalogEntry, InlineSchema } from '../../api/providers/types.ts';
import {
  duplicate,
  type ErrorList,
  FieldPath,
  fieldErrorMessage,
  forbidden,
  invalid,
  notSupported,
  required,
} from '../../apimachinery/field-errors.ts';
import { isJsonObject } from '../../apimachinery/meta.ts';
import { isDNS1123Label, isDNS1123Subdomain } from '../../apimachinery/validation/names.ts';
import { apiResourceSchemas } from '../../apis/resources/apiresourceschemas.ts';

/** Verbs a permission claim may name (kcp's), `*` for all of them. */
export const CLAIM_VERBS = [
  'get',
  'list',
  'watch',
  'create',
  'update',
  'patch',
  'delete',
  'deletecollection',
  '*',
] as const;

const SCHEMAS_API_VERSION = 'apis.kcp.io/v1alpha1';
/** A body bigger than this is not a schema someone wrote by hand or generated from a CRD. */
const MAX_BODY_BYTES = 512 * 1024;

export function groupResourceOf(plural: string, group: string): string {
  return group ? `${plural}.${group}` : plural;
}

export type ParsedSchema =
  | { readonly ok: true; readonly schema: APIResourceSchema }
  | { readonly ok: false; readonly message: string };

/**
 * kcp's schema versions hold the OpenAPI schema itself (`schema: {type: object, …}`); a
 * body written the CRD way (`schema: {openAPIV3Schema: {…}}`), as kedge's own example is,
 * means the same and is taken as such.
 */
function crdStyleUnwrapped(schema: APIResourceSchema): APIResourceSchema {
  const versions = schema.spec.versions;
  if (!Array.isArray(versions)) return schema;
  return {
    ...schema,
    spec: {
      ...schema.spec,
      versions: versions.map((v) => {
        const inner = (v.schema as { openAPIV3Schema?: unknown } | undefined)?.openAPIV3Schema;
        return isJsonObject(inner) && Object.keys(v.schema ?? {}).length === 1
          ? { ...v, schema: inner }
          : v;
      }),
    },
  };
}

/** An inline schema body as an APIResourceSchema, or why it is not one. */
export function parseInlineSchema(body: string): ParsedSchema {
  if (Buffer.byteLength(body) > MAX_BODY_BYTES)
    return { ok: false, message: `must be at most ${MAX_BODY_BYTES} bytes` };
  const doc = parseDocument(body, { uniqueKeys: true });
  if (doc.errors.length > 0)
    return { ok: false, message: `does not parse as YAML: ${doc.errors[0]?.message ?? ''}` };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 50 });
  } catch (err) {
    return { ok: false, message: `does not parse as YAML: ${(err as Error).message}` };
  }
  if (!isJsonObject(value) || value.kind !== 'APIResourceSchema')
    return {
      ok: false,
      message: 'must be an APIResourceSchema document (kind: APIResourceSchema)',
    };
  if (value.apiVersion !== SCHEMAS_API_VERSION)
    return { ok: false, message: `must have apiVersion ${SCHEMAS_API_VERSION}` };
  if (!isJsonObject(value.metadata) || typeof value.metadata.name !== 'string')
    return { ok: false, message: 'must have metadata.name' };
  if (!isJsonObject(value.spec)) return { ok: false, message: 'must have a spec' };
  const schema = crdStyleUnwrapped(value as APIResourceSchema);
  // The same checks the control plane makes when the schema is created.
  const [problem] = [
    ...(apiResourceSchemas.schemas?.v1alpha1?.validate(schema, undefined) ?? []),
    ...apiResourceSchemas.strategy.validate(schema, {
      cluster: '',
      version: 'v1alpha1',
      subresource: '',
    }),
  ];
  if (problem)
    return {
      ok: false,
      message: `is not a valid APIResourceSchema: ${fieldErrorMessage(problem)}`,
    };
  return { ok: true, schema };
}

function validURL(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function validateSchemas(schemas: readonly InlineSchema[], path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  const seen = new Set<string>();
  schemas.forEach((s, i) => {
    const at = path.index(i);
    if (seen.has(s.groupResource)) errs.push(duplicate(at.child('groupResource'), s.groupResource));
    seen.add(s.groupResource);
    const parsed = parseInlineSchema(s.body ?? '');
    if (!parsed.ok) {
      errs.push(invalid(at.child('body'), '<schema>', parsed.message));
      return;
    }
    const { plural } = parsed.schema.spec.names;
    const own = groupResourceOf(plural, parsed.schema.spec.group);
    if (own !== s.groupResource) {
      errs.push(
        invalid(
          at.child('groupResource'),
          s.groupResource,
          `the body defines ${own} (group ${JSON.stringify(parsed.schema.spec.group)}); groupResource must name the resource its schema defines`,
        ),
      );
    }
  });
  return errs;
}

function validateClaims(entry: CatalogEntry, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  const seen = new Set<string>();
  (entry.spec.apiExport?.permissionClaims ?? []).forEach((c, i) => {
    const at = path.index(i);
    const key = `${c.group ?? ''}/${c.resource}`;
    if (seen.has(key)) errs.push(duplicate(at, { group: c.group ?? '', resource: c.resource }));
    seen.add(key);
    if (c.group) {
      for (const msg of isDNS1123Subdomain(c.group))
        errs.push(invalid(at.child('group'), c.group, msg));
    }
    for (const msg of isDNS1123Label(c.resource ?? ''))
      errs.push(invalid(at.child('resource'), c.resource, msg));
    if (!c.verbs || c.verbs.length === 0) {
      errs.push(
        required(at.child('verbs'), 'name the verbs the provider needs, e.g. [get, list, watch]'),
      );
    }
    (c.verbs ?? []).forEach((v, j) => {
      if (!(CLAIM_VERBS as readonly string[]).includes(v))
        errs.push(notSupported(at.child('verbs').index(j), v, CLAIM_VERBS));
    });
  });
  return errs;
}

/** Field errors of an entry's spec (its name is checked by the type's name validation). */
export function validateCatalogEntry(entry: CatalogEntry): ErrorList {
  const spec = FieldPath.root('spec');
  const errs: ErrorList = [];
  const s = entry.spec ?? ({} as CatalogEntry['spec']);
  const name = entry.metadata?.name ?? '';
  const seenDeps = new Set<string>();
  (s.dependencies ?? []).forEach((d, i) => {
    const at = spec.child('dependencies').index(i).child('name');
    for (const msg of isDNS1123Label(d.name ?? '')) errs.push(invalid(at, d.name, msg));
    if (d.name === name) errs.push(invalid(at, d.name, 'a provider cannot depend on itself'));
    if (seenDeps.has(d.name)) errs.push(duplicate(at, d.name));
    seenDeps.add(d.name);
  });
  for (const [field, url] of [
    ['ui', s.ui?.url],
    ['backend', s.backend?.url],
    ['virtualWorkspace', s.virtualWorkspace?.url],
  ] as const) {
    if (url !== undefined && url !== '' && !validURL(url))
      errs.push(invalid(spec.child(field, 'url'), url, 'must be an absolute http or https URL'));
  }
  if (s.backend?.healthPath && !s.backend.healthPath.startsWith('/'))
    errs.push(
      invalid(spec.child('backend', 'healthPath'), s.backend.healthPath, 'must start with /'),
    );
  if (s.iconURL && !s.iconURL.startsWith('/') && !validURL(s.iconURL))
    errs.push(
      invalid(spec.child('iconURL'), s.iconURL, 'must be a path on the hub (/…) or an http(s) URL'),
    );
  const exp = s.apiExport;
  if (exp) {
    const at = spec.child('apiExport');
    for (const msg of isDNS1123Subdomain(exp.name ?? ''))
      errs.push(invalid(at.child('name'), exp.name, msg));
    errs.push(...validateClaims(entry, at.child('permissionClaims')));
    if (exp.path && (exp.schemas?.length ?? 0) > 0) {
      errs.push(
        forbidden(
          at.child('schemas'),
          'the hub applies schemas only to the provider workspace it manages; drop apiExport.path to have it made, or let the export’s owner manage its schemas',
        ),
      );
    }
    errs.push(...validateSchemas(exp.schemas ?? [], at.child('schemas')));
  }
  return errs;
}
