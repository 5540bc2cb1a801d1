#!/usr/bin/env node
/**
 * Copies the demo's two browser-side helpers from node_modules into demo/vendor/, so the built
 * demo (dist/demo, a plain copy of demo/) works from any static host with nothing fetched:
 *
 *   uqr   (exact version in package.json) → demo/vendor/uqr.mjs     draws the invite QR code
 *   jsqr  (exact version in package.json) → demo/vendor/jsQR.js     reads a QR code where the
 *                                                                    browser has no BarcodeDetector
 *
 * Run after changing either version: `node scripts/vendor-demo.mjs`. A unit test
 * (test/unit/demo-vendor.test.ts) fails when the copies differ from the installed packages.
 */
import { copyFileSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const VENDORED = [
  { pkg: 'uqr', from: 'dist/index.mjs', to: 'demo/vendor/uqr.mjs' },
  { pkg: 'jsqr', from: 'dist/jsQR.js', to: 'demo/vendor/jsQR.js' },
];

function packageDir(pkg) {
  return join(root, 'node_modules', pkg); // (uqr exports no ./package.json)
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const { pkg, from, to } of VENDORED) {
    const dir = packageDir(pkg);
    copyFileSync(join(dir, from), join(root, to));
    copyFileSync(join(dir, 'LICENSE'), join(root, `demo/vendor/${pkg}.LICENSE`));
    const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    console.log(`${pkg}@${version}: ${from} → ${to}`);
  }
}
