/**
 * The Database reconciler: on the Cluster's current primary, `ensure: present` creates the
 * database or alters its mutable options, `ensure: absent` drops it. Status as
 * CloudNativePG writes it: `applied` true (and no message) on success, false with the
 * error in `message` on failure (retried), `observedGeneration`. Two Database objects for
 * the same PostgreSQL database conflict: the older one wins. The finalizer
 * `cnpg.io/deleteDatabase` drops the database on deletion when `databaseReclaimPolicy` is
 * `delete`.
 */

import { isNotFound } from '../../../controller/kube/client.ts';
import { addFinalizer, removeFinalizer } from '../../../controller/kube/finalizers.ts';
import { query, type SocketAddress, withClient } from '../../runtime/sql.ts';
import { DATABASE_FINALIZER, type Database, type DatabaseStatus } from '../../types.ts';
import { type ControllerDeps, DATABASES } from '../deps.ts';
import {
  alterDatabaseSql,
  createDatabaseSql,
  dropDatabaseSql,
  EXISTING_DATABASE_SQL,
  type ExistingDatabase,
} from './sql.ts';

/** CloudNativePG retries a failed Database every 30 s; locally 5 s is friendlier. */
export const RETRY_MS = 5000;

export interface DatabaseResult {
  readonly requeueAfterMs?: number;
}

export class DatabaseReconciler {
  readonly #deps: ControllerDeps;

  constructor(deps: ControllerDeps) {
    this.#deps = deps;
  }

  /** The primary's address when the Cluster runs here and its primary answers. */
  #primary(namespace: string, clusterName: string): SocketAddress | undefined {
    const runtime = this.#deps.manager?.get(namespace, clusterName);
    const cluster = this.#deps.clusters.get(clusterName, namespace);
    if (!runtime || !cluster || cluster.metadata.uid !== runtime.meta.uid) return undefined;
    const primary = runtime.primary();
    if (primary?.state.phase !== 'ready' || !primary.isRunning()) return undefined;
    if (runtime.health.get(primary.name)?.inRecovery !== false) return undefined;
    return primary.address;
  }

  async reconcile(namespace: string, name: string): Promise<DatabaseResult> {
    const db = this.#deps.databases.get(name, namespace);
    if (!db) return {};
    const spec = db.spec ?? {};
    const clusterName = spec.cluster?.name ?? '';
    if (db.metadata.deletionTimestamp) return this.#finalize(db);
    const fresh = await addFinalizer(this.#deps.client, DATABASES, db, DATABASE_FINALIZER);
    if (!fresh) return {};

    const generation = fresh.metadata.generation ?? 1;
    const conflict = this.#conflictingOwner(fresh);
    if (conflict)
      return this.#fail(
        fresh,
        `database ${JSON.stringify(spec.name)} of cluster ${clusterName} is already managed by Database ${conflict}`,
      );
    const cluster = clusterName ? this.#deps.clusters.get(clusterName, namespace) : undefined;
    if (!cluster) return this.#fail(fresh, `Cluster ${JSON.stringify(clusterName)} not found`);
    if (this.#deps.environmentProblem) return this.#fail(fresh, this.#deps.environmentProblem);
    const address = this.#primary(namespace, clusterName);
    if (!address) {
      await this.#setStatus(fresh, {
        ...(fresh.status?.applied === undefined ? {} : { applied: fresh.status.applied }),
        message: `waiting for the primary of Cluster ${clusterName}`,
        observedGeneration: fresh.status?.observedGeneration,
      });
      return { requeueAfterMs: RETRY_MS };
    }
    try {
      if ((spec.ensure ?? 'present') === 'absent') {
        await query(address, dropDatabaseSql(spec.name as string));
      } else {
        await withClient(address, 'postgres', async (c) => {
          const rows = (await c.query<ExistingDatabase>(EXISTING_DATABASE_SQL, [spec.name])).rows;
          const existing = rows[0];
          if (!existing) await c.query(createDatabaseSql(spec));
          else for (const sql of alterDatabaseSql(spec, existing)) await c.query(sql);
        });
      }
    } catch (err) {
      return this.#fail(fresh, (err as Error).message);
    }
    await this.#setStatus(fresh, { applied: true, observedGeneration: generation });
    return {};
  }

  async #fail(db: Database, message: string): Promise<DatabaseResult> {
    await this.#setStatus(db, {
      applied: false,
      message,
      observedGeneration: db.metadata.generation ?? 1,
    });
    return { requeueAfterMs: RETRY_MS };
  }

  /** The older Database object managing the same PostgreSQL database, if any. */
  #conflictingOwner(db: Database): string | undefined {
    const key = (d: Database) => `${d.spec?.cluster?.name ?? ''}\0${d.spec?.name ?? ''}`;
    const mine = key(db);
    const older = this.#deps.databases
      .list(db.metadata.namespace)
      .filter(
        (d) =>
          d.metadata.uid !== db.metadata.uid && !d.metadata.deletionTimestamp && key(d) === mine,
      )
      .filter((d) => {
        const a = d.metadata.creationTimestamp ?? '';
        const b = db.metadata.creationTimestamp ?? '';
        return a < b || (a === b && d.metadata.name < db.metadata.name);
      });
    return older[0]?.metadata.name;
  }

  async #setStatus(db: Database, next: DatabaseStatus): Promise<void> {
    const prev = db.status ?? {};
    const patch: Record<string, unknown> = {};
    for (const field of ['applied', 'message', 'observedGeneration'] as const) {
      const v = next[field];
      if (v === undefined) {
        if (prev[field] !== undefined) patch[field] = null;
      } else if (prev[field] !== v) patch[field] = v;
    }
    if (Object.keys(patch).length === 0) return;
    try {
      await this.#deps.client.patch(
        DATABASES,
        db.metadata.namespace,
        db.metadata.name,
        { status: patch },
        { subresource: 'status' },
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async #finalize(db: Database): Promise<DatabaseResult> {
    const finalizers = db.metadata.finalizers ?? [];
    if (!finalizers.includes(DATABASE_FINALIZER)) return {};
    const spec = db.spec ?? {};
    const clusterName = spec.cluster?.name ?? '';
    const cluster = this.#deps.clusters.get(clusterName, db.metadata.namespace);
    const clusterGone = !cluster || cluster.metadata.deletionTimestamp !== undefined;
    if (spec.databaseReclaimPolicy === 'delete' && !clusterGone && !this.#conflictingOwner(db)) {
      const address = this.#primary(db.metadata.namespace, clusterName);
      if (!address) return { requeueAfterMs: RETRY_MS };
      try {
        await query(address, dropDatabaseSql(spec.name as string));
      } catch (err) {
        return this.#fail(db, (err as Error).message);
      }
    }
    await removeFinalizer(this.#deps.client, DATABASES, db, DATABASE_FINALIZER);
    return {};
  }
}
