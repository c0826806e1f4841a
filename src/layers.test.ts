/**
 * The direction of imports between the folders of `src/`, checked on every `npm test`.
 * Each folder may import itself and the folders listed for it, nothing else: the layers
 * run from pure Kubernetes semantics (apimachinery) up through the store, the generic API
 * server and kcp's APIs to the process that assembles them; the toolkits and logging sit
 * below their users; object types (`api/`) are shared by servers and clients alike. A new
 * folder must be added here, with the layers it builds on; docs/architecture.md explains
 * the picture.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = dirname(fileURLToPath(import.meta.url));

const FOUNDATION = ['apimachinery', 'api', 'logging'];
/** The clients' toolkit: a process outside the server reaches it only over HTTP. */
const CLIENT_SIDE = [...FOUNDATION, 'controller', 'controller/kube'];
const GENERIC_SERVER = [...FOUNDATION, 'storage', 'controller', 'apiserver'];

/** Folder → the folders it may import. A nested entry (`controller/kube`) is its own layer. */
const LAYERS: Record<string, readonly string[]> = {
  apimachinery: [],
  logging: [],
  api: ['apimachinery'],
  storage: ['apimachinery', 'logging'],
  controller: ['apimachinery', 'api', 'logging', 'storage'],
  'controller/kube': FOUNDATION,
  apiserver: [...FOUNDATION, 'storage', 'controller'],
  tenancy: GENERIC_SERVER,
  apis: [...GENERIC_SERVER, 'tenancy'],
  virtual: [...GENERIC_SERVER, 'tenancy', 'apis'],
  hub: [...GENERIC_SERVER, 'tenancy', 'apis', 'virtual', 'controller/kube'],
  portal: [...GENERIC_SERVER, 'tenancy', 'apis', 'virtual', 'hub', 'controller/kube'],
  server: [...GENERIC_SERVER, 'tenancy', 'apis', 'virtual', 'hub', 'portal'],
  postgres: CLIENT_SIDE,
  syncagent: CLIENT_SIDE,
  cli: [...GENERIC_SERVER, 'controller/kube', 'server', 'hub', 'postgres', 'syncagent'],
};

/** npm packages only one folder may import, so one module decides how they are used. */
const PACKAGE_OWNERS: Record<string, string> = { pino: 'logging' };

/** The layer a path under src/ belongs to: the longest matching entry of LAYERS. */
function layerOf(path: string): string | undefined {
  const parts = relative(SRC, path).split('/');
  for (let n = parts.length - 1; n > 0; n--) {
    const folder = parts.slice(0, n).join('/');
    if (folder in LAYERS) return folder;
  }
  return undefined;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

interface Violation {
  file: string;
  imports: string;
  why: string;
}

function violations(): Violation[] {
  const found: Violation[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = layerOf(file);
    const name = relative(SRC, file);
    if (from === undefined) {
      if (dirname(name) !== '.') {
        found.push({ file: name, imports: '', why: 'its folder is not in LAYERS' });
      }
      continue;
    }
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName: spec } of importedFiles) {
      if (!spec.startsWith('.')) {
        const owner = PACKAGE_OWNERS[spec];
        if (owner !== undefined && owner !== from) {
          found.push({ file: name, imports: spec, why: `only ${owner}/ imports ${spec}` });
        }
        continue;
      }
      const target = resolve(dirname(file), spec);
      const to = layerOf(target);
      if (to === undefined || to === from || LAYERS[from]?.includes(to)) continue;
      found.push({
        file: name,
        imports: relative(SRC, target),
        why: `${from}/ may import only ${LAYERS[from]?.join(', ') || 'nothing else'}`,
      });
    }
  }
  return found;
}

describe('layers of src/', () => {
  it('every import points down (or sideways as LAYERS allows), never up', () => {
    expect(violations()).toEqual([]);
  });

  it('the table itself has no cycle', () => {
    const visiting = new Set<string>();
    const done = new Set<string>();
    const cycles: string[] = [];
    const visit = (layer: string, path: string[]): void => {
      if (done.has(layer)) return;
      if (visiting.has(layer)) {
        cycles.push([...path, layer].join(' → '));
        return;
      }
      visiting.add(layer);
      for (const below of LAYERS[layer] ?? []) visit(below, [...path, layer]);
      visiting.delete(layer);
      done.add(layer);
    };
    for (const layer of Object.keys(LAYERS)) visit(layer, []);
    expect(cycles).toEqual([]);
  });
});
