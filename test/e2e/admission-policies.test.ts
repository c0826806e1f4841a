/**
 * ValidatingAdmissionPolicies through real kubectl 1.33 against `canopy start`: a provider
 * warns its tenants about fields its service ignores with a policy in the APIExport's
 * workspace (kcp's scoping), which governs the bound Clusters in a tenant's workspace and
 * nothing else; a tenant's own Deny policy refuses writes in its workspace only; a policy
 * whose expression does not compile is refused with the compiler's message.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CanopyProcess, startCanopy } from './harness/canopy-process.ts';
import { type Kubectl, kubectlWithPlugins } from './harness/kubectl.ts';
import { EXAMPLES } from './harness/manifests.ts';
import { until } from './harness/wait.ts';

/** A Cluster CRD whose spec keeps every field, as CloudNativePG's accepts its many. */
const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: clusters.postgresql.cnpg.io}
spec:
  group: postgresql.cnpg.io
  names: {kind: Cluster, listKind: ClusterList, plural: clusters, singular: cluster}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
`;

const cluster = (name: string, spec: string) =>
  `apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: {name: ${name}, namespace: default}\nspec: ${spec}\n`;

const denyConfigMaps = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: no-big-configmaps}
spec:
  matchConstraints:
    resourceRules:
      - {apiGroups: [""], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [configmaps]}
  validations:
    - expression: "!has(object.data) || size(object.data) <= 1"
      messageExpression: "'at most one key, not ' + string(size(object.data))"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: no-big-configmaps}
spec: {policyName: no-big-configmaps, validationActions: [Deny]}
`;

describe('ValidatingAdmissionPolicy against canopy start', () => {
  let server: CanopyProcess;
  let home: string;
  let k: Kubectl;

  beforeAll(async () => {
    server = await startCanopy();
    home = mkdtempSync(join(tmpdir(), 'canopy-vap-'));
    k = kubectlWithPlugins(server.kubeconfig, home, 'kubeconfig');
    const crd = join(home, 'crd.yaml');
    writeFileSync(crd, CRD);
    await k.ok(['ws', ':root']);
    await k.ok(['create', 'workspace', 'providers', '--ignore-existing']);
    await k.ok(['create', 'workspace', 'consumers', '--ignore-existing']);
    await k.ok(['ws', ':root:providers']);
    await k.ok(['create', 'workspace', 'database', '--enter']);
    await k.ok(['apply', '-f', '-'], {
      input: await k.ok(['kcp', 'crd', 'snapshot', '-f', crd, '--prefix', 'v1']),
    });
    await k.ok(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'apis.kcp.io/v1alpha2',
        kind: 'APIExport',
        metadata: { name: 'postgresql.cnpg.io' },
        spec: {
          resources: [
            {
              name: 'clusters',
              group: 'postgresql.cnpg.io',
              schema: 'v1.clusters.postgresql.cnpg.io',
              storage: { crd: {} },
            },
          ],
        },
      }),
    });
    // The provider's warnings, as canopy up puts them next to its export.
    await k.ok(['apply', '-f', join(EXAMPLES, 'cluster-policy.yaml')]);
    for (const tenant of ['one', 'two']) {
      await k.ok(['ws', ':root:consumers']);
      await k.ok(['create', 'workspace', tenant, '--enter']);
      await k.ok(['kcp', 'bind', 'apiexport', 'root:providers:database:postgresql.cnpg.io']);
    }
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    server?.cleanup();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("warns a tenant about the fields the provider's policy names, and admits the Cluster", async () => {
    await k.ok(['ws', ':root:consumers:one']);
    const applied = await k(['apply', '-f', '-'], {
      input: cluster(
        'pg',
        '{instances: 1, imageName: "ghcr.io/cloudnative-pg/postgresql:16.4", backup: {barmanObjectStore: {destinationPath: "s3://b"}}, affinity: {enablePodAntiAffinity: true}}',
      ),
    });
    expect(applied.code).toBe(0);
    expect(applied.stdout).toBe('cluster.postgresql.cnpg.io/pg created\n');
    const warned = (name: string, message: string) =>
      `Warning: Validation failed for ValidatingAdmissionPolicy '${name}' with binding '${name}': ${message}\n`;
    expect(applied.stderr).toBe(
      warned(
        'postgresql-not-honoured',
        'spec.backup is accepted but nothing backs this cluster up: this service takes no base backups and archives no WAL',
      ) +
        warned(
          'postgresql-not-honoured',
          'spec.imageName ghcr.io/cloudnative-pg/postgresql:16.4 is not pulled: this service runs the PostgreSQL major version its tag names when that version is installed, and otherwise its newest; the Cluster condition IgnoredFields says which one runs',
        ) +
        warned(
          'postgresql-not-honoured',
          'accepted but not honoured by this service: spec.affinity',
        ),
    );
    const plain = await k(['apply', '-f', '-'], { input: cluster('quiet', '{instances: 1}') });
    expect(plain).toMatchObject({ code: 0, stderr: '' });
  });

  it("governs the export's resources only: a tenant's ConfigMaps are the tenant's own", async () => {
    await k.ok(['ws', ':root:consumers:one']);
    const made = await k([
      'create',
      'configmap',
      'many',
      '--from-literal=a=1',
      '--from-literal=b=2',
    ]);
    expect(made).toMatchObject({ code: 0, stderr: '' });
  });

  it("refuses writes in a tenant's workspace by the tenant's own Deny policy, and nowhere else", async () => {
    await k.ok(['ws', ':root:consumers:one']);
    await k.ok(['apply', '-f', '-'], { input: denyConfigMaps });
    const refused = await until('the policy to be in force', async () => {
      const r = await k(['create', 'configmap', 'big', '--from-literal=a=1', '--from-literal=b=2']);
      return r.code !== 0 ? r : undefined;
    });
    expect(refused.stderr).toBe(
      `error: failed to create configmap: configmaps "big" is forbidden: ValidatingAdmissionPolicy 'no-big-configmaps' with binding 'no-big-configmaps' denied request: at most one key, not 2\n`,
    );
    expect((await k(['create', 'configmap', 'small', '--from-literal=a=1'])).code).toBe(0);
    // The other tenant, and the provider, are not governed by tenant one's policy.
    for (const ws of [':root:consumers:two', ':root:providers:database']) {
      await k.ok(['ws', ws]);
      expect(
        (await k(['create', 'configmap', 'big', '--from-literal=a=1', '--from-literal=b=2'])).code,
      ).toBe(0);
    }
  });

  it('refuses a policy whose expression does not compile, naming the field', async () => {
    await k.ok(['ws', ':root:consumers:two']);
    const bad = await k(['apply', '-f', '-'], {
      input: `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: broken}
spec:
  matchConstraints:
    resourceRules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [configmaps]}]
  validations: [{expression: "object.data.("}]
`,
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /The ValidatingAdmissionPolicy "broken" is invalid: spec\.validations\[0\]\.expression: Invalid value: "object\.data\.\(": compilation failed: ERROR: <input>:1:/,
    );
    expect(await k.ok(['get', 'validatingadmissionpolicies', '-o', 'name'])).toBe('');
  });
});
