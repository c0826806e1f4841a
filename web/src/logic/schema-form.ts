/**
 * From a group-version's OpenAPI v3 document to what the create/edit form needs: the kind's
 * schema with $refs resolved, reduced to what a form can edit (status and type meta gone,
 * metadata reduced to name, namespace and labels, Kubernetes extensions turned into plain
 * JSON Schema), and back from the form's data to an object the server accepts. Server-side
 * validation errors (Status causes naming `spec.instances`) become per-field errors.
 */
import type { JsonObject, JsonValue, KubeObject } from '../../../src/apimachinery/meta.ts';
import type { StatusCause } from '../../../src/apimachinery/status.ts';

export interface OpenApiDocument {
  readonly components?: { readonly schemas?: Record<string, JsonObject> };
}

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/** A JSON Schema the form library renders; `collapsed` marks optional objects shown closed. */
export interface FormSchema {
  readonly schema: JsonObject;
  readonly uiSchema: JsonObject;
  /** Dotted paths (`spec.storage.size`) of int-or-string fields, edited as text. */
  readonly intOrString: readonly string[];
  /** Paths the form cannot edit (free-form fields): the YAML view still can. */
  readonly yamlOnly: readonly string[];
}

/** Keywords JSON Schema validators and form libraries understand, kept as they are. */
const KEPT = [
  'type',
  'description',
  'enum',
  'default',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
] as const;

/** Deeper than this, a schema is left to the YAML view (CRDs nest pod templates deep). */
const MAX_DEPTH = 8;

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The kind's schema in the document, found by its x-kubernetes-group-version-kind. */
export function findKindSchema(
  doc: OpenApiDocument,
  gvk: GroupVersionKind,
): JsonObject | undefined {
  for (const schema of Object.values(doc.components?.schemas ?? {})) {
    const gvks = schema['x-kubernetes-group-version-kind'];
    if (!Array.isArray(gvks)) continue;
    const match = gvks.some(
      (g) =>
        isObject(g) && g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind,
    );
    if (match) return schema;
  }
  return undefined;
}

function resolve(doc: OpenApiDocument, schema: JsonObject): JsonObject {
  let current = schema;
  // allOf with a single $ref is how OpenAPI v3 attaches a description to a reference.
  for (let hops = 0; hops < 16; hops++) {
    const ref =
      typeof current.$ref === 'string'
        ? current.$ref
        : Array.isArray(current.allOf) &&
            current.allOf.length === 1 &&
            isObject(current.allOf[0]) &&
            typeof current.allOf[0].$ref === 'string'
          ? current.allOf[0].$ref
          : undefined;
    if (!ref) return current;
    const name = ref.replace('#/components/schemas/', '');
    const target = doc.components?.schemas?.[name];
    if (!target) return { type: 'object', description: `unresolved reference ${ref}` };
    const { $ref: _ref, allOf: _allOf, ...rest } = current;
    current = { ...target, ...rest };
  }
  return current;
}

interface Walk {
  readonly doc: OpenApiDocument;
  readonly intOrString: string[];
  readonly yamlOnly: string[];
}

/**
 * Where a field sits: whether the object holding it may be left out (it is optional, or
 * inside one that is), and whether the field itself is optional.
 */
interface Place {
  readonly optional: boolean;
  readonly inOptional: boolean;
}

/** Array items and map values exist only once added: their defaults fill what is added. */
const ADDED: Place = { optional: false, inOptional: false };

/**
 * A default inside an object the form may leave out is shown, not filled in: the form fills
 * defaults into the data, which would make the optional object appear (and its required
 * fields block the submit) though the user never asked for it. The server applies the
 * schema's defaults anyway.
 */
function placeDefault(
  schema: JsonObject,
  ui: JsonObject,
  value: JsonValue | undefined,
  place: Place,
): void {
  if (value === undefined) return;
  if (!place.inOptional) {
    schema.default = value;
    return;
  }
  delete schema.default;
  ui['ui:placeholder'] = typeof value === 'string' ? value : JSON.stringify(value);
}

