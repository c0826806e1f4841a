/**
 * The Kubernetes API core, end to end: `canopy start --plain` driven by real kubectl
 * (1.27 and 1.33) — create, get in every output, lists across namespaces, watches, wait,
 * selectors, finalizers, a CRD with printer columns and schema errors, pagination.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CanopyProcess, startCanopy } from './harness/canopy-process.ts';
import { type Kubectl, kubectl } from './harness/kubectl.ts';
import { ownConfigMaps, ROOT_CA_CONFIGMAP } from './harness/system-objects.ts';
import { eventually } from './harness/wait.ts';

const WIDGET_CRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Color, type: string, jsonPath: .spec.color}
    - {name: Phase, type: string, jsonPath: .status.phase}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: {type: integer, minimum: 1, maximum: 10}
              color: {type: string, enum: [red, green, blue], default: red}
          status:
            type: object
            properties:
              phase: {type: string}
`;

/** Two versions, each with its own printer columns, selectable fields and subresources. */
const GIZMO_CRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gizmos.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: gizmos, singular: gizmo, kind: Gizmo}
  versions:
  - name: v1
    served: true
    storage: true
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    schema:
      openAPIV3Schema: &schema
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
              color: {type: string}
          status:
            type: object
            properties:
              phase: {type: string}
  - name: v2
    served: true
    storage: false
    subresources: {status: {}}
    selectableFields:
    - {jsonPath: .spec.color}
    additionalPrinterColumns:
    - {name: Color, type: string, jsonPath: .spec.color}
    schema:
      openAPIV3Schema: *schema
