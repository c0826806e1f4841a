/**
 * Apply, patches, OpenAPI and object lifecycle, end to end with kubectl 1.27, 1.30 and
 * 1.33 against `canopy start --plain`: client-side and server-side apply, diff, edit,
 * patch types, explain, multi-document create with validation, garbage collection and
 * namespace deletion.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CanopyProcess, startCanopy } from './harness/canopy-process.ts';
import { type Kubectl, kubectl } from './harness/kubectl.ts';
import { ownConfigMaps } from './harness/system-objects.ts';
import { eventually } from './harness/wait.ts';

const GADGET_CRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        description: A gadget is a test resource.
        properties:
          spec:
            type: object
            description: What the gadget should be.
            properties:
              size:
                type: integer
                description: How big the gadget is, in centimetres.
              color: {type: string, description: The colour of the gadget.}
              parts:
                type: array
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [name]
                items:
                  type: object
                  required: [name]
                  properties:
                    name: {type: string}
                    count: {type: integer}
`;

for (const version of ['1.27', '1.30', '1.33']) {
  describe(`kubectl ${version}: apply, patch and lifecycle`, () => {
    let server: CanopyProcess;
    let k: Kubectl;
    let dir: string;
    const file = (name: string, content: string) => {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    };
    const rv = async (...target: string[]) =>
      k.ok([...target, '-o', 'jsonpath={.metadata.resourceVersion}']);

    beforeAll(async () => {
      server = await startCanopy({ plain: true });
      dir = mkdtempSync(join(tmpdir(), 'canopy-apply-'));
      k = kubectl(version, server.kubeconfig, dir);
      await k.ok(['apply', '-f', file('crd.yaml', GADGET_CRD)]);
      await k.ok([
        'wait',
        '--for=condition=Established',
        'crd/gadgets.example.com',
        '--timeout=30s',
      ]);
    });

    afterAll(async () => {
      await server?.stop();
      server?.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    it('client-side apply: twice is a no-op, a dropped field is removed (built-in and custom)', async () => {
      const cm1 = file(
        'cm1.yaml',
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: csa, namespace: default}\ndata: {a: "1", b: "2"}\n',
      );
      await k.ok(['apply', '-f', cm1]);
      const first = await rv('get', 'configmap', 'csa');
      expect(await k.ok(['apply', '-f', cm1])).toContain('unchanged');
      expect(await rv('get', 'configmap', 'csa')).toBe(first);
      await k.ok([
        'apply',
        '-f',
        file(
          'cm2.yaml',
          'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: csa, namespace: default}\ndata: {a: "1"}\n',
        ),
      ]);
      expect(await k.ok(['get', 'configmap', 'csa', '-o', 'jsonpath={.data}'])).toBe('{"a":"1"}');

      const g1 = file(
        'g1.yaml',
        'apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: csa, namespace: default}\nspec: {size: 3, color: red}\n',
      );
      await k.ok(['apply', '-f', g1]);
      const gFirst = await rv('get', 'gadget', 'csa');
      await k.ok(['apply', '-f', g1]);
      expect(await rv('get', 'gadget', 'csa')).toBe(gFirst);
      await k.ok([
        'apply',
        '-f',
        file(
          'g2.yaml',
          'apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: csa, namespace: default}\nspec: {size: 3}\n',
        ),
      ]);
      expect(await k.ok(['get', 'gadget', 'csa', '-o', 'jsonpath={.spec}'])).toBe('{"size":3}');
    });

    it('server-side apply: managers share, conflict, and --force-conflicts takes ownership', async () => {
      const mine = file(
        'ssa1.yaml',
        'apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: ssa, namespace: default}\nspec: {size: 1, parts: [{name: a, count: 1}]}\n',
      );
      await k.ok(['apply', '--server-side', '-f', mine]);
      const first = await rv('get', 'gadget', 'ssa');
      await k.ok(['apply', '--server-side', '-f', mine]);
      expect(await rv('get', 'gadget', 'ssa')).toBe(first);
      const theirs = file(
        'ssa2.yaml',
        'apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: ssa, namespace: default}\nspec: {size: 2, parts: [{name: b, count: 2}]}\n',
      );
      const conflict = await k(['apply', '--server-side', '--field-manager=other', '-f', theirs]);
      expect(conflict.code).not.toBe(0);
      expect(conflict.stderr).toContain('conflict with "kubectl"');
      expect(conflict.stderr).toContain('.spec.size');
      await k.ok([
        'apply',
        '--server-side',
        '--field-manager=other',
        '--force-conflicts',
        '-f',
        theirs,
      ]);
      const spec = JSON.parse(await k.ok(['get', 'gadget', 'ssa', '-o', 'jsonpath={.spec}'])) as {
        size: number;
        parts: Array<{ name: string }>;
      };
      expect(spec.size).toBe(2);
      // parts is a map-list: both managers' items live side by side.
      expect(spec.parts.map((p) => p.name).sort()).toEqual(['a', 'b']);
      const managers = await k.ok([
        'get',
        'gadget',
        'ssa',
        '--show-managed-fields',
        '-o',
        'jsonpath={.metadata.managedFields[*].manager}',
      ]);
      expect(managers.split(' ').sort()).toEqual(['kubectl', 'other']);
    });

    it('diffs and edits non-interactively', async () => {
      await k.ok(['create', 'configmap', 'edited', '--from-literal=a=1']);
      const changed = file(
        'edited.yaml',
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: edited, namespace: default}\ndata: {a: "2"}\n',
      );
      const diff = await k(['diff', '-f', changed]);
      expect(diff.code).toBe(1);
      expect(diff.stdout).toMatch(/^-\s+a: "1"$/m);
      expect(diff.stdout).toMatch(/^\+\s+a: "2"$/m);
      // Nothing but the data: kubectl's dry-run patch carries `annotations: {}`, which
      // upstream's typed metadata drops.
      expect(diff.stdout).not.toContain('annotations');
      const same = file(
        'same.yaml',
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: edited, namespace: default}\ndata: {a: "1"}\n',
      );
      expect((await k(['diff', '-f', same])).code).toBe(0);
      const editor = file('editor.sh', '#!/bin/sh\nsed -i \'s/a: "1"/a: "edited"/\' "$1"\n');
      chmodSync(editor, 0o755);
      await k.ok(['edit', 'configmap', 'edited'], { env: { EDITOR: editor, KUBE_EDITOR: editor } });
      expect(await k.ok(['get', 'configmap', 'edited', '-o', 'jsonpath={.data.a}'])).toBe('edited');
    });

    it('patches with every patch type, and refuses strategic merge on a custom resource', async () => {
      await k.ok(['create', 'configmap', 'patched', '--from-literal=a=1']);
      await k.ok(['patch', 'configmap', 'patched', '-p', '{"data":{"b":"2"}}']);
      await k.ok(['patch', 'configmap', 'patched', '--type=merge', '-p', '{"data":{"a":null}}']);
      await k.ok([
        'patch',
        'configmap',
        'patched',
        '--type=json',
        '-p',
        '[{"op":"add","path":"/data/c","value":"3"}]',
      ]);
      expect(await k.ok(['get', 'configmap', 'patched', '-o', 'jsonpath={.data}'])).toBe(
        '{"b":"2","c":"3"}',
      );
      await k.ok(['patch', 'gadget', 'csa', '--type=merge', '-p', '{"spec":{"color":"blue"}}']);
      const strategic = await k(['patch', 'gadget', 'csa', '-p', '{"spec":{"color":"green"}}']);
      expect(strategic.code).not.toBe(0);
      expect(strategic.stderr).toContain('application/merge-patch+json');
    });

    it('explains built-in and custom fields', async () => {
      const crd = await k.ok(['explain', 'gadget.spec.size']);
      expect(crd).toContain('How big the gadget is, in centimetres.');
      const builtin = await k.ok(['explain', 'configmap.data']);
      expect(builtin).toMatch(/FIELD:\s+data/);
    });

    it('creates a multi-document file with default validation', async () => {
      const multi = file(
        'multi.yaml',
        '---\napiVersion: v1\nkind: Namespace\nmetadata: {name: multi}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: one, namespace: multi}\ndata: {a: "1"}\n---\napiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: two, namespace: multi}\nspec: {size: 2}\n',
      );
      const out = await k.ok(['create', '-f', multi]);
      expect(out).toContain('namespace/multi created');
      expect(out).toContain('configmap/one created');
      expect(out).toContain('gadget.example.com/two created');
      const unknown = file(
        'unknown.yaml',
        'apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: bad, namespace: multi}\nspec: {size: 2, wings: 4}\n',
      );
      const refused = await k(['create', '-f', unknown]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('unknown field "spec.wings"');
    });

    it('collects dependents in background, foreground and orphan modes', async () => {
      const owner = async (name: string) => {
        await k.ok(['create', 'configmap', name, '--from-literal=a=1']);
        return k.ok(['get', 'configmap', name, '-o', 'jsonpath={.metadata.uid}']);
      };
      const dependent = (name: string, ownerName: string, uid: string, block = false) =>
        k.ok([
          'create',
          '-f',
          file(
            `${name}.yaml`,
            `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\n  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: ${ownerName}, uid: ${uid}, blockOwnerDeletion: ${block}}]\n`,
          ),
        ]);
      const exists = async (name: string) => (await k(['get', 'configmap', name])).code === 0;

      await dependent('bg-dep', 'bg-owner', await owner('bg-owner'));
      await k.ok(['delete', 'configmap', 'bg-owner']);
      await eventually('background dependent collected', async () =>
        expect(await exists('bg-dep')).toBe(false),
      );

      await dependent('fg-dep', 'fg-owner', await owner('fg-owner'), true);
      await k.ok([
        'delete',
        'configmap',
        'fg-owner',
        '--cascade=foreground',
        '--wait=true',
        '--timeout=30s',
      ]);
      expect(await exists('fg-dep')).toBe(false);

      await dependent('or-dep', 'or-owner', await owner('or-owner'));
      await k.ok([
        'delete',
        'configmap',
        'or-owner',
        '--cascade=orphan',
        '--wait=true',
        '--timeout=30s',
      ]);
      expect(await exists('or-dep')).toBe(true);
      expect(
        await k.ok(['get', 'configmap', 'or-dep', '-o', 'jsonpath={.metadata.ownerReferences}']),
      ).toBe('');

      await dependent('dangling', 'never-existed', '00000000-0000-0000-0000-000000000000');
      await eventually('dangling dependent collected', async () =>
        expect(await exists('dangling')).toBe(false),
      );
    });

    it('deletes a namespace whose content a finalizer holds, explaining what is left', async () => {
      await k.ok(['create', 'namespace', 'held']);
      await k.ok(['-n', 'held', 'create', 'configmap', 'c']);
      await k.ok([
        '-n',
        'held',
        'patch',
        'configmap',
        'c',
        '--type=merge',
        '-p',
        '{"metadata":{"finalizers":["example.com/hold"]}}',
      ]);
      await k.ok(['delete', 'namespace', 'held', '--wait=false']);
      await eventually('conditions name the finalizer', async () => {
        const conditions = await k.ok([
          'get',
          'namespace',
          'held',
          '-o',
          'jsonpath={.status.conditions}',
        ]);
        expect(conditions).toContain('example.com/hold in 1 resource instances');
        expect(conditions).toContain('configmaps has 1 resource instances');
      });
      expect(await k.ok(['get', 'namespace', 'held', '-o', 'jsonpath={.status.phase}'])).toBe(
        'Terminating',
      );
      // The test plays the controller holding the finalizer: it lets go.
      await k.ok([
        '-n',
        'held',
        'patch',
        'configmap',
        'c',
        '--type=json',
        '-p',
        '[{"op":"remove","path":"/metadata/finalizers"}]',
      ]);
      await k.ok(['wait', '--for=delete', 'namespace/held', '--timeout=30s']);
    });

    it('deletes collections by selector', async () => {
      await k.ok(['create', 'namespace', 'bulk']);
      for (const [name, tier] of [
        ['a', 'x'],
        ['b', 'x'],
        ['c', 'y'],
      ]) {
        await k.ok(['-n', 'bulk', 'create', 'configmap', name as string]);
        await k.ok(['-n', 'bulk', 'label', 'configmap', name as string, `tier=${tier}`]);
      }
      const left = async () =>
        ownConfigMaps(await k.ok(['-n', 'bulk', 'get', 'configmaps', '-o', 'name']));
      await k.ok(['-n', 'bulk', 'delete', 'configmaps', '-l', 'tier=x']);
      expect(await left()).toEqual(['configmap/c']);
      await k.ok(['-n', 'bulk', 'create', 'configmap', 'd']);
      await k.ok(['-n', 'bulk', 'delete', 'configmaps', '--all']);
      expect(await left()).toEqual([]);
      // The API's own deletecollection, with a selector.
      for (const name of ['e', 'f']) await k.ok(['-n', 'bulk', 'create', 'configmap', name]);
      await k.ok(['-n', 'bulk', 'label', 'configmap', 'e', 'tier=z']);
      await k.ok(['delete', '--raw', '/api/v1/namespaces/bulk/configmaps?labelSelector=tier%3Dz']);
      expect(await left()).toEqual(['configmap/f']);
    });
  });
}
