import { defineConfig } from 'vitest/config';

/**
 * End-to-end suites that run a second time with every server on etcd
 * (`canopy start --etcd-servers`): the API core (plain mode: the Kubernetes API on the
 * store), watch and list semantics (resumed watches, bookmarks, 410 after etcd's
 * compaction, continue tokens), workspaces and API exports (kcp's parts, their indexes and
 * controllers). The other suites exercise clients, plugins and processes that do not
 * depend on the store, and the etcd backend has its own conformance and HA tests; four
 * suites keep CI time in bounds.
 */
const ON_ETCD = [
  'test/e2e/apiserver-core.test.ts',
  'test/e2e/watch.test.ts',
  'test/e2e/workspaces.test.ts',
  'test/e2e/apiexports.test.ts',
];

export default defineConfig({
  test: {
    // End-to-end tests start real processes; give them room on a loaded CI machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'default',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.{ts,tsx}'],
        },
      },
      {
        extends: true,
        test: {
          name: 'etcd',
          include: ON_ETCD,
          env: { CANOPY_E2E_STORE: 'etcd' },
          globalSetup: ['test/e2e/harness/etcd-setup.ts'],
        },
      },
    ],
  },
});
