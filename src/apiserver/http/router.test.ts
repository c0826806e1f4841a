import { describe, expect, it } from 'vitest';
import { route } from './router.ts';

const workspaces = { defaultCluster: 'root', workspaces: true };
const plain = { defaultCluster: 'root', workspaces: false };

describe('route', () => {
  it('needs no cluster for health, version and metrics', () => {
    expect(route('/readyz/ping', workspaces)).toEqual({ kind: 'health', check: 'readyz' });
    expect(route('/version/', workspaces)).toEqual({ kind: 'version' });
    expect(route('/clusters/root:org/version', workspaces)).toEqual({ kind: 'version' });
    expect(route('/metrics', plain)).toEqual({ kind: 'metrics' });
  });

  it('sends bare API paths to the default cluster and /clusters/<x> to x', () => {
    expect(route('/api/v1/pods', plain)).toEqual({
      kind: 'cluster',
      cluster: 'root',
      path: '/api/v1/pods',
      explicit: false,
    });
    expect(route('/clusters/root%3Aorg/apis', workspaces)).toEqual({
      kind: 'cluster',
      cluster: 'root:org',
      path: '/apis',
      explicit: true,
    });
    expect(route('/clusters/x', workspaces)).toMatchObject({ cluster: 'x', path: '/' });
  });

  it('finds nothing for malformed or unknown paths, and no workspaces in plain mode', () => {
    expect(route('/clusters/%zz/api', workspaces)).toEqual({ kind: 'notFound' });
    expect(route('/clusters//api', workspaces)).toEqual({ kind: 'notFound' });
    expect(route('/clusters/x/api', plain)).toEqual({ kind: 'notFound' });
    expect(route('/services/x', plain)).toEqual({ kind: 'notFound' });
    expect(route('/elsewhere', workspaces)).toEqual({ kind: 'notFound' });
  });
});