function convert(
  walk: Walk,
  raw: JsonObject,
  path: string,
  depth: number,
  place: Place,
  title?: string,
): { schema: JsonObject; ui: JsonObject } | undefined {
  const source = resolve(walk.doc, raw);
  const schema: JsonObject = {};
  if (title) schema.title = title;
  for (const key of KEPT) if (source[key] !== undefined) schema[key] = source[key];
  const leafUi: JsonObject = {};
  placeDefault(schema, leafUi, source.default, place);

  if (source['x-kubernetes-int-or-string'] === true) {
    walk.intOrString.push(path);
    const text: JsonObject = {
      ...(title ? { title } : {}),
      type: 'string',
      ...(source.description !== undefined ? { description: source.description } : {}),
    };
    const ui: JsonObject = {};
    placeDefault(
      text,
      ui,
      source.default === undefined ? undefined : String(source.default),
      place,
    );
    return { schema: text, ui };
  }
  const properties = isObject(source.properties) ? source.properties : undefined;
  const freeForm =
    source['x-kubernetes-preserve-unknown-fields'] === true && !properties && !source.items;
  if (freeForm || depth > MAX_DEPTH || (source.type === undefined && !properties)) {
    walk.yamlOnly.push(path);
    return undefined;
  }
  if (properties || source.type === 'object') {
    schema.type = 'object';
    const ui: JsonObject = {};
    const required = Array.isArray(source.required)
      ? source.required.filter((r): r is string => typeof r === 'string')
      : [];
    if (properties) {
      const props: JsonObject = {};
      for (const [name, child] of Object.entries(properties)) {
        if (!isObject(child)) continue;
        const converted = convert(
          walk,
          child,
          path ? `${path}.${name}` : name,
          depth + 1,
          { optional: !required.includes(name), inOptional: place.inOptional || place.optional },
          name,
        );
        if (!converted) continue;
        props[name] = converted.schema;
        const childUi = { ...converted.ui };
        // Optional nested objects start closed: a CRD's spec can have hundreds of fields.
        if (converted.schema.type === 'object' && !required.includes(name) && depth >= 1) {
          childUi['ui:collapsed'] = true;
        }
        if (Object.keys(childUi).length > 0) ui[name] = childUi;
      }
      schema.properties = props;
      const kept = required.filter((r) => r in props);
      if (kept.length > 0) schema.required = kept;
    }
    if (isObject(source.additionalProperties)) {
      const converted = convert(walk, source.additionalProperties, `${path}.*`, depth + 1, ADDED);
      if (converted) schema.additionalProperties = converted.schema;
    }
    return { schema, ui };
  }
  if (source.type === 'array') {
    const items = isObject(source.items) ? source.items : undefined;
    const converted = items ? convert(walk, items, `${path}[]`, depth + 1, ADDED) : undefined;
    if (!converted) {
      walk.yamlOnly.push(path);
      return undefined;
    }
    return {
      schema: { ...schema, items: converted.schema },
      ui: { ...leafUi, items: converted.ui },
    };
  }
  return { schema, ui: leafUi };
}

const LABELS: JsonObject = {
  type: 'object',
  title: 'labels',
  additionalProperties: { type: 'string' },
};

/**
 * The form for a kind: metadata (name, the namespace if namespaced, labels) and every
 * property but status, apiVersion and kind.
 */
export function formSchema(
  doc: OpenApiDocument,
  gvk: GroupVersionKind,
  namespaced: boolean,
): FormSchema | undefined {
  const kindSchema = findKindSchema(doc, gvk);
  if (!kindSchema) return undefined;
  const walk: Walk = { doc, intOrString: [], yamlOnly: [] };
  const root = resolve(doc, kindSchema);
  const metadata: JsonObject = {
    type: 'object',
    title: 'metadata',
    required: namespaced ? ['name', 'namespace'] : ['name'],
    properties: {
      name: { type: 'string', title: 'name', description: 'Unique within its namespace.' },
      ...(namespaced
        ? { namespace: { type: 'string', title: 'namespace', default: 'default' } }
        : {}),
      labels: LABELS,
    },
  };
  const properties: JsonObject = { metadata };
  const uiSchema: JsonObject = { 'ui:order': ['metadata', 'spec', '*'] };
  const required = Array.isArray(root.required) ? root.required : [];
  const kept: string[] = [];
  for (const [name, child] of Object.entries(isObject(root.properties) ? root.properties : {})) {
    if (['apiVersion', 'kind', 'metadata', 'status'].includes(name) || !isObject(child)) continue;
    const converted = convert(
      walk,
      child,
      name,
      1,
      { optional: !required.includes(name), inOptional: false },
      name,
    );
    if (!converted) continue;
    properties[name] = converted.schema;
    if (Object.keys(converted.ui).length > 0) uiSchema[name] = converted.ui;
    if (required.includes(name)) kept.push(name);
  }
  const schema: JsonObject = {
    type: 'object',
    required: ['metadata', ...kept],
    properties,
  };
  if (typeof root.description === 'string') schema.description = root.description;
  return { schema, uiSchema, intOrString: walk.intOrString, yamlOnly: walk.yamlOnly };
}

