import { describe, expect, it } from 'vitest';
import { requestInfo } from './request-info.ts';

const info = (method: string, url: string) => {
  const u = new URL(url, 'https://x');
  const r = requestInfo(method, u.pathname, u.searchParams);
  return [
    r.isResourceRequest,
    r.verb,
    r.apiGroup,
    r.apiVersion,
    r.namespace,
    r.resource,
    r.name,
    r.subresource,
  ];
};

describe('requestInfo', () => {
  it.each([
    ['GET', '/api/v1/namespaces', [true, 'list', '', 'v1', '', 'namespaces', '', '']],
    ['GET', '/api/v1/namespaces/a', [true, 'get', '', 'v1', 'a', 'namespaces', 'a', '']],
    [
      'GET',
      '/apis/rbac.authorization.k8s.io/v1/clusterroles/kedge%3Aproviders%3Abind%3Ax',
      [
        true,
        'get',
        'rbac.authorization.k8s.io',
        'v1',
        '',
        'clusterroles',
        'kedge:providers:bind:x',
        '',
      ],
    ],
    ['GET', '/api/v1/namespaces/%zz', [true, 'get', '', 'v1', '%zz', 'namespaces', '%zz', '']],
    [
      'PUT',
      '/api/v1/namespaces/a/status',
      [true, 'update', '', 'v1', 'a', 'namespaces', 'a', 'status'],
    ],
    [
      'PUT',
      '/api/v1/namespaces/a/finalize',
      [true, 'update', '', 'v1', 'a', 'namespaces', 'a', 'finalize'],
    ],
    ['GET', '/api/v1/namespaces/a/configmaps', [true, 'list', '', 'v1', 'a', 'configmaps', '', '']],
    [
      'GET',
      '/api/v1/namespaces/a/configmaps?watch=true',
      [true, 'watch', '', 'v1', 'a', 'configmaps', '', ''],
    ],
    [
      'GET',
      '/api/v1/namespaces/a/configmaps/b',
      [true, 'get', '', 'v1', 'a', 'configmaps', 'b', ''],
    ],
    [
      'GET',
      '/api/v1/watch/namespaces/a/configmaps',
      [true, 'watch', '', 'v1', 'a', 'configmaps', '', ''],
    ],
    [
      'POST',
      '/api/v1/namespaces/a/configmaps',
      [true, 'create', '', 'v1', 'a', 'configmaps', '', ''],
    ],
    [
      'DELETE',
      '/api/v1/namespaces/a/configmaps',
      [true, 'deletecollection', '', 'v1', 'a', 'configmaps', '', ''],
    ],
    [
      'DELETE',
      '/api/v1/namespaces/a/configmaps/b',
      [true, 'delete', '', 'v1', 'a', 'configmaps', 'b', ''],
    ],
    [
      'PATCH',
      '/apis/example.com/v1/namespaces/a/widgets/w/status',
      [true, 'patch', 'example.com', 'v1', 'a', 'widgets', 'w', 'status'],
    ],
    [
      'GET',
      '/apis/rbac.authorization.k8s.io/v1/clusterroles',
      [true, 'list', 'rbac.authorization.k8s.io', 'v1', '', 'clusterroles', '', ''],
    ],
    ['GET', '/api/v1/configmaps', [true, 'list', '', 'v1', '', 'configmaps', '', '']],
    ['GET', '/apis', [false, 'get', '', '', '', '', '', '']],
    ['GET', '/apis/example.com', [false, 'get', '', '', '', '', '', '']],
    ['GET', '/apis/example.com/v1', [false, 'get', 'example.com', 'v1', '', '', '', '']],
    ['GET', '/healthz', [false, 'get', '', '', '', '', '', '']],
  ])('%s %s', (method, url, expected) => {
    expect(info(method, url)).toEqual(expected);
  });
});
