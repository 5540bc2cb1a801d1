// Runs before the library loads: records the configuration of every RTCPeerConnection the page
// creates and whether it ever gathered candidates (setLocalDescription), so a test can check that
// no STUN/TURN server is ever contacted (offline LAN sessions); and, per connection, the ICE
// candidates gathered and received and the ICE states it went through (ms since it was made), so
// a test can check what address a page shows its peers and a failure can say where ICE stopped.
(() => {
  const Native = window.RTCPeerConnection;
  const configs = [];
  const candidates = { local: [], remote: [] };
  window.rtcConfigs = configs;
  window.rtcCandidates = candidates;
  function Recorded(config, ...rest) {
    const born = performance.now();
    const at = () => Math.round(performance.now() - born);
    const record = {
      iceServers: JSON.parse(JSON.stringify(config?.iceServers ?? null)),
      gathered: false,
      stack: new Error().stack?.split('\n').slice(2, 5).join(' | '),
      local: [],
      remote: [],
      states: [],
    };
    configs.push(record);
    const pc = new Native(config, ...rest);
    const setLocal = pc.setLocalDescription.bind(pc);
    pc.setLocalDescription = (...args) => {
      record.gathered = true;
      return setLocal(...args);
    };
    pc.addEventListener('icecandidate', (e) => {
      if (!e.candidate?.candidate) return;
      candidates.local.push(e.candidate.candidate);
      record.local.push(`${at()} ${e.candidate.candidate}`);
    });
    pc.addEventListener('iceconnectionstatechange', () => record.states.push(`${at()} ${pc.iceConnectionState}`));
    const addRemote = pc.addIceCandidate.bind(pc);
    pc.addIceCandidate = (candidate, ...more) => {
      if (candidate?.candidate) {
        candidates.remote.push(candidate.candidate);
        record.remote.push(`${at()} ${candidate.candidate}`);
      }
      return addRemote(candidate, ...more);
    };
    return pc;
  }
  Recorded.prototype = Native.prototype;
  Object.setPrototypeOf(Recorded, Native);
  window.RTCPeerConnection = Recorded;
})();
