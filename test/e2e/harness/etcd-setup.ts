/** vitest global setup of the "e2e on etcd" project: one etcd for every file, then gone. */
import { startTestEtcd } from '../../../src/storage/etcd/testing.ts';
import { ENDPOINTS_ENV } from './etcd.ts';

export default async function setup(): Promise<() => Promise<void>> {
  const etcd = await startTestEtcd();
  process.env[ENDPOINTS_ENV] = etcd.endpoints.join(',');
  return () => etcd.stop();
}
