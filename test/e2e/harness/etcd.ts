/**
 * The etcd end-to-end servers keep their objects in when `CANOPY_E2E_STORE=etcd`: the
 * vitest project "e2e on etcd" starts one for all its files (`etcd-setup.ts`, which hands
 * the endpoints over in CANOPY_E2E_ETCD_ENDPOINTS); run on its own (a benchmark, or a
 * file with the variable set by hand), the first server of the process starts one, which
 * goes when the process exits. Each server gets a prefix named after its data directory,
 * so a restart on the same directory finds its objects again and servers of one file do
 * not see each other's.
 */
import { rmSync } from 'node:fs';
import { basename } from 'node:path';
import { startTestEtcd, type TestEtcd } from '../../../src/storage/etcd/testing.ts';

export const ENDPOINTS_ENV = 'CANOPY_E2E_ETCD_ENDPOINTS';

let own: Promise<TestEtcd> | undefined;

/** Whether this run keeps the servers' objects in etcd. */
export function e2eOnEtcd(): boolean {
  return process.env.CANOPY_E2E_STORE === 'etcd';
}

export async function e2eEtcdEndpoints(): Promise<readonly string[]> {
  const given = process.env[ENDPOINTS_ENV];
  if (given) return given.split(',');
  own ??= startTestEtcd().then((etcd) => {
    process.once('exit', () => {
      for (let i = 0; i < etcd.members.length; i++) {
        // Synchronously: nothing asynchronous runs once the process exits.
        try {
          process.kill(etcd.pid(i), 'SIGKILL');
        } catch {}
      }
      for (const m of etcd.members) rmSync(m.dataDir, { recursive: true, force: true });
    });
    return etcd;
  });
  return (await own).endpoints;
}

/**
 * The `canopy start` flags of a server whose data directory is `dataDir`, on the run's
 * shared etcd or on `endpoints`.
 */
export async function etcdArgs(dataDir: string, endpoints?: readonly string[]): Promise<string[]> {
  return [
    '--etcd-servers',
    (endpoints ?? (await e2eEtcdEndpoints())).join(','),
    '--etcd-prefix',
    `/e2e/${basename(dataDir)}`,
    // A server killed and started again on its data takes the controllers back soon.
    '--leader-elect-lease-duration',
    '6s',
    '--leader-elect-renew-deadline',
    '4s',
    '--leader-elect-retry-period',
    '1s',
  ];
}