`;

for (const version of ['1.27', '1.33']) {
  describe(`kubectl ${version} against canopy start --plain`, () => {
    let server: CanopyProcess;
    let k: Kubectl;
    let home: string;

    beforeAll(async () => {
      server = await startCanopy({ plain: true });
      home = mkdtempSync(join(tmpdir(), 'canopy-kubectl-home-'));
      k = kubectl(version, server.kubeconfig, home);
    });

    afterAll(async () => {
      await server?.stop();
      server?.cleanup();
      rmSync(home, { recursive: true, force: true });
    });

    it('reports version 1.32 and the start-up namespaces', async () => {
      const v = JSON.parse(await k.ok(['version', '-o', 'json'])) as {
        serverVersion: { minor: string };
      };
      expect(v.serverVersion.minor).toBe('32');
      const out = await k.ok(['get', 'namespaces']);
      expect(out).toMatch(/^NAME\s+STATUS\s+AGE/m);
      for (const ns of ['default', 'kube-system', 'kube-public'])
        expect(out).toMatch(new RegExp(`^${ns}\\s+Active`, 'm'));
    });

    it('creates and gets objects as a table, yaml and jsonpath', async () => {
      await k.ok(['create', 'namespace', 'team-a']);
      await k.ok([
        '-n',
        'team-a',
        'create',
        'configmap',
        'settings',
        '--from-literal=mode=fast',
        '--from-literal=level=3',
      ]);
      await k.ok([
        '-n',
        'team-a',
        'create',
        'secret',
        'generic',
        'creds',
        '--from-literal=password=s3cret',
      ]);
      const table = await k.ok(['-n', 'team-a', 'get', 'configmap', 'settings']);
      expect(table).toMatch(/^NAME\s+DATA\s+AGE\nsettings\s+2\s+\d+s/m);
      const secrets = await k.ok(['-n', 'team-a', 'get', 'secrets']);
      expect(secrets).toMatch(/^NAME\s+TYPE\s+DATA\s+AGE\ncreds\s+Opaque\s+1\s+/m);
      const yaml = await k.ok(['-n', 'team-a', 'get', 'configmap', 'settings', '-o', 'yaml']);
      expect(yaml).toContain('mode: fast');
      expect(yaml).toMatch(/resourceVersion: "\d+"/);
      expect(yaml).toMatch(/uid: [0-9a-f-]{36}/);
      const mode = await k.ok([
        '-n',
        'team-a',
        'get',
        'configmap',
        'settings',
        '-o',
        'jsonpath={.data.mode}',
      ]);
      expect(mode).toBe('fast');
      const password = await k.ok([
        '-n',
        'team-a',
        'get',
        'secret',
        'creds',
        '-o',
        'jsonpath={.data.password}',
      ]);
      expect(Buffer.from(password, 'base64').toString()).toBe('s3cret');
    });

    it('lists across namespaces and selects by label and field', async () => {
      await k.ok(['create', 'namespace', 'team-b']);
      await k.ok(['-n', 'team-b', 'create', 'configmap', 'settings', '--from-literal=mode=slow']);
      await k.ok(['-n', 'team-b', 'label', 'configmap', 'settings', 'tier=gold']);
      const all = await k.ok(['get', 'configmaps', '-A']);
      expect(all).toMatch(/^team-a\s+settings\s+2\s+/m);
      expect(all).toMatch(/^team-b\s+settings\s+1\s+/m);
      const gold = await k.ok(['get', 'configmaps', '-A', '-l', 'tier=gold', '-o', 'name']);
      expect(gold.trim()).toBe('configmap/settings');
      const where = 'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name} {end}';
      const notGold = await k.ok(['get', 'configmaps', '-A', '-l', 'tier!=gold', '-o', where]);
      expect(notGold.split(' ')).toContain('team-a/settings');
      expect(notGold.split(' ')).not.toContain('team-b/settings');
      const byField = await k.ok([
        'get',
        'configmaps',
        '-A',
        '--field-selector',
        'metadata.namespace=team-b',
        '-o',
        'name',
      ]);
      expect(ownConfigMaps(byField)).toEqual(['configmap/settings']);
      // Every namespace gets the server's CA and a default service account, as upstream.
      const ca = readFileSync(join(server.dataDir, 'ca.crt'), 'utf8');
      const published = ['-n', 'team-b', 'get', 'configmap', ROOT_CA_CONFIGMAP];
      await eventually('the root CA ConfigMap', async () => {
        expect(await k.ok([...published, '-o', 'jsonpath={.data.ca\\.crt}'])).toBe(ca);
      });
      await eventually('the default ServiceAccount', () =>
        k.ok(['-n', 'team-b', 'get', 'serviceaccount', 'default']),
      );
      const opaque = await k.ok([
        'get',
        'secrets',
        '-A',
        '--field-selector',
        'type=Opaque',
        '-o',
        'name',
      ]);
      expect(opaque).toContain('secret/creds');
      const bad = await k(['get', 'configmaps', '--field-selector', 'spec.nope=1']);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain(
        '"spec.nope" is not a known field selector: only "metadata.name", "metadata.namespace"',
      );
      // kubectl puts "Unable to find … that match …" in front; the server must not as well.
      expect(bad.stderr.split('Unable to find').length).toBe(2);
    });

    it('pages lists with --chunk-size', async () => {
      await k.ok(['create', 'namespace', 'paged']);
      for (let i = 0; i < 7; i++)
        await k.ok(['-n', 'paged', 'create', 'configmap', `cm-${i}`, '--from-literal=i=1']);
      const r = await k([
        '-n',
        'paged',
        'get',
        'configmaps',
        '--chunk-size=2',
        '-o',
        'name',
        '-v=6',
      ]);
      expect(r.code).toBe(0);
      expect(ownConfigMaps(r.stdout)).toEqual(
        Array.from({ length: 7 }, (_, i) => `configmap/cm-${i}`),
      );
      // Four requests: three pages carried a continue token.
      expect((r.stderr.match(/continue=/g) ?? []).length).toBeGreaterThanOrEqual(3);
    });

    it('sees changes with get -w', async () => {
      await k.ok(['create', 'namespace', 'watched']);
      const watch = k(['-n', 'watched', 'get', 'configmaps', '-w', '--request-timeout=8s']);
      await new Promise((r) => setTimeout(r, 1500));
      await k.ok(['-n', 'watched', 'create', 'configmap', 'born', '--from-literal=a=1']);
      await k.ok(['-n', 'watched', 'label', 'configmap', 'born', 'x=y']);
      const r = await watch;
      expect(r.stdout).toMatch(/^born\s+1\s+/m);
    });

    it('waits for conditions and jsonpath on a custom resource with printer columns', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'canopy-crd-'));
      writeFileSync(join(dir, 'crd.yaml'), WIDGET_CRD);
      await k.ok(['apply', '-f', join(dir, 'crd.yaml')]);
      await k.ok([
        'wait',
        '--for=condition=Established',
        'crd/widgets.example.com',
        '--timeout=30s',
      ]);
      writeFileSync(
        join(dir, 'w.yaml'),
        'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1, namespace: default}\nspec: {size: 3}\n',
      );
      await k.ok(['create', '-f', join(dir, 'w.yaml')]);
      const table = await k.ok(['get', 'widgets']);
      // The server sends a null cell for the missing phase; kubectl prints it blank.
      expect(table).toMatch(/^NAME\s+SIZE\s+COLOR\s+PHASE\s+AGE\nw1\s+3\s+red\s+\d+s/m);
      const short = await k.ok(['get', 'wd', 'w1', '-o', 'jsonpath={.spec.color}']);
      expect(short).toBe('red');
      const waiting = k([
        'wait',
        '--for=jsonpath={.status.phase}=Ready',
        'widget/w1',
        '--timeout=30s',
      ]);
      await new Promise((r) => setTimeout(r, 500));
      const status = JSON.stringify({ status: { phase: 'Ready' } });
      await k.ok(['patch', 'widget', 'w1', '--subresource=status', '--type=merge', '-p', status]);
      expect((await waiting).code).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    });

    it('serves each version of a custom resource with its own columns, field selectors and subresources', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'canopy-crd-versions-'));
      writeFileSync(join(dir, 'crd.yaml'), GIZMO_CRD);
      await k.ok(['apply', '-f', join(dir, 'crd.yaml')]);
      await k.ok(['wait', '--for=condition=Established', 'crd/gizmos.example.com']);
      writeFileSync(
        join(dir, 'z.yaml'),
        'apiVersion: example.com/v1\nkind: Gizmo\nmetadata: {name: z1, namespace: default}\nspec: {size: 4, color: red}\n',
      );
      await k.ok(['create', '-f', join(dir, 'z.yaml')]);
      expect(await k.ok(['get', 'gizmos.v1.example.com'])).toMatch(/^NAME\s+SIZE\s*\nz1\s+4\s*$/m);
      // v2 is the preferred version, so a plain `get gizmos` shows its columns too.
      expect(await k.ok(['get', 'gizmos'])).toMatch(/^NAME\s+COLOR\s*\nz1\s+red\s*$/m);
      const selected = ['get', '--field-selector', 'spec.color=red', '-o', 'name'];
      expect((await k.ok([...selected, 'gizmos.v2.example.com'])).trim()).toBe(
        'gizmo.example.com/z1',
      );
      const refused = await k([...selected, 'gizmos.v1.example.com']);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('field label not supported: spec.color');
      const status = JSON.stringify({ status: { phase: 'Ready' } });
      const patch = ['patch', '--subresource=status', '--type=merge', '-p', status];
      await k.ok([...patch, 'gizmos.v2.example.com', 'z1']);
      expect(await k.ok(['get', 'gizmo', 'z1', '-o', 'jsonpath={.status.phase}'])).toBe('Ready');
      const noStatus = await k([...patch, 'gizmos.v1.example.com', 'z1']);
      expect(noStatus.code).not.toBe(0);
      expect(noStatus.stderr).toContain('NotFound');
      rmSync(dir, { recursive: true, force: true });
    });

    it('prints every schema violation as a field cause', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'canopy-bad-'));
      writeFileSync(
        join(dir, 'bad.yaml'),
        'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: bad, namespace: default}\nspec: {size: 99, color: purple}\n',
      );
      const r = await k(['create', '-f', join(dir, 'bad.yaml')]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('The Widget "bad" is invalid');
      expect(r.stderr).toContain('spec.size');
      expect(r.stderr).toContain('spec.color');
      expect(r.stderr).toContain('Unsupported value: "purple"');
      rmSync(dir, { recursive: true, force: true });
    });

    it('keeps an object with a finalizer until the finalizer is removed', async () => {
      await k.ok(['-n', 'default', 'create', 'configmap', 'held', '--from-literal=a=1']);
      await k.ok([
        '-n',
        'default',
        'patch',
        'configmap',
        'held',
        '--type=merge',
        '-p',
        '{"metadata":{"finalizers":["example.com/hold"]}}',
      ]);
      await k.ok(['-n', 'default', 'delete', 'configmap', 'held', '--wait=false']);
      const still = await k.ok([
        '-n',
        'default',
        'get',
        'configmap',
        'held',
        '-o',
        'jsonpath={.metadata.deletionTimestamp}',
      ]);
      expect(still).not.toBe('');
      const deleting = k([
        '-n',
        'default',
        'wait',
        '--for=delete',
        'configmap/held',
        '--timeout=30s',
      ]);
      await k.ok([
        '-n',
        'default',
        'patch',
        'configmap',
        'held',
        '--type=json',
        '-p',
        '[{"op":"remove","path":"/metadata/finalizers"}]',
      ]);
      expect((await deleting).code).toBe(0);
      const gone = await k(['-n', 'default', 'get', 'configmap', 'held']);
      expect(gone.stderr).toContain('configmaps "held" not found');
    });

    it('deletes a namespace with everything in it', async () => {
      await k.ok(['create', 'namespace', 'doomed']);
      await k.ok(['-n', 'doomed', 'create', 'configmap', 'c', '--from-literal=a=1']);
      await k.ok(['delete', 'namespace', 'doomed', '--timeout=30s']);
      const r = await k(['get', 'namespace', 'doomed']);
      expect(r.stderr).toContain('namespaces "doomed" not found');
      const refused = await k(['delete', 'namespace', 'default']);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('this namespace may not be deleted');
    });
  });
}
