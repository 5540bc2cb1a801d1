/**
 * The demo's vendored QR helpers (demo/vendor/) are exact copies of the pinned packages, so the
 * demo a static host serves is the code package.json names. Refresh: `node scripts/vendor-demo.mjs`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without declarations
import { VENDORED } from '../../scripts/vendor-demo.mjs';

describe('demo/vendor', () => {
  for (const { pkg, from, to } of VENDORED as { pkg: string; from: string; to: string }[]) {
    it(`${to} is ${pkg}'s ${from} at the version package.json pins`, () => {
      const installed = JSON.parse(readFileSync(join('node_modules', pkg, 'package.json'), 'utf8')).version;
      const pinned = JSON.parse(readFileSync('package.json', 'utf8')).devDependencies[pkg];
      expect(installed).toBe(pinned);
      expect(readFileSync(to).equals(readFileSync(join('node_modules', pkg, from))), `${to} differs: run node scripts/vendor-demo.mjs`).toBe(true);
    });
  }
});
