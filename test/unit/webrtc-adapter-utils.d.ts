// The real webrtc-adapter's browser detection, compared with the build's stand-in
// (scripts/shims/webrtc-adapter.ts) by webrtc-adapter-stand-in.test.ts. The package ships no types for it.
declare module 'webrtc-adapter/src/js/utils.js' {
  export function detectBrowser(window: object | undefined): { browser: string | null; version: number | null };
}
