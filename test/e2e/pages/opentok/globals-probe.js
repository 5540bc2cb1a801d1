// Loaded as a classic script BEFORE the library: records the page's globals and the WebRTC and
// media classes (the constructors, their statics, every property of their prototypes, by
// identity), so that `globalsProbe.changes()` run after the library loaded lists what it altered.
(function () {
  var WATCHED = [
    'RTCPeerConnection', 'webkitRTCPeerConnection', 'RTCSessionDescription', 'RTCIceCandidate',
    'RTCDataChannel', 'RTCRtpSender', 'RTCRtpReceiver', 'RTCRtpTransceiver', 'RTCDTMFSender',
    'RTCCertificate', 'RTCTrackEvent', 'RTCDataChannelEvent', 'RTCPeerConnectionIceEvent',
    'MediaStream', 'webkitMediaStream', 'MediaStreamTrack', 'MediaDevices', 'Navigator',
    'EventTarget', 'AudioContext', 'webkitAudioContext',
  ];

  function describe(target) {
    var out = new Map();
    if (!target) return out;
    Object.getOwnPropertyNames(target).forEach(function (name) {
      var d = Object.getOwnPropertyDescriptor(target, name);
      out.set(name, d && ('value' in d ? [d.value] : [d.get, d.set]));
    });
    return out;
  }

  function snapshot() {
    var parts = { window: describe(window), navigator: describe(navigator) };
    if (navigator.mediaDevices) parts['navigator.mediaDevices'] = describe(navigator.mediaDevices);
    WATCHED.forEach(function (name) {
      var ctor = window[name];
      if (typeof ctor !== 'function') return;
      parts[name] = describe(ctor);
      parts[name + '.prototype'] = describe(ctor.prototype);
    });
    return parts;
  }

  function same(a, b) {
    if (!a || !b || a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
    return true;
  }

  var before;
  window.globalsProbe = {
    /** ['added window.OT', 'changed RTCPeerConnection.prototype.addIceCandidate', ...] */
    changes: function () {
      var after = snapshot();
      var found = [];
      Object.keys(after).forEach(function (part) {
        var was = before[part] || new Map();
        var now = after[part];
        now.forEach(function (value, name) {
          if (!was.has(name)) found.push('added ' + part + '.' + name);
          else if (!same(was.get(name), value)) found.push('changed ' + part + '.' + name);
        });
        was.forEach(function (_, name) {
          if (!now.has(name)) found.push('removed ' + part + '.' + name);
        });
      });
      return found;
    },
  };
  before = snapshot(); // after globalsProbe exists, so the probe does not count itself
})();
