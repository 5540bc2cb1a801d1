// Runs before the library loads: records the configuration of every RTCPeerConnection the page
// creates and whether it ever gathered candidates (setLocalDescription), so a test can check that
// no STUN/TURN server is ever contacted (offline LAN sessions).
(() => {
  const Native = window.RTCPeerConnection;
  const configs = [];
  window.rtcConfigs = configs;
  function Recorded(config, ...rest) {
    const record = { iceServers: JSON.parse(JSON.stringify(config?.iceServers ?? null)), gathered: false, stack: new Error().stack?.split('\n').slice(2, 5).join(' | ') };
    configs.push(record);
    const pc = new Native(config, ...rest);
    const setLocal = pc.setLocalDescription.bind(pc);
    pc.setLocalDescription = (...args) => {
      record.gathered = true;
      return setLocal(...args);
    };
    return pc;
  }
  Recorded.prototype = Native.prototype;
  Object.setPrototypeOf(Recorded, Native);
  window.RTCPeerConnection = Recorded;
})();
