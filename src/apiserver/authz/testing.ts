/**
 * A server's storage stack without HTTP, for unit tests of anything that reads and writes
 * objects (REST storage, watches, controllers, authorization): a SQLite store in a
 * temporary directory, the REST storage with an admission chain, the built-in types and
 * the in-process client.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../storage/sqlite/sqlite-store.ts';
import { AdmissionChain } from '../admission/admission.ts';
import { builtinTypes } from '../builtin/index.ts';
import { Client } from '../client.ts';
import type { ResourceType } from '../registry/resource-type.ts';
import { TypeRegistry } from '../registry/type-registry.ts';
import { ResourceStorage } from '../rest/resource-storage.ts';
import type { Scope } from '../rest/scope.ts';

export interface TestEnv {
  readonly dir: string;
  readonly store: SqliteStore;
  readonly admission: AdmissionChain;
  readonly storage: ResourceStorage;
  readonly registry: TypeRegistry;
  readonly client: Client;
  close(): Promise<void>;
}

export function testEnv(extraTypes: readonly ResourceType[] = []): TestEnv {
  const dir = mkdtempSync(join(tmpdir(), 'canopy-auth-'));
  const store = SqliteStore.open(join(dir, 'store.db'), { compaction: false });
  const admission = new AdmissionChain();
  const storage = new ResourceStorage({ store, admission, annotateCluster: false });
  const registry = new TypeRegistry([...builtinTypes, ...extraTypes]);
  const client = new Client(storage, registry);
  return {
    dir,
    store,
    admission,
    storage,
    registry,
    client,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const TEST_ADMIN = { username: 'admin', groups: ['system:masters'] };

/** The scope of an administrator's requests for ConfigMaps in namespace `ns` of `root`. */
export function configMapScope(env: TestEnv): Scope {
  const type = env.registry.lookup('root', '', 'v1', 'configmaps') as ResourceType;
  return { cluster: 'root', type, version: 'v1', namespace: 'ns', user: TEST_ADMIN };
}

/** Polls `check` until it returns something truthy, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`condition not met in ${timeoutMs}ms${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}
