/**
 * `kubectl kcp crd snapshot -f crd.yaml --prefix P`: converts CustomResourceDefinitions
 * into APIResourceSchemas named `<prefix>.<crd name>` (the CRD name is
 * `<plural>.<group>`, `core` standing in for the empty group) and prints them, one
 * document each, as YAML or JSON. No server involved.
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import {
  isJsonObject,
  type JsonObject,
  type JsonValue,
  objectOrEmpty,
} from '../../apimachinery/meta.ts';
import { isDNS1123Subdomain } from '../../apimachinery/validation/names.ts';
import { toYaml } from '../../apimachinery/yaml.ts';
import type { PluginContext } from './context.ts';

/** The CRD's name, or `<plural>.<group>` (group `core` when empty) when it has none. */
function crdName(crd: JsonObject): string {
  const meta = objectOrEmpty(crd.metadata);
  if (typeof meta.name === 'string' && meta.name !== '') return meta.name;
  const spec = objectOrEmpty(crd.spec);
  const names = objectOrEmpty(spec.names);
  const group = typeof spec.group === 'string' && spec.group !== '' ? spec.group : 'core';
  return `${String(names.plural ?? '')}.${group}`;
}

/** apisv1alpha1.CRDToAPIResourceSchema, with the CRD defaults applied first. */
export function crdToAPIResourceSchema(crd: unknown, prefix: string): JsonObject {
  if (!isJsonObject(crd) || crd.kind !== 'CustomResourceDefinition') {
    const kind = isJsonObject(crd) && typeof crd.kind === 'string' ? crd.kind : typeof crd;
    throw new Error(`unexpected type for CRD ${kind}`);
  }
  if (crd.apiVersion !== 'apiextensions.k8s.io/v1') {
    throw new Error(
      `unexpected apiVersion for CRD ${JSON.stringify(crd.apiVersion)}, expected apiextensions.k8s.io/v1`,
    );
  }
  const name = `${prefix}.${crdName(crd)}`;
  const problems = isDNS1123Subdomain(name);
  if (problems.length > 0) {
    const errs = problems.map((p) => `metadata.name: Invalid value: ${JSON.stringify(name)}: ${p}`);
    throw new Error(errs.length === 1 ? (errs[0] as string) : `[${errs.join(', ')}]`);
  }
  const spec = objectOrEmpty(crd.spec);
  const names: JsonObject = { ...objectOrEmpty(spec.names) };
  // SetDefaults_CustomResourceDefinitionSpec
  if (!names.singular && typeof names.kind === 'string') names.singular = names.kind.toLowerCase();
  if (!names.listKind && typeof names.kind === 'string') names.listKind = `${names.kind}List`;

  const versions = (Array.isArray(spec.versions) ? spec.versions : [])
    .filter(isJsonObject)
    .map((v) => {
      const out: JsonObject = {
        name: v.name ?? '',
        served: v.served === true,
        storage: v.storage === true,
      };
      if (v.deprecated === true) out.deprecated = true;
      if (typeof v.deprecationWarning === 'string') out.deprecationWarning = v.deprecationWarning;
      if (isJsonObject(v.schema) && isJsonObject(v.schema.openAPIV3Schema))
        out.schema = v.schema.openAPIV3Schema;
      out.subresources = objectOrEmpty(v.subresources);
      if (Array.isArray(v.additionalPrinterColumns) && v.additionalPrinterColumns.length > 0) {
        out.additionalPrinterColumns = v.additionalPrinterColumns;
      }
      if (Array.isArray(v.selectableFields) && v.selectableFields.length > 0) {
        out.selectableFields = v.selectableFields;
      }
      return out;
    });

  const conversion: JsonObject =
    isJsonObject(spec.conversion) && spec.conversion.strategy === 'Webhook'
      ? { ...spec.conversion }
      : { strategy: 'None' };

  return sortKeys({
    apiVersion: 'apis.kcp.io/v1alpha1',
    kind: 'APIResourceSchema',
    metadata: { name },
    spec: {
      conversion,
      group: typeof spec.group === 'string' ? spec.group : '',
      names,
      scope: spec.scope ?? 'Namespaced',
      versions,
    },
  }) as JsonObject;
}

/** Go's JSON→YAML path sorts map keys; so do we, for the same document shape. */
function sortKeys(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isJsonObject(value)) return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key] as JsonValue);
  return out;
}

export interface SnapshotOptions {
  readonly filename?: string;
  readonly prefix?: string;
  readonly output?: string;
}

/** Flag checks, with every problem reported at once (as utilerrors.NewAggregate does). */
export function validateSnapshot(options: SnapshotOptions): void {
  const errs: string[] = [];
  if (!options.filename) errs.push('--filename is required');
  if (!options.prefix) errs.push('--prefix is required');
  const output = options.output ?? 'yaml';
  if (output !== 'json' && output !== 'yaml') {
    errs.push(`invalid value ${JSON.stringify(output)} for --output; valid values are json, yaml`);
  }
  if (errs.length === 1) throw new Error(errs[0]);
  if (errs.length > 1) throw new Error(`[${errs.join(', ')}]`);
}

/** Converts every CRD document of `text`; returns the output as the plugin prints it. */
export function snapshot(text: string, prefix: string, output = 'yaml'): string {
  let out = '';
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(doc.errors[0]?.message ?? 'invalid YAML');
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    let schema: JsonObject;
    try {
      schema = crdToAPIResourceSchema(value, prefix);
    } catch (err) {
      throw new Error(`error converting CRD: ${(err as Error).message}`);
    }
    // YAML that kubectl (go-yaml v2) reads back as written: see apimachinery/yaml.ts.
    const encoded = output === 'json' ? `${JSON.stringify(schema)}\n` : toYaml(schema);
    out += `${encoded}\n---\n`;
  }
  return out;
}

export async function crdSnapshot(ctx: PluginContext, options: SnapshotOptions): Promise<void> {
  validateSnapshot(options);
  const filename = options.filename as string;
  let text: string;
  if (filename === '-') {
    text = await ctx.io.readStdin();
  } else {
    try {
      text = readFileSync(filename, 'utf8');
    } catch (err) {
      throw new Error(`error opening ${filename}: ${(err as Error).message}`);
    }
  }
  ctx.io.out(snapshot(text, options.prefix as string, options.output ?? 'yaml'));
}
