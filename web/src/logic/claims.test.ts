import { describe, expect, it } from 'vitest';
import type { PermissionClaim } from '../api/hub.ts';
import {
  acceptedClaims,
  initialSelection,
  presentClaim,
  untrustedSelected,
  verbsInWords,
} from './claims.ts';

const secrets: PermissionClaim = {
  group: '',
  resource: 'secrets',
  verbs: ['get', 'list', 'watch'],
  tenantScoped: true,
};
const namespaces: PermissionClaim = {
  group: '',
  resource: 'namespaces',
  verbs: ['get'],
  tenantScoped: true,
};
const deployments: PermissionClaim = { group: 'apps', resource: 'deployments', verbs: ['*'] };

describe('claim presentation', () => {
  it.each([
    [['get'], 'get'],
    [['get', 'list'], 'get and list'],
    [['get', 'list', 'watch'], 'get, list and watch'],
    [['get', 'get', 'list'], 'get and list'],
    [['*'], 'every operation'],
    [[], 'every operation'],
    [undefined, 'every operation'],
  ])('verbs %j read as %j', (verbs, words) => {
    expect(verbsInWords(verbs)).toBe(words);
  });

  it('names resource, group and trust in words', () => {
    expect(presentClaim(secrets)).toEqual({
      key: 'secrets.core',
      verbs: 'get, list and watch',
      resource: 'secrets',
      group: 'core API',
      trusted: true,
    });
    expect(presentClaim(deployments)).toMatchObject({
      key: 'deployments.apps',
      group: 'the apps API group',
      trusted: false,
    });
    expect(presentClaim({ group: '*', resource: '*' }).resource).toBe('every resource');
  });

  it('ticks tenant-scoped claims only, and warns about untrusted ones once ticked', () => {
    const claims = [secrets, namespaces, deployments];
    const selected = initialSelection(claims);
    expect([...selected].sort()).toEqual(['namespaces.core', 'secrets.core']);
    expect(untrustedSelected(claims, selected)).toEqual([]);
    selected.add('deployments.apps');
    expect(untrustedSelected(claims, selected)).toEqual([deployments]);
  });

  it('sends the ticked claims as group and resource', () => {
    const claims = [secrets, namespaces, deployments];
    expect(acceptedClaims(claims, new Set(['secrets.core', 'deployments.apps']))).toEqual([
      { group: '', resource: 'secrets' },
      { group: 'apps', resource: 'deployments' },
    ]);
  });
});
