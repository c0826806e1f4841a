import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { parseKubeconfig } from '../apimachinery/kubeconfig.ts';
import { callerKubeconfig } from './kubeconfig.ts';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const user = { username: 'alice@example.com', groups: ['oidc:team-a'] };

describe('callerKubeconfig', () => {
  it('points at the workspace with the CA and the caller’s own token, saying until when a JWT is valid', async () => {
    const token = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(1_900_000_000)
      .sign(new Uint8Array(32));
    const text = callerKubeconfig({
      controlPlane: { origin: 'https://cp:6443', caData: Buffer.from(CA).toString('base64') },
      workspace: 'root:team-a',
      token,
      user,
    });
    expect(text.split('\n').slice(0, 2)).toEqual([
      '# Canopy: alice@example.com in workspace root:team-a, downloaded from the portal.',
      '# The token is valid until 2030-03-17T17:46:40.000Z; download a new file after that.',
    ]);
    const config = parseKubeconfig(text);
    expect(config['current-context']).toBe('root:team-a');
    expect(config.clusters[0]?.cluster).toEqual({
      server: 'https://cp:6443/clusters/root:team-a',
      'certificate-authority-data': Buffer.from(CA).toString('base64'),
    });
    expect(config.users).toEqual([{ name: 'alice@example.com', user: { token } }]);
  });

  it('leaves the CA out when the control plane has none of its own, and says a static token does not expire', () => {
    const text = callerKubeconfig({
      controlPlane: { origin: 'https://cp.example.com', caData: undefined },
      workspace: 'root',
      token: 'static-token',
      user,
    });
    expect(text).toContain('stops working when it is revoked');
    expect(parseKubeconfig(text).clusters[0]?.cluster).toEqual({
      server: 'https://cp.example.com/clusters/root',
    });
  });
});
