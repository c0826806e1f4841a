import { describe, expect, it } from 'vitest';
import { render, TemplateError } from './template.ts';

const object = {
  apiVersion: 'kcp.example.com/v1',
  kind: 'CronTab',
  metadata: { name: 'my-crontab', namespace: 'default', labels: { a: '1', b: '2' } },
  spec: { image: 'ubuntu:latest', replicas: 3, tags: ['x', 'y'] },
};
const ctx = { Object: object, ClusterName: '12386rtr4u', ClusterPath: 'root:yadda:yadda' };

describe('Go template subset', () => {
  it('reads fields and variables, and trims the output', () => {
    expect(render('  {{ .Object.spec.image }}  ', ctx)).toBe('ubuntu:latest');
    expect(render('{{ .ClusterName }}-{{ .Object.metadata.name }}', ctx)).toBe(
      '12386rtr4u-my-crontab',
    );
    expect(render('{{ $.ClusterPath }}', ctx)).toBe('root:yadda:yadda');
    expect(render('{{ $x := .Object.metadata.name }}{{ $x }}/{{ $x }}', ctx)).toBe(
      'my-crontab/my-crontab',
    );
  });

  it('defaults empty and missing fields as api-syncagent does', () => {
    expect(render('{{ .Object.spec.spec | default "test" }}', ctx)).toBe('test');
    expect(render('{{ .Object.does.not.exist | default "test" }}', ctx)).toBe('test');
    expect(render('{{ .Object.does.not.exist }}', ctx)).toBe('<no value>');
  });

  it('has the hash functions of api-syncagent', () => {
    // api-syncagent's default name for objnamespace/objname (its naming tests).
    expect(
      render('{{ .ns | sha3short }}-{{ .name | sha3short }}', {
        ns: 'objnamespace',
        name: 'objname',
      }),
    ).toBe('2928c2aa0e510f017f07-73d08a1ba188f1340dae');
    expect(render('{{ sha3short "objname" 8 }}', {})).toBe('73d08a1b');
    expect(render('{{ sha3sum "" }}', {})).toBe(
      'a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a',
    );
    expect(render('{{ shortHash "objname" }}', {})).toBe('8b09d63c82efb771a2c5');
    expect(render('{{ "abc" | sha1sum }}', {})).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(() => render('{{ sha3short "a" 1 2 }}', {})).toThrow(TemplateError);
  });

  it('evaluates pipelines, parentheses and sprig string functions', () => {
    expect(render('{{ .Object.metadata.name | upper | trunc 5 }}', ctx)).toBe('MY-CR');
    expect(render('{{ printf "%s-%d" .Object.metadata.name .Object.spec.replicas }}', ctx)).toBe(
      'my-crontab-3',
    );
    expect(render('{{ (printf "%s.%s" "a" "b") | replace "." "-" }}', ctx)).toBe('a-b');
    expect(render('{{ trimPrefix "my-" .Object.metadata.name }}', ctx)).toBe('crontab');
    expect(render('{{ join .Object.spec.tags "," }}', ctx)).toBe('x,y');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Go's ${2} group reference
    expect(render('{{ regexReplaceAll "(.*)-(.*)" .Object.metadata.name "${2}_$1" }}', ctx)).toBe(
      'crontab_my',
    );
    expect(render('{{ index .Object.metadata.labels "b" }}', ctx)).toBe('2');
    expect(render('{{ len .Object.spec.tags }}', ctx)).toBe('2');
    expect(render('{{ "a" | quote }}', ctx)).toBe('"a"');
  });

  it('supports if/else if/else, with and range, with whitespace trimming', () => {
    const tpl =
      '{{ if eq .Object.spec.replicas 1 }}one{{ else if gt .Object.spec.replicas 2 }}many{{ else }}two{{ end }}';
    expect(render(tpl, ctx)).toBe('many');
    expect(render('{{ with .Object.spec }}{{ .image }}{{ end }}', ctx)).toBe('ubuntu:latest');
    expect(render('{{ with .Object.nope }}x{{ else }}none{{ end }}', ctx)).toBe('none');
    expect(render('{{ range .Object.spec.tags }}[{{ . }}]{{ end }}', ctx)).toBe('[x][y]');
    expect(
      render('{{ range $k, $v := .Object.metadata.labels }}{{ $k }}={{ $v }};{{ end }}', ctx),
    ).toBe('a=1;b=2;');
    expect(render('a  {{- " b " -}}  c', ctx)).toBe('a b c');
    expect(render('{{/* a comment */}}x', ctx)).toBe('x');
  });

  it('reports errors with the template text', () => {
    expect(() => render('{{ nope .x }}', ctx)).toThrow(/function "nope" not defined/);
    expect(() => render('{{ .x ', ctx)).toThrow(/unclosed action/);
    expect(() => render('{{ if .x }}a', ctx)).toThrow(/missing \{\{end\}\}/);
    expect(() => render('{{ required "need a name" .Object.nope }}', ctx)).toThrow(/need a name/);
  });
});
