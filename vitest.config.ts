import { defineConfig } from 'vitest/config';

// happy-dom's default user agent says AppleWebKit: PeerJS's webrtc-adapter then applies Safari
// shims and crashes. A plain Chrome-like agent avoids that.
const happyDOM = { settings: { navigator: { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0 mesh-signal-tests' } } };

export default defineConfig({
  test: {
    projects: [
      {
        // Fast, no network: the signal path over the in-memory transport.
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'happy-dom',
          environmentOptions: { happyDOM },
        },
      },
      {
        // The npm package: `npm pack` of a clean copy, installed offline, type-checked by a consumer.
        test: {
          name: 'package',
          include: ['test/package/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 240_000,
        },
      },
      {
        // Real WebRTC (@roamhq/wrtc) and a real PeerServer: run only inside a loopback namespace.
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'happy-dom',
          environmentOptions: { happyDOM },
          pool: 'forks', // wrtc segfaults under worker threads
          setupFiles: ['test/integration/setup-wrtc.ts'],
          globalSetup: ['test/integration/global-peer-server.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Real browser pages (Chromium and Firefox) loading dist/mesh-signal.js: run only inside
        // the lab-LAN namespace, scripts/lab.sh (Chromium alone also runs in scripts/loopback.sh).
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          exclude: ['test/e2e/loopback/**', 'test/e2e/diag/**'],
          environment: 'node',
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Chromium on its loopback flags, in a namespace with only lo (scripts/loopback.sh).
        test: {
          name: 'e2e-loopback',
          include: ['test/e2e/loopback/**/*.test.ts'],
          environment: 'node',
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Diagnostics of known failures, not part of `npm test` (scripts/lab.sh; see docs/e2e.md).
        test: {
          name: 'e2e-diag',
          include: ['test/e2e/diag/**/*.test.ts'],
          environment: 'node',
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
