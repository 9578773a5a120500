import { defineConfig } from 'vitest/config';

const packages = ['core', 'batcher-minute', 's3', 'spool-file', 'redis', 'cli', 'opentelemetry'];
// Tests import the packages' TypeScript sources (the "@sluice/source" export condition), so a
// change is tested without a rebuild.
const conditions = ['@sluice/source', 'node', 'import', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    // The AWS SDK warns on every Node 20 process that its releases from 2027 need Node 22;
    // the tests' output is no place for it (the README says what it means).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: packages.flatMap((name) => [
      {
        extends: true,
        test: {
          name: `${name}:unit`,
          root: `packages/${name}`,
          include: ['src/**/*.test.ts'],
          exclude: ['src/**/*.int.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: `${name}:int`,
          root: `packages/${name}`,
          include: ['src/**/*.int.test.ts'],
          // Fleet tests run several Node processes, Redis and tens of MB through a throttled proxy:
          // minutes when the two cores are shared with another test run. Every wait is on an event.
          testTimeout: name === 'redis' ? 300_000 : 120_000,
          hookTimeout: 60_000,
          // Integration files each start their own servers; two cores, so two at a time.
          maxWorkers: 2,
          // Run after the unit projects (vitest requires a group of its own for other maxWorkers).
          sequence: { groupOrder: 1 },
        },
      },
    ]),
  },
});
