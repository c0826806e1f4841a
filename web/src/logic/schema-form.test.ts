import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../src/apimachinery/meta.ts';
import {
  causesToErrors,
  editUiSchema,
  fieldPath,
  formSchema,
  formToObject,
  type OpenApiDocument,
  objectToForm,
  prune,
} from './schema-form.ts';

const gvk = { group: 'postgresql.cnpg.io', version: 'v1', kind: 'Cluster' };

/** The shape Canopy's /openapi/v3/apis/<group>/<version> serves for a custom resource. */
const doc: OpenApiDocument = {
  components: {
    schemas: {
      'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': {
        type: 'object',
        properties: { name: { type: 'string' }, uid: { type: 'string' } },
      },
      'io.cnpg.postgresql.v1.Cluster': {
        type: 'object',
        description: 'A PostgreSQL cluster',
        'x-kubernetes-group-version-kind': [gvk as unknown as JsonObject],
        required: ['spec'],
        properties: {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          metadata: {
            allOf: [
              { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' },
            ],
          },
          spec: {
            type: 'object',
            required: ['instances'],
            properties: {
              instances: { type: 'integer', minimum: 1, default: 1, format: 'int32' },
              imageName: { type: 'string' },
              storage: {
                type: 'object',
                properties: {
                  size: { 'x-kubernetes-int-or-string': true, description: 'e.g. 1Gi' },
                },
              },
              postgresql: {
                type: 'object',
                properties: {
                  parameters: { type: 'object', additionalProperties: { type: 'string' } },
                  synchronous: {
                    type: 'object',
                    required: ['method'],
                    properties: {
                      method: { type: 'string', enum: ['any', 'first'] },
                      dataDurability: { type: 'string', default: 'required' },
                      number: { 'x-kubernetes-int-or-string': true, default: 1 },
                    },
                  },
                },
              },
              ports: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    port: { 'x-kubernetes-int-or-string': true },
                    protocol: { type: 'string', default: 'TCP' },
                  },
                },
              },
              podTemplate: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            },
          },
          status: { type: 'object', properties: { phase: { type: 'string' } } },
        },
      },
    },
  },
};

describe('schema to form', () => {
  const form = formSchema(doc, gvk, true)!;
  const props = form.schema.properties as Record<string, JsonObject>;

  it('finds the kind by its group-version-kind, and nothing for another kind', () => {
    expect(form).toBeDefined();
    expect(formSchema(doc, { ...gvk, kind: 'Database' }, true)).toBeUndefined();
  });

  it('edits metadata name, namespace and labels, never status or type meta', () => {
    expect(Object.keys(props)).toEqual(['metadata', 'spec']);
    const metadata = props.metadata!;
    expect(metadata.required).toEqual(['name', 'namespace']);
    expect(Object.keys(metadata.properties as JsonObject)).toEqual(['name', 'namespace', 'labels']);
    expect(form.schema.required).toEqual(['metadata', 'spec']);
    const clusterScoped = formSchema(doc, gvk, false)!;
    const meta = (clusterScoped.schema.properties as Record<string, JsonObject>).metadata!;
    expect(Object.keys(meta.properties as JsonObject)).toEqual(['name', 'labels']);
  });

  it('keeps validation keywords, drops formats and Kubernetes extensions', () => {
    const spec = props.spec!;
    const instances = (spec.properties as Record<string, JsonObject>).instances!;
    expect(instances).toEqual({ title: 'instances', type: 'integer', default: 1, minimum: 1 });
    expect(spec.required).toEqual(['instances']);
  });

  it('edits int-or-string as text, leaves free-form fields to YAML, collapses optional objects', () => {
    const spec = props.spec!.properties as Record<string, JsonObject>;
    const size = (spec.storage!.properties as Record<string, JsonObject>).size!;
    expect(size.type).toBe('string');
    expect(form.intOrString).toEqual([
      'spec.storage.size',
      'spec.postgresql.synchronous.number',
      'spec.ports[].port',
    ]);
    expect(form.yamlOnly).toEqual(['spec.podTemplate']);
    expect(spec.podTemplate).toBeUndefined();
    expect((form.uiSchema.spec as JsonObject).storage).toEqual({ 'ui:collapsed': true });
    expect((spec.postgresql!.properties as Record<string, JsonObject>).parameters).toEqual({
      title: 'parameters',
      type: 'object',
      additionalProperties: { type: 'string' },
    });
  });

  it('shows the defaults inside optional objects without filling them in', () => {
    const spec = props.spec!.properties as Record<string, JsonObject>;
    // Filled in, the default would make synchronous appear, and its method be required.
    const postgresql = spec.postgresql!.properties as Record<string, JsonObject>;
    const synchronous = postgresql.synchronous!.properties as Record<string, JsonObject>;
    expect(synchronous.dataDurability!.default).toBeUndefined();
    expect(synchronous.number!.default).toBeUndefined();
    const ui = ((form.uiSchema.spec as JsonObject).postgresql as JsonObject)
      .synchronous as JsonObject;
    expect(ui.dataDurability).toEqual({ 'ui:placeholder': 'required' });
    expect(ui.number).toEqual({ 'ui:placeholder': '1' });
    // In an object that is there anyway, and in a list item once added, defaults fill in.
    expect(spec.instances!.default).toBe(1);
    const port = (spec.ports!.items as JsonObject).properties as Record<string, JsonObject>;
    expect(port.protocol!.default).toBe('TCP');
  });
});

