/**
 * The classic-script entry (`dist/mesh-signal.global.js`, an IIFE): defines `window.OT`, as
 * opentok.js does, and no other global.
 *
 * @example
 * <script src="/mesh-signal.global.js"></script>
 * <script>const session = OT.initSession(apiKey, sessionId);</script>
 */
import { OT, type OTNamespace } from './index.js';

declare global {
  /** mesh-signal's OpenTok namespace, when the page loaded `mesh-signal.global.js`. */
  var OT: OTNamespace;
}

globalThis.OT = OT;
