/**
 * The kubeconfig the portal's "Download kubeconfig" gives a signed-in user: the control
 * plane's address in the workspace they are in, its CA, and their own bearer token — the
 * one the portal sends (for "Sign in with <issuer>", the ID token).
 *
 * Why the token and not an exec-plugin stanza (`kubectl oidc-login get-token …`): it works
 * with every kubectl and client library as it is, with nothing to install; a plugin would
 * run its own sign-in as another OAuth client, which the issuer must register with
 * loopback redirect URIs, and could not use the hub's client secret, which must not leave
 * the hub. The price is the token's life: the file says until when it is valid (an ID
 * token's `exp`), and the portal's button downloads a fresh one. Teams that want refresh
 * in the terminal point kubelogin at the same issuer; the API server accepts its tokens
 * alike.
 */
import { decodeJwt } from 'jose';
import { serializeKubeconfig, singleContextKubeconfig } from '../apimachinery/kubeconfig.ts';
import type { UserInfo } from '../apiserver/rest/scope.ts';
import type { ControlPlane } from './control-plane.ts';

/** When a JWT bearer expires; undefined for other tokens (static tokens never do). */
function expiryOf(token: string): Date | undefined {
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === 'number' ? new Date(exp * 1000) : undefined;
  } catch {
    return undefined;
  }
}

export function callerKubeconfig(options: {
  readonly controlPlane: Pick<ControlPlane, 'origin' | 'caData'>;
  readonly workspace: string;
  readonly token: string;
  readonly user: UserInfo;
}): string {
  const { controlPlane, workspace, token, user } = options;
  const caData = controlPlane.caData;
  const config = singleContextKubeconfig({
    name: 'canopy',
    server: `${controlPlane.origin}/clusters/${workspace}`,
    caPem: caData ? Buffer.from(caData, 'base64').toString('utf8') : '',
    user: { token },
    userName: user.username,
    contextName: workspace,
  });
  const cluster = config.clusters[0]?.cluster;
  // No CA in the hub's kubeconfig: the control plane has a publicly trusted certificate.
  if (cluster && !caData) delete cluster['certificate-authority-data'];
  const expires = expiryOf(token);
  const header = [
    `# Canopy: ${user.username} in workspace ${workspace}, downloaded from the portal.`,
    expires
      ? `# The token is valid until ${expires.toISOString()}; download a new file after that.`
      : '# The token is the one the portal signed in with; it stops working when it is revoked.',
  ];
  return `${header.join('\n')}\n${serializeKubeconfig(config)}`;
}
