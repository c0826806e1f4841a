import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.{ts,tsx}'],
    // End-to-end tests start real processes; give them room on a loaded CI machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
