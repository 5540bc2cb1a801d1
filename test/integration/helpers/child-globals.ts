// WebRTC and WebSocket globals for a session running in a plain Node child process. Imported
// first by child-session.ts: peerjs checks for WebRTC when it is imported.
import wrtc from '@roamhq/wrtc';
import WebSocketBase from 'ws';

const Base = wrtc.RTCPeerConnection as unknown as new (config?: RTCConfiguration) => RTCPeerConnection;
class LoopbackPeerConnection extends Base {
  constructor(config?: RTCConfiguration) {
    super({ ...config, iceServers: [] });
  }
}

// PeerJS sets onerror-style handlers; a ws 'error' event without a listener would crash the child.
class QuietWebSocket extends WebSocketBase {
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols);
    this.on('error', () => {});
  }
}

Object.assign(globalThis, {
  RTCPeerConnection: LoopbackPeerConnection,
  RTCSessionDescription: wrtc.RTCSessionDescription,
  RTCIceCandidate: wrtc.RTCIceCandidate,
  WebSocket: QuietWebSocket,
});
