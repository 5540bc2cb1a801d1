/**
 * The bundles replace webrtc-adapter by scripts/shims/webrtc-adapter.ts (it patched the page's
 * RTCPeerConnection). PeerJS reads only `browserDetails` from it: the stand-in must answer what
 * webrtc-adapter's own detection answers, browser by browser.
 */
import { describe, expect, it } from 'vitest';
import { detectBrowser as adapterDetect } from 'webrtc-adapter/src/js/utils.js';
import { detectBrowser, type BrowserWindow } from '../../scripts/shims/webrtc-adapter.js';

const fn = () => {};
const CHROME_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

const WINDOWS: Record<string, BrowserWindow | undefined> = {
  'Chromium, secure page (userAgentData)': {
    navigator: { userAgent: CHROME_UA, userAgentData: { brands: [{ brand: 'Not)A;Brand', version: '24' }, { brand: 'Chromium', version: '156' }] } },
    isSecureContext: true,
    RTCPeerConnection: fn,
  },
  'Chromium, plain-http LAN page (no userAgentData, no webkitGetUserMedia)': {
    navigator: { userAgent: CHROME_UA },
    isSecureContext: false,
    webkitRTCPeerConnection: fn,
    RTCPeerConnection: fn,
  },
  'old Chromium (brand below 90, webkitGetUserMedia)': {
    navigator: { userAgent: CHROME_UA.replace('156', '85'), userAgentData: { brands: [{ brand: 'Chromium', version: '85' }] }, webkitGetUserMedia: fn },
    RTCPeerConnection: fn,
  },
  Firefox: {
    navigator: { userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0', mozGetUserMedia: fn },
    RTCPeerConnection: fn,
  },
  Safari: {
    navigator: { userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15' },
    RTCPeerConnection: fn,
  },
  'no WebRTC, unknown agent': { navigator: { userAgent: 'curl/8.5.0' } },
  'not a browser': undefined,
};

describe('the webrtc-adapter stand-in', () => {
  for (const [name, win] of Object.entries(WINDOWS)) {
    it(`detects as webrtc-adapter does: ${name}`, () => {
      const real = adapterDetect(win);
      expect(detectBrowser(win)).toEqual({ browser: real.browser, version: real.version });
    });
  }

  it('gives PeerJS a supported browser and version for Chromium and Firefox', () => {
    expect(detectBrowser(WINDOWS['Chromium, secure page (userAgentData)'])).toEqual({ browser: 'chrome', version: 156 });
    expect(detectBrowser(WINDOWS.Firefox)).toEqual({ browser: 'firefox', version: 153 });
  });
});
