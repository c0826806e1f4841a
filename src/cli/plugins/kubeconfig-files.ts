/**
 * Reading and writing kubeconfig files the way kubectl does (client-go clientcmd loading
 * rules): `--kubeconfig` alone, else every file of `KUBECONFIG` merged (first definition of
 * a name wins, first non-empty current-context wins), else `~/.kube/config`. Edits go back
 * to the file that defined the entry, new entries to the default file, so a plugin never
 * rewrites entries it did not change.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  type Kubeconfig,
  type KubeconfigCluster,
  type KubeconfigContext,
  type KubeconfigUser,
  parseKubeconfig,
  serializeKubeconfig,
} from '../../apimachinery/kubeconfig.ts';

/** Where kubeconfig comes from: the files in precedence order. */
export interface KubeconfigSource {
  readonly files: readonly string[];
  /** True for `--kubeconfig` (a single file that must exist). */
  readonly explicit: boolean;
}

export function kubeconfigSource(
  explicitPath: string | undefined,
  env: NodeJS.ProcessEnv,
  home: string,
): KubeconfigSource {
  if (explicitPath) return { files: [resolve(explicitPath)], explicit: true };
  const fromEnv = (env.KUBECONFIG ?? '')
    .split(delimiter)
    .filter((f) => f !== '')
    .map((f) => resolve(f));
  if (fromEnv.length > 0) return { files: [...new Set(fromEnv)], explicit: false };
  return { files: [join(home, '.kube', 'config')], explicit: false };
}

type Section = 'clusters' | 'users' | 'contexts';

/** The merged view plus where each entry came from. */
export interface LoadedKubeconfig {
  readonly source: KubeconfigSource;
  /** Merged config; relative file references are made absolute. */
  readonly merged: Kubeconfig;
  /** Parsed content of each existing file, as read (paths untouched). */
  readonly perFile: ReadonlyMap<string, Kubeconfig>;
  /** File that defined each entry, by section and name. */
  readonly origins: Readonly<Record<Section, ReadonlyMap<string, string>>>;
  /** File whose current-context was used, if any. */
  readonly currentContextOrigin: string | undefined;
}

export function loadKubeconfig(source: KubeconfigSource): LoadedKubeconfig {
  const perFile = new Map<string, Kubeconfig>();
  for (const file of source.files) {
    if (!existsSync(file)) {
      if (source.explicit) throw new Error(`stat ${file}: no such file or directory`);
      continue;
    }
    const text = readFileSync(file, 'utf8');
    try {
      perFile.set(file, parseKubeconfig(text));
    } catch (err) {
      throw new Error(`error loading config file "${file}": ${(err as Error).message}`);
    }
  }
  const merged: Kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [],
    users: [],
    contexts: [],
    'current-context': '',
  };
  const origins: Record<Section, Map<string, string>> = {
    clusters: new Map(),
    users: new Map(),
    contexts: new Map(),
  };
  let currentContextOrigin: string | undefined;
  for (const [file, config] of perFile) {
    const dir = dirname(file);
    for (const entry of config.clusters ?? []) {
      if (!entry?.name || origins.clusters.has(entry.name)) continue;
      origins.clusters.set(entry.name, file);
      merged.clusters.push({ name: entry.name, cluster: absoluteCluster(entry.cluster, dir) });
    }
    for (const entry of config.users ?? []) {
      if (!entry?.name || origins.users.has(entry.name)) continue;
      origins.users.set(entry.name, file);
      merged.users.push({ name: entry.name, user: absoluteUser(entry.user ?? {}, dir) });
    }
    for (const entry of config.contexts ?? []) {
      if (!entry?.name || origins.contexts.has(entry.name)) continue;
      origins.contexts.set(entry.name, file);
      merged.contexts.push({ name: entry.name, context: { ...entry.context } });
    }
    if (!merged['current-context'] && config['current-context']) {
      merged['current-context'] = config['current-context'];
      currentContextOrigin = file;
    }
  }
  return { source, merged, perFile, origins, currentContextOrigin };
}

