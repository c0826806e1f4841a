/**
 * The hub's serving certificate, issued by a CA kept in a data directory: the control
 * plane's own CA when the hub runs inside `canopy start` (so anything that trusts the
 * control plane trusts the hub), a CA of its own for `canopy hub`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type KeyPairPem, loadOrCreateCA, loadOrIssueServing } from '../apiserver/tls/pki.ts';

/**
 * CA in `caDir` (made when missing), certificate in `certDir` (default `caDir/hub/`; a
 * replica whose CA is shared keeps its hub certificate in its own data directory).
 */
export async function hubServingCertificate(
  caDir: string,
  hosts: readonly string[],
  certDir = join(caDir, 'hub'),
): Promise<KeyPairPem> {
  const ca = await loadOrCreateCA(caDir);
  const dir = certDir;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return loadOrIssueServing(dir, ca, hosts);
}
