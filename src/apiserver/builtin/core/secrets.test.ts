import { describe, expect, it } from 'vitest';
import { fieldErrorMessage } from '../../../apimachinery/field-errors.ts';
import type { KubeObject } from '../../../apimachinery/meta.ts';
import type { StrategyContext } from '../../registry/resource-type.ts';
import { secrets } from './secrets.ts';

const ctx: StrategyContext = { cluster: 'root', version: 'v1', subresource: '' };
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const secret = (type: string, data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 's', namespace: 'default' },
  type,
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
});
const errors = (obj: KubeObject) => secrets.strategy.validate(obj, ctx).map(fieldErrorMessage);

describe('secrets', () => {
  it.each([
    ['Opaque', {}, []],
    ['kubernetes.io/basic-auth', { password: 'p' }, []],
    [
      'kubernetes.io/basic-auth',
      {},
      ['data[username]: Required value', 'data[password]: Required value'],
    ],
    ['kubernetes.io/ssh-auth', {}, ['data[ssh-privatekey]: Required value']],
    ['kubernetes.io/tls', { 'tls.crt': 'c' }, ['data[tls.key]: Required value']],
    ['kubernetes.io/dockerconfigjson', { '.dockerconfigjson': '{"auths":{}}' }, []],
    ['kubernetes.io/dockerconfigjson', {}, ['data[.dockerconfigjson]: Required value']],
    [
      'kubernetes.io/dockerconfigjson',
      { '.dockerconfigjson': 'notjson' },
      [
        'data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": must be a JSON object',
      ],
    ],
    [
      'kubernetes.io/dockercfg',
      { '.dockercfg': '["a list"]' },
      ['data[.dockercfg]: Invalid value: "<secret contents redacted>": must be a JSON object'],
    ],
  ])('%s with %j', (type, data, want) => {
    expect(errors(secret(type, data))).toEqual(want);
  });

  it('never repeats the content of a malformed secret', () => {
    const messages = errors(
      secret('kubernetes.io/dockerconfigjson', { '.dockerconfigjson': 'hunter2' }),
    );
    expect(messages.join('\n')).not.toContain('hunter2');
  });
});
