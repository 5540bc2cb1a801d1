/**
 * Stands in for `webrtc-adapter` in the browser bundles (scripts/esbuild-options.mjs aliases it).
 *
 * Why: PeerJS 1.5 imports webrtc-adapter only to read `adapter.browserDetails.browser` and
 * `.version` (its `util.browser`, `util.browserVersion` and `util.supports.browser`, which nothing
 * in PeerJS or mesh-signal acts on). But importing webrtc-adapter 9 runs its shims at once, and
 * they change the host page's WebRTC classes. Measured with test/e2e/pages/opentok/globals-*.html:
 *   Chromium 156: RTCPeerConnection.prototype.addTrack, removeTrack, addStream, removeStream and
 *                 getLocalStreams replaced (its stream-tracking wrappers);
 *   Firefox 153:  RTCPeerConnection.prototype.removeStream and navigator.getUserMedia added;
 *   and by its version checks, Chromium before 149 also gets createDataChannel wrapped and every
 *   data channel's send() replaced, older versions more.
 * This module answers the same two fields and patches nothing; test/e2e/opentok-chat.test.ts
 * checks that loading the library leaves those globals as they were.
 *
 * The detection follows webrtc-adapter 9's `detectBrowser`, so PeerJS sees the same answers.
 */

/** The parts of `window` the detection reads. */
export interface BrowserWindow {
  navigator?: {
    userAgent?: string;
    userAgentData?: { brands?: { brand: string; version: string }[] };
    mozGetUserMedia?: unknown;
    webkitGetUserMedia?: unknown;
  };
  isSecureContext?: boolean;
  webkitRTCPeerConnection?: unknown;
  RTCPeerConnection?: unknown;
}

export interface BrowserDetails {
  browser: string;
  version: number | null;
}

/** webrtc-adapter's `detectBrowser`, without its shims (test/unit/webrtc-adapter-stand-in.test.ts compares the two). */
export function detectBrowser(win: BrowserWindow | undefined): BrowserDetails {
  const nav = win?.navigator;
  const ua = nav?.userAgent;
  if (!nav || !ua) return { browser: 'Not a browser.', version: null };
  const chromium = nav.userAgentData?.brands?.find((brand) => brand.brand === 'Chromium');
  if (chromium && parseInt(chromium.version, 10) >= 90) {
    return { browser: 'chrome', version: parseInt(chromium.version, 10) };
  }
  const number = (pattern: RegExp, group: number): number | null => {
    const match = ua.match(pattern);
    return match ? parseInt(match[group] ?? '', 10) || null : null;
  };
  if (nav.mozGetUserMedia) return { browser: 'firefox', version: number(/Firefox\/(\d+)\./, 1) };
  if (nav.webkitGetUserMedia || (win.isSecureContext === false && win.webkitRTCPeerConnection)) {
    return { browser: 'chrome', version: number(/Chrom(e|ium)\/(\d+)\./, 2) };
  }
  if (win.RTCPeerConnection && /AppleWebKit\/(\d+)\./.test(ua)) {
    return { browser: 'safari', version: number(/AppleWebKit\/(\d+)\./, 1) };
  }
  return { browser: 'Not a supported browser.', version: null };
}

export default { browserDetails: detectBrowser(typeof window === 'object' ? (window as BrowserWindow) : undefined) };
