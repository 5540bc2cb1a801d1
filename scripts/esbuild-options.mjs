/**
 * The esbuild options that make the browser bundle, shared by scripts/build.mjs and the bench's
 * bundle-weight harness, so both measure the same thing.
 *
 * simple-peer (and readable-stream under it) is written for Node/browserify. From source it needs
 * Node's `events` and `buffer` modules (the npm packages of the same names are the browser
 * versions), the `global` name, and a `process` object for `process.nextTick`. The browser bundles
 * replace readable-stream, buffer, randombytes and debug by small stand-ins (scripts/shims/, see
 * SIMPLE_PEER_STAND_INS), so of those only `global` is left to resolve (nothing left in the bundle
 * uses `process`: the shim once injected into every module is gone, and with it an init call at
 * the top of each); `events` stays mapped for any other dependency that imports it.
 */
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

/** Node module names the bundle may import, mapped to their browser packages in node_modules. */
const BROWSER_PACKAGES = {
  events: require.resolve('events/'),
};

/**
 * PeerJS imports webrtc-adapter for `browserDetails` only, and importing webrtc-adapter patches the
 * page's RTCPeerConnection.prototype (and more, by browser and version). This module answers
 * `browserDetails` and patches nothing: see its header.
 */
export const WEBRTC_ADAPTER_STAND_IN = join(root, 'scripts/shims/webrtc-adapter.ts');

/**
 * Stand-ins for what simple-peer and PeerJS import but a page never runs (each file's header says
 * what the dependency uses of the original and why the stand-in is enough). Measured with esbuild's
 * metafile (bench/harness/bundle.mjs): readable-stream and its string_decoder/util-deprecate/
 * events/process ~12 KB min+gzip, buffer (+ base64-js, ieee754, safe-buffer) ~7.5 KB, debug + ms
 * ~2 KB; PeerJS's binarypack serializer ~2.6 KB. simple-peer and PeerJS stay as published: `Link`
 * (src/mesh/link.ts) uses simple-peer's `send`, `signal` and events and reads messages from the
 * RTCDataChannel. Node (tests, wrtc) keeps the
 * real packages: these apply to the browser bundles only.
 */
const SIMPLE_PEER_STAND_INS = {
  'readable-stream': join(root, 'scripts/shims/readable-stream.ts'),
  buffer: join(root, 'scripts/shims/buffer.ts'),
  randombytes: join(root, 'scripts/shims/randombytes.cjs'),
  debug: join(root, 'scripts/shims/debug.cjs'),
  'peerjs-js-binarypack': join(root, 'scripts/shims/peerjs-binarypack.ts'),
};

/** Resolves the shims and the browser packages. */
const browserModules = {
  name: 'mesh-signal-browser-modules',
  setup(build) {
    build.onResolve({ filter: /^(node:)?events\/?$/ }, (a) => ({
      path: BROWSER_PACKAGES[a.path.replace(/^node:/, '').replace(/\/$/, '')],
    }));
    build.onResolve({ filter: /^webrtc-adapter$/ }, () => ({ path: WEBRTC_ADAPTER_STAND_IN }));
    build.onResolve({ filter: /^(readable-stream|buffer|randombytes|debug|peerjs-js-binarypack)\/?$/ }, (a) => ({
      path: SIMPLE_PEER_STAND_INS[a.path.replace(/\/$/, '')],
    }));
  },
};

/** @type {import('esbuild').BuildOptions} Everything but entry, output, sourcemap and minify. */
export const browserBundleOptions = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  // es2022: class #private members stay native; lowered, esbuild's helpers cost ~5 µs a signal.
  target: 'es2022',
  define: { global: 'globalThis' },
  plugins: [browserModules],
  // The bundled packages' license notices go to <file>.LEGAL.txt beside each build (shipped in the
  // package), linked from a one-line comment: ~80 B less in what every page loads.
  legalComments: 'linked',
};
