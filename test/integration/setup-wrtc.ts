/**
 * Real WebRTC for the integration tests: `@roamhq/wrtc` (Chrome's libwebrtc) as the globals
 * PeerJS and simple-peer look for. Must run before peerjs is imported: it checks for WebRTC at
 * import time. Every connection gets `iceServers: []`: tests run in a loopback-only namespace.
 */
import wrtc from '@roamhq/wrtc';

const Base = wrtc.RTCPeerConnection as unknown as new (config?: RTCConfiguration) => RTCPeerConnection;

class LoopbackPeerConnection extends Base {
  constructor(config?: RTCConfiguration) {
    super({ ...config, iceServers: [] });
  }
}

Object.assign(globalThis, {
  RTCPeerConnection: LoopbackPeerConnection,
  RTCSessionDescription: wrtc.RTCSessionDescription,
  RTCIceCandidate: wrtc.RTCIceCandidate,
});
