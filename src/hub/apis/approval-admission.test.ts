import { describe, expect, it } from 'vitest';
import {
  ACCEPT_UNTRUSTED_CLAIMS_ANNOTATION,
  type CatalogEntry,
  type PermissionClaimSpec,
} from '../../api/providers/types.ts';
import { needsApproval } from './approval-admission.ts';

const entry = (
  approved: string | undefined,
  claims: PermissionClaimSpec[],
  description = '',
): CatalogEntry => ({
  metadata: {
    name: 'p',
    ...(approved !== undefined
      ? { annotations: { [ACCEPT_UNTRUSTED_CLAIMS_ANNOTATION]: approved } }
      : {}),
  },
  spec: { displayName: 'P', description, apiExport: { name: 'p', permissionClaims: claims } },
});
const elsewhere = (path: string | undefined, description = ''): CatalogEntry => ({
  metadata: { name: 'p' },
  spec: { displayName: 'P', description, apiExport: { name: 'p', ...(path ? { path } : {}) } },
});
const trusted: PermissionClaimSpec = { resource: 'configmaps', verbs: ['get'], tenantScoped: true };
const untrusted: PermissionClaimSpec = { resource: 'secrets', verbs: ['get'] };

describe('needsApproval', () => {
  it.each<[string, CatalogEntry | undefined, CatalogEntry | undefined, boolean]>([
    ['creating an entry without the annotation', entry(undefined, [untrusted]), undefined, false],
    ['creating an approved entry', entry('true', [untrusted]), undefined, true],
    ['creating an entry with the annotation set to false', entry('false', []), undefined, true],
    ['adding the annotation', entry('true', [untrusted]), entry(undefined, [untrusted]), true],
    ['removing the annotation', entry(undefined, [untrusted]), entry('true', [untrusted]), true],
    [
      'a display change of an approved entry',
      entry('true', [untrusted], 'new'),
      entry('true', [untrusted]),
      false,
    ],
    [
      'adding a trusted claim to an approved entry',
      entry('true', [untrusted, trusted]),
      entry('true', [untrusted]),
      false,
    ],
    [
      'widening an untrusted claim of an approved entry',
      entry('true', [{ ...untrusted, verbs: ['get', 'delete'] }]),
      entry('true', [untrusted]),
      true,
    ],
    [
      'turning a trusted claim untrusted on an approved entry',
      entry('true', [untrusted, { ...trusted, tenantScoped: false }]),
      entry('true', [untrusted, trusted]),
      true,
    ],
    [
      'the same claims in another order',
      entry('true', [trusted, untrusted]),
      entry('true', [untrusted, trusted]),
      false,
    ],
    [
      'claim changes of an entry that is not approved',
      entry(undefined, [untrusted]),
      entry(undefined, []),
      false,
    ],
    ['creating an entry for an export elsewhere', elsewhere('root:alice'), undefined, true],
    [
      'pointing an entry at an export elsewhere',
      elsewhere('root:alice'),
      elsewhere(undefined),
      true,
    ],
    ['moving it to another workspace', elsewhere('root:bob'), elsewhere('root:alice'), true],
    [
      'a display change of an entry for an export elsewhere',
      elsewhere('root:alice', 'new'),
      elsewhere('root:alice'),
      false,
    ],
    [
      'letting the hub make the workspace instead',
      elsewhere(undefined),
      elsewhere('root:a'),
      false,
    ],
  ])('%s', (_, object, old, expected) => {
    expect(needsApproval(object, old) !== undefined).toBe(expected);
  });
});
