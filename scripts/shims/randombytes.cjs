/**
 * Stands in for `randombytes` in the browser bundles (scripts/esbuild-options.mjs aliases it):
 * simple-peer calls `randombytes(n).toString('hex')` for its log id and data channel label. The
 * package wraps `crypto.getRandomValues` in a `buffer` Buffer; this returns the hex it is asked for.
 * CommonJS because simple-peer calls the `require()` result itself.
 */
module.exports = function randomBytes(size) {
  const bytes = crypto.getRandomValues(new Uint8Array(size));
  return { toString: () => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('') };
};
