/**
 * What the portal's browser tests share (portal, oidc-portal): polling the
 * page with a deadline for a loaded machine, the page's landmarks (the main navigation, a
 * provider's card in the catalog), and catalog entries whose export serves one namespaced
 * kind of any fields.
 */
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/** expect.poll with a deadline for a loaded machine (its default is one second). */
export const poll = <T>(probe: () => T | Promise<T>) =>
  expect.poll(probe, { timeout: 30_000, interval: 100 });

/** The portal's main navigation (the side bar, or the menu on a phone). */
export const mainNav = (page: Page) => page.getByRole('navigation', { name: 'Main' });

/** The link `name` in the main navigation. */
export const navLink = (page: Page, name: string) => mainNav(page).getByRole('link', { name });

/** Provider `name`'s card in the catalog. */
export const card = (page: Page, name: string) => page.getByRole('listitem', { name });

/**
 * A CatalogEntry (YAML) in category Developer whose export `<plural>.example.com` serves
 * one namespaced kind of group example.com, v1, any fields; `dependencies` name entries
 * that must be enabled first.
 */
export function openKindEntry(entry: {
  name: string;
  displayName: string;
  description: string;
  kind: string;
  dependencies?: readonly string[];
}): string {
  const plural = `${entry.kind.toLowerCase()}s`;
  const dependencies = entry.dependencies
    ? `  dependencies: [${entry.dependencies.map((d) => `{ name: ${d} }`).join(', ')}]\n`
    : '';
  return `apiVersion: providers.kedge.faros.sh/v1alpha1
kind: CatalogEntry
metadata:
  name: ${entry.name}
spec:
  displayName: ${entry.displayName}
  description: ${entry.description}
  category: Developer
${dependencies}  apiExport:
    name: ${plural}.example.com
    schemas:
      - groupResource: ${plural}.example.com
        body: |
          apiVersion: apis.kcp.io/v1alpha1
          kind: APIResourceSchema
          metadata:
            name: v1.${plural}.example.com
          spec:
            group: example.com
            names: { kind: ${entry.kind}, listKind: ${entry.kind}List, plural: ${plural}, singular: ${entry.kind.toLowerCase()} }
            scope: Namespaced
            versions:
              - name: v1
                served: true
                storage: true
                schema:
                  openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true }
`;
}
