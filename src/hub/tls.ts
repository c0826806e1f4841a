/**
 * The hub's serving certificate, issued by a CA kept in a data directory: the control
 * plane's own CA when the hub runs inside `canopy start` (so anything that trusts the
 * control plane trusts the hub), a CA of its own for `canopy hub`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type KeyPairPem, loadOrCreateCA, loadOrIssueServing } from '../apiserver/tls/pki.ts';

/** CA in `caDir` (made when missing), certificate in `caDir/hub/`. */
export async function hubServingCertificate(
  caDir: string,
  hosts: readonly string[],
): Promise<KeyPairPem> {
  const ca = await loadOrCreateCA(caDir);
  const dir = join(caDir, 'hub');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return loadOrIssueServing(dir, ca, hosts);
}
