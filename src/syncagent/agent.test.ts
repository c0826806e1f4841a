import { describe, expect, it } from 'vitest';
import { type AgentOptions, rewriteUrl, validateOptions } from './agent.ts';
import { silentLog } from './testing.ts';

const base: AgentOptions = {
  kcpKubeconfig: 'kcp.kubeconfig',
  namespace: 'default',
  apiExportRef: 'postgresql.cnpg.io',
  enableLeaderElection: false,
  metricsAddress: '',
  healthAddress: '',
  log: silentLog,
};

describe('agent options', () => {
  it('accepts the workshop command line', () => {
    expect(validateOptions(base)).toEqual([]);
    expect(
      validateOptions({
        ...base,
        apiExportRef: undefined,
        apiExportEndpointSliceRef: 'x',
      } as AgentOptions),
    ).toEqual([]);
  });

  it('names every problem', () => {
    expect(
      validateOptions({
        ...base,
        namespace: '',
        apiExportEndpointSliceRef: 'x',
        agentName: 'bad name!',
        publishedResourceSelector: 'a in (',
        disabledControllers: ['sync', 'nope'],
        apiExportHostPortOverrides: ['a=b'],
      }),
    ).toEqual([
      '--namespace is required',
      '--apiexport-ref and --apiexportendpointslice-ref are exclusive',
      '--agent-name "bad name!" is not a valid label value',
      expect.stringMatching(/^invalid --published-resource-selector/),
      'unknown controller nope in --disabled-controllers (known: apiexport, apiresourceschema, sync)',
      'invalid --apiexport-hostport-override "a=b": want original-host:port=new-host:port',
    ]);
    expect(validateOptions({ ...base, apiExportRef: undefined })).toEqual([
      '--apiexport-ref or --apiexportendpointslice-ref is required',
    ]);
  });

  it('rewrites endpoint URLs (kcp#3830: slices advertising an internal shard URL)', () => {
    const url = 'https://shard-1.internal:6443/services/apiexport/abc/pg';
    expect(rewriteUrl(url, [])).toBe(url);
    expect(rewriteUrl(url, ['shard-1.internal:6443=kcp.example.com:443'])).toBe(
      'https://kcp.example.com/services/apiexport/abc/pg',
    );
  });
});
