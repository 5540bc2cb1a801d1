#!/usr/bin/env node
/**
 * How long stretching a session secret takes (`src/auth/session-key.ts`, scrypt N=2^15 r=8 p=1),
 * in Node and in headless Chromium, with the library's own code bundled by esbuild. The key is
 * derived once per connect (cached per secret and session), so this is added to a join once.
 *
 *   node bench/kdf.mjs [--runs 7]
 *
 * Prints the median and max of fresh derivations (each with a new secret, so none is cached).
 */
import { build } from 'esbuild';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const runs = Number(values.runs);

const bundle = await build({
  stdin: {
    contents: `import { deriveSessionKey } from './src/auth/session-key.ts';
      globalThis.measureKdf = async (runs) => {
        const times = [];
        for (let i = 0; i < runs; i++) {
          const t = performance.now();
          await deriveSessionKey('secret-' + i + '-' + Math.random(), 'room');
          times.push(performance.now() - t);
        }
        return times;
      };`,
    resolveDir: process.cwd(),
    loader: 'ts',
  },
  bundle: true,
  format: 'iife',
  write: false,
  platform: 'browser',
});
const code = bundle.outputFiles[0].text;

const summary = (name, times) => {
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  console.log(`${name.padEnd(9)} runs ${runs}  median ${median.toFixed(1)} ms  min ${sorted[0].toFixed(1)} ms  max ${sorted.at(-1).toFixed(1)} ms`);
};

new Function(code)();
summary('node', await globalThis.measureKdf(runs));

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage();
  await page.setContent('<!doctype html><title>kdf</title>');
  await page.addScriptTag({ content: code });
  summary('chromium', await page.evaluate((n) => globalThis.measureKdf(n), runs));
} finally {
  await browser.close();
}
