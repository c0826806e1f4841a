/**
 * The service owner's cluster: `canopy start --plain` as a service owner uses a real
 * cluster. CloudNativePG's own release manifest applies server-side on the first try with
 * kubectl 1.27 and 1.33 (and again, unchanged); the workload APIs answer as a cluster's do,
 * with warnings where nothing runs them.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CanopyProcess, startCanopy } from './harness/canopy-process.ts';
import { kubectl } from './harness/kubectl.ts';
import { CNPG_MANIFEST } from './harness/manifests.ts';

describe.each(['1.27', '1.33'])('CloudNativePG release manifest with kubectl %s', (version) => {
  let server: CanopyProcess;
  let home: string;

  beforeAll(async () => {
    server = await startCanopy({ plain: true });
    home = mkdtempSync(join(tmpdir(), 'canopy-service-cluster-'));
  });

  afterAll(async () => {
    await server?.stop();
    server?.cleanup();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('applies server-side on the first try, and again unchanged', async () => {
    const k = kubectl(version, server.kubeconfig, home);
    const first = await k(['apply', '--server-side', '-f', CNPG_MANIFEST]);
    expect(first.stderr).not.toMatch(/error|no matches for kind/i);
    expect(first.code, first.stderr).toBe(0);
    const docs = readFileSync(CNPG_MANIFEST, 'utf8').match(/^kind: /gm)?.length;
    expect(first.stdout.match(/serverside-applied$/gm)?.length).toBe(docs);
    // Nothing runs these, and the server says so as kube-apiserver sends warnings.
    expect(first.stderr).toContain(
      'Warning: Canopy runs no workload controllers and no containers: this Deployment is stored, but no pods will be created for it',
    );
    expect(first.stderr).toContain(
      'Warning: Canopy stores admission webhook configurations but never calls the webhooks',
    );
    const again = await k(['apply', '--server-side', '-f', CNPG_MANIFEST]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.match(/serverside-applied$/gm)?.length).toBe(docs);
  });

  it('shows the operator Deployment honestly: 0 of 1 ready, nothing available', async () => {
    const k = kubectl(version, server.kubeconfig, home);
    const out = await k.ok(['-n', 'cnpg-system', 'get', 'deployments,services', '-o', 'wide']);
    expect(out).toMatch(
      /^deployment\.apps\/cnpg-controller-manager\s+0\/1\s+0\s+0\s+\S+\s+manager\s+ghcr\.io\/cloudnative-pg\/cloudnative-pg:1\.25\.1\s+app\.kubernetes\.io\/name=cloudnative-pg$/m,
    );
    expect(out).toMatch(
      /^service\/cnpg-webhook-service\s+ClusterIP\s+10\.\d+\.\d+\.\d+\s+<none>\s+443\/TCP\s+\S+\s+app\.kubernetes\.io\/name=cloudnative-pg$/m,
    );
    expect(await k.ok(['get', 'pods', '-A'])).toBe('');
    const webhooks = await k.ok(['get', 'validatingwebhookconfigurations']);
    expect(webhooks).toMatch(/^cnpg-validating-webhook-configuration\s+4\s+/m);
  });

  it('keeps every field of the manifest, defaulted as upstream', async () => {
    const k = kubectl(version, server.kubeconfig, home);
    const dep = JSON.parse(
      await k.ok([
        '-n',
        'cnpg-system',
        'get',
        'deployment',
        'cnpg-controller-manager',
        '-o',
        'json',
      ]),
    );
    const container = dep.spec.template.spec.containers[0];
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: true,
      runAsGroup: 10001,
      runAsUser: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.env[1]).toEqual({
      name: 'OPERATOR_NAMESPACE',
      valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } },
    });
    expect(container.startupProbe).toEqual({
      failureThreshold: 6,
      httpGet: { path: '/readyz', port: 9443, scheme: 'HTTPS' },
      periodSeconds: 5,
      successThreshold: 1,
      timeoutSeconds: 1,
    });
    expect(dep.spec.template.spec.volumes[1]).toEqual({
      name: 'webhook-certificates',
      secret: { defaultMode: 420, optional: true, secretName: 'cnpg-webhook-cert' },
    });
    expect(dep.spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
    });
    const explained = await k.ok(['explain', 'deployment.spec.template.spec.containers.ports']);
    expect(explained).toContain('containerPort');
    expect(explained).toContain('-required-');
  });

  it('refuses a bad workload with upstream field causes', async () => {
    const k = kubectl(version, server.kubeconfig, home);
    const bad = await k(['create', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'bad', namespace: 'default' },
        spec: {
          selector: { matchLabels: { app: 'a' } },
          template: { metadata: { labels: { app: 'b' } }, spec: { containers: [{ name: 'x' }] } },
        },
      }),
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('spec.template.spec.containers[0].image: Required value');
    expect(bad.stderr).toContain('`selector` does not match template `labels`');
  });
});