/** clientcmd's default destination for new entries. */
export function defaultFile(source: KubeconfigSource): string {
  const files = source.files;
  if (source.explicit || files.length === 1) return files[0] as string;
  return files.find((f) => existsSync(f)) ?? (files[files.length - 1] as string);
}

/**
 * Writes `next` back: every cluster, user or context that differs from the loaded view
 * goes to the file that defined it (or the default file when new), and a changed
 * current-context to the file that set it. Entries are never removed.
 */
export function saveKubeconfig(loaded: LoadedKubeconfig, next: Kubeconfig): string[] {
  const fallback = defaultFile(loaded.source);
  const dirty = new Map<string, Kubeconfig>();
  const target = (file: string): Kubeconfig => {
    let config = dirty.get(file);
    if (!config) {
      const existing = loaded.perFile.get(file);
      config = existing
        ? structuredClone(existing)
        : {
            apiVersion: 'v1',
            kind: 'Config',
            clusters: [],
            users: [],
            contexts: [],
            'current-context': '',
          };
      config.clusters ??= [];
      config.users ??= [];
      config.contexts ??= [];
      dirty.set(file, config);
    }
    return config;
  };
  for (const section of ['clusters', 'users', 'contexts'] as const) {
    const before = new Map(loaded.merged[section].map((e) => [e.name, e] as const));
    for (const entry of next[section]) {
      const old = before.get(entry.name);
      if (old && isDeepStrictEqual(old, entry)) continue;
      const file = loaded.origins[section].get(entry.name) ?? fallback;
      upsert(target(file)[section] as Array<{ name: string }>, structuredClone(entry));
    }
  }
  if (next['current-context'] !== loaded.merged['current-context']) {
    const file = loaded.source.explicit ? fallback : (loaded.currentContextOrigin ?? fallback);
    target(file)['current-context'] = next['current-context'];
  }
  for (const [file, config] of dirty) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, serializeKubeconfig(config), { mode: 0o600 });
  }
  return [...dirty.keys()];
}

function upsert<T extends { name: string }>(list: T[], entry: T): void {
  const i = list.findIndex((e) => e?.name === entry.name);
  if (i >= 0) list[i] = entry;
  else list.push(entry);
}

function absolutePath(dir: string, file: unknown): unknown {
  return typeof file === 'string' && file !== '' && !isAbsolute(file) ? join(dir, file) : file;
}

function absoluteCluster(cluster: KubeconfigCluster, dir: string): KubeconfigCluster {
  const out = { ...cluster };
  if (out['certificate-authority'] !== undefined) {
    out['certificate-authority'] = absolutePath(dir, out['certificate-authority']) as string;
  }
  return out;
}

function absoluteUser(user: KubeconfigUser, dir: string): KubeconfigUser {
  const out: KubeconfigUser = { ...user };
  for (const key of ['client-certificate', 'client-key', 'tokenFile'] as const) {
    if (out[key] !== undefined) out[key] = absolutePath(dir, out[key]) as string;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Lookups and pure edits on a (merged) config

export function findCluster(config: Kubeconfig, name: string): KubeconfigCluster | undefined {
  return config.clusters.find((e) => e.name === name)?.cluster;
}

export function findContext(config: Kubeconfig, name: string): KubeconfigContext | undefined {
  return config.contexts.find((e) => e.name === name)?.context;
}

export function findUser(config: Kubeconfig, name: string): KubeconfigUser | undefined {
  return config.users.find((e) => e.name === name)?.user;
}

export function setCluster(config: Kubeconfig, name: string, cluster: KubeconfigCluster): void {
  upsert(config.clusters, { name, cluster });
}

export function setContext(config: Kubeconfig, name: string, context: KubeconfigContext): void {
  upsert(config.contexts, { name, context });
}