/** Drops what a blank form leaves behind: undefined, empty strings, empty objects and lists. */
export function prune(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(prune).filter((v) => v !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      const pruned = prune(child);
      if (pruned !== undefined) out[key] = pruned;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  if (value === '' || value === undefined) return undefined;
  return value;
}

/** Path segments of a dotted schema path: `spec.env[].value` → ['spec', 'env', '[]', 'value']. */
function segments(path: string): string[] {
  return path
    .replace(/\[\]/g, '.[]')
    .split('.')
    .filter((s) => s !== '');
}

/** Whether a concrete path matches a schema path, whose `*` stands for any map key. */
function matchesSchemaPath(schemaPath: readonly string[], concrete: readonly string[]): boolean {
  return (
    schemaPath.length === concrete.length &&
    schemaPath.every((part, i) => part === concrete[i] || (part === '*' && concrete[i] !== '[]'))
  );
}

function restoreIntOrString(
  value: unknown,
  at: readonly string[],
  patterns: readonly (readonly string[])[],
): unknown {
  if (Array.isArray(value)) return value.map((v) => restoreIntOrString(v, [...at, '[]'], patterns));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      out[key] = restoreIntOrString(child, [...at, key], patterns);
    }
    return out;
  }
  if (
    typeof value === 'string' &&
    /^-?\d+$/.test(value) &&
    patterns.some((p) => matchesSchemaPath(p, at))
  ) {
    return Number(value);
  }
  return value;
}

/** The object to send: the form's data pruned, with type meta, int-or-string numbers restored. */
export function formToObject(
  data: unknown,
  gvk: GroupVersionKind,
  form: Pick<FormSchema, 'intOrString'>,
): KubeObject {
  const pruned = (prune(data) ?? {}) as Record<string, unknown>;
  const restored = restoreIntOrString(pruned, [], form.intOrString.map(segments)) as Record<
    string,
    unknown
  >;
  const metadata = (restored.metadata ?? {}) as KubeObject['metadata'];
  return {
    ...restored,
    apiVersion: gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version,
    kind: gvk.kind,
    metadata,
  };
}

/**
 * An existing object as the form's data, for editing: as it is, with managedFields dropped
 * and numeric int-or-string values as the text the form edits them as. Fields the form does
 * not show (status, uid, resourceVersion, annotations, free-form fields) stay in the data,
 * which the form carries through untouched, so `formToObject` sends them back: a PUT
 * replaces the whole object, and the resourceVersion makes a concurrent change a 409.
 */
export function objectToForm(object: KubeObject, form: Pick<FormSchema, 'intOrString'>): unknown {
  const { managedFields: _managed, ...metadata } = object.metadata;
  const patterns = form.intOrString.map(segments);
  const asText = (value: unknown, at: readonly string[]): unknown => {
    if (Array.isArray(value)) return value.map((v) => asText(v, [...at, '[]']));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([key, child]) => [key, asText(child, [...at, key])]),
      );
    }
    return typeof value === 'number' && patterns.some((p) => matchesSchemaPath(p, at))
      ? String(value)
      : value;
  };
  return asText({ ...object, metadata }, []);
}

/** The form's layout for an existing object: its name and namespace shown, not editable. */
export function editUiSchema(form: Pick<FormSchema, 'uiSchema'>): JsonObject {
  const metadata = isObject(form.uiSchema.metadata) ? form.uiSchema.metadata : {};
  return {
    ...form.uiSchema,
    metadata: {
      ...metadata,
      name: { 'ui:readonly': true },
      namespace: { 'ui:readonly': true },
    },
  };
}

/** RJSF's error tree: `{ spec: { instances: { __errors: ['…'] } } }`. */
export interface ErrorTree {
  __errors?: string[];
  [field: string]: ErrorTree | string[] | undefined;
}

/** `spec.containers[0].name` → ['spec', 'containers', '0', 'name']. */
export function fieldPath(field: string): string[] {
  return field
    .replace(/\[(\d+)\]/g, '.$1')
    .replace(/\[([^\]]+)\]/g, '.$1')
    .split('.')
    .filter((part) => part !== '');
}

/**
 * Status causes as per-field errors, and the causes that name no field the form shows (they
 * go to the form's banner).
 */
export function causesToErrors(
  causes: readonly StatusCause[],
  shown: JsonObject,
): { tree: ErrorTree; unplaced: string[] } {
  const tree: ErrorTree = {};
  const unplaced: string[] = [];
  for (const cause of causes) {
    const message = cause.message ?? cause.reason ?? 'invalid';
    const parts = cause.field ? fieldPath(cause.field) : [];
    if (parts.length === 0 || !placeable(shown, parts)) {
      unplaced.push(cause.field ? `${cause.field}: ${message}` : message);
      continue;
    }
    let node = tree;
    for (const part of parts) {
      const next = (node[part] as ErrorTree | undefined) ?? {};
      node[part] = next;
      node = next;
    }
    node.__errors = [...(node.__errors ?? []), message];
  }
  return { tree, unplaced };
}

/** Whether the form has a field at that path (array indices and map keys pass through). */
function placeable(schema: JsonObject, parts: readonly string[]): boolean {
  let node: JsonValue | undefined = schema;
  for (const part of parts) {
    if (!isObject(node)) return false;
    if (node.type === 'array' && /^\d+$/.test(part)) node = node.items;
    else if (isObject(node.properties) && part in node.properties) node = node.properties[part];
    else if (isObject(node.additionalProperties)) node = node.additionalProperties;
    else return false;
  }
  return isObject(node);
}
