/**
 * Stands in for `debug` in the browser bundles (scripts/esbuild-options.mjs aliases it): simple-peer
 * logs through `require('debug')('simple-peer')`, which only prints when `localStorage.debug`
 * names it. mesh-signal never enables it, so a logger that does nothing is the same behaviour
 * without ~2 KB min+gzip (debug + ms). CommonJS because simple-peer calls the `require()` result.
 */
module.exports = function createDebug() {
  const log = () => {};
  log.enabled = false;
  return log;
};
