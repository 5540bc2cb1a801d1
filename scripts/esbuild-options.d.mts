// Types of esbuild-options.mjs for the tests that bundle with it (test/unit/bundle-stand-ins.test.ts).
import type { BuildOptions } from 'esbuild';
export const browserBundleOptions: BuildOptions;
export const PROCESS_SHIM_PATH: string;
export const WEBRTC_ADAPTER_STAND_IN: string;
