import { describe, expect, it } from 'vitest';
import { pluralKind } from './discovery.ts';

describe('plural of a kind', () => {
  it.each([
    ['Cluster', 'clusters', 'Clusters'],
    ['NetworkPolicy', 'networkpolicies', 'NetworkPolicies'],
    ['Ingress', 'ingresses', 'Ingresses'],
    ['Endpoints', 'endpoints', 'endpoints'],
    ['', 'things', 'things'],
  ])('%s (%s) reads %s', (kind, resource, plural) => {
    expect(pluralKind(kind, resource)).toBe(plural);
  });
});