describe('form data to object', () => {
  const form = formSchema(doc, gvk, true)!;

  it('prunes blanks, adds type meta, turns numeric int-or-string back into numbers', () => {
    const object = formToObject(
      {
        metadata: { name: 'kcp', namespace: 'default', labels: {} },
        spec: {
          instances: 1,
          imageName: '',
          storage: { size: '1Gi' },
          ports: [{ port: '5432' }, { port: 'pg' }],
          postgresql: { parameters: { max_connections: '100' } },
        },
      },
      gvk,
      form,
    );
    expect(object).toEqual({
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Cluster',
      metadata: { name: 'kcp', namespace: 'default' },
      spec: {
        instances: 1,
        storage: { size: '1Gi' },
        ports: [{ port: 5432 }, { port: 'pg' }],
        postgresql: { parameters: { max_connections: '100' } },
      },
    });
  });

  it('edits an existing object whole: what the form does not show goes back as it was', () => {
    const existing = {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Cluster',
      metadata: {
        name: 'kcp',
        namespace: 'default',
        uid: 'u-1',
        resourceVersion: '42',
        annotations: { note: 'kept' },
        managedFields: [{ manager: 'kubectl' }],
      },
      spec: {
        instances: 1,
        storage: { size: 10 },
        ports: [{ port: 5432 }],
        podTemplate: { containers: [{ name: 'x' }] },
      },
      status: { phase: 'Cluster in healthy state' },
    };
    const data = objectToForm(existing, form) as typeof existing;
    expect(data.metadata.managedFields).toBeUndefined();
    expect(data.spec.storage.size).toBe('10');
    expect(data.spec.ports[0]!.port).toBe('5432');
    const edited = { ...data, spec: { ...data.spec, instances: 3 } };
    const { managedFields: _m, ...metadata } = existing.metadata;
    expect(formToObject(edited, gvk, form)).toEqual({
      ...existing,
      metadata,
      spec: { ...existing.spec, instances: 3 },
    });
  });

  it('shows an existing object’s name and namespace read-only', () => {
    const ui = editUiSchema(form).metadata as JsonObject;
    expect(ui.name).toEqual({ 'ui:readonly': true });
    expect(ui.namespace).toEqual({ 'ui:readonly': true });
    expect(editUiSchema(form).spec).toEqual(form.uiSchema.spec);
  });

  it('keeps false and zero', () => {
    expect(prune({ a: false, b: 0, c: '', d: [], e: {} })).toEqual({ a: false, b: 0 });
  });
});

describe('server errors next to their fields', () => {
  const form = formSchema(doc, gvk, true)!;

  it('reads field paths with indices', () => {
    expect(fieldPath('spec.ports[0].port')).toEqual(['spec', 'ports', '0', 'port']);
    expect(fieldPath('metadata.labels[app]')).toEqual(['metadata', 'labels', 'app']);
  });

  it('places causes on the fields they name, the rest in the banner', () => {
    const { tree, unplaced } = causesToErrors(
      [
        { field: 'spec.instances', message: 'Invalid value: 0: should be >= 1' },
        { field: 'spec.instances', message: 'second' },
        { field: 'spec.ports[1].port', message: 'bad port' },
        { field: 'metadata.name', message: 'must be a DNS name' },
        { field: 'spec.podTemplate.spec', message: 'unknown field' },
        { message: 'no field' },
      ],
      form.schema,
    );
    expect(tree).toEqual({
      spec: {
        instances: { __errors: ['Invalid value: 0: should be >= 1', 'second'] },
        ports: { 1: { port: { __errors: ['bad port'] } } },
      },
      metadata: { name: { __errors: ['must be a DNS name'] } },
    });
    expect(unplaced).toEqual(['spec.podTemplate.spec: unknown field', 'no field']);
  });
});
