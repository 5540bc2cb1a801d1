import { describe, expect, it } from 'vitest';
import { initSession } from '../../src/index.js';
import { createMemoryNetwork } from '../../src/testing.js';
import { MAX_TIMER_MS } from '../../src/options.js';

const transport = createMemoryNetwork().transport;
/** initSession with untyped options, as a JavaScript app could call it. */
const init = (options: unknown) => () => initSession('room', options as never);

describe('initSession refuses bad options at once, naming the option, the type and what is allowed', () => {
  it.each([
    ['heartbeatInterval: 0', { heartbeatInterval: 0 }, /option heartbeatInterval must be a number of milliseconds from 1 to 2147483647; got the number 0$/],
    ['a negative joinTimeout', { joinTimeout: -5 }, /option joinTimeout .* got the number -5$/],
    ['an infinite ackTimeout', { transport, ackTimeout: Infinity }, /option ackTimeout .* got the number Infinity$/],
    ['a NaN heartbeatTimeout', { heartbeatTimeout: NaN }, /option heartbeatTimeout .* got the number NaN$/],
    ['a timeout past the 32-bit timer limit', { ackTimeout: MAX_TIMER_MS + 1 }, /option ackTimeout/],
    ['a duration as a string', { joinTimeout: '5000' }, /option joinTimeout .* got the string "5000"$/],
    ['a heartbeat timeout shorter than its interval', { heartbeatInterval: 5000 }, /heartbeatTimeout \(4000\) must be longer than heartbeatInterval \(5000\)/],
    ['an unknown option (a typo)', { transport, heartbeatIntervall: 10 }, /unknown option "heartbeatIntervall"; known: peerjs, iceServers/],
    ['a secret that is a number', { secret: 1234 }, /option secret must be a string of 1 to 1024 characters; got a number$/],
    ['a secret of 1025 characters', { secret: 's'.repeat(1025) }, /option secret must be a string of 1 to 1024 characters; got a string of 1025 characters$/],
    ['an empty secret', { secret: '' }, /option secret must be a string .* got a string of 0 characters$/],
    ['a secret that is an object', { secret: { password: 'x' } }, /option secret .* got an object$/],
    ['a zero reconnectGrace', { reconnectGrace: 0 }, /option reconnectGrace .* got the number 0$/],
    ['a debug that is a string', { debug: 'yes' }, /option debug must be true, false or a function/],
    ['a secret with a transport that would ignore it', { transport, secret: 'pw' }, /option secret belongs to the WebRTC mesh/],
    ['a zero rate limit', { maxSignalsPerSecond: 0 }, /option maxSignalsPerSecond must be a positive finite number; got the number 0$/],
    ['a transport that is not a function', { transport: {} }, /option transport must be a function .* got an object$/],
    ['iceServers that is not an array', { iceServers: { urls: 'stun:x' } }, /option iceServers must be an array/],
    ['an ICE server without urls', { iceServers: [{ url: 'stun:x' }] }, /option iceServers\[0\] must be an object with urls/],
    ['an unknown peerjs option', { peerjs: { hots: 'x' } }, /unknown option peerjs\.hots; known: host, port, path, secure, key/],
    ['a peerjs port out of range', { peerjs: { port: 70000 } }, /option peerjs\.port must be a whole number from 1 to 65535; got the number 70000$/],
    ['a peerjs path without a slash', { peerjs: { path: 'peerjs' } }, /option peerjs\.path must be a string starting with '\/'/],
    ['a peerjs secure that is a string', { peerjs: { secure: 'yes' } }, /option peerjs\.secure must be a boolean/],
    ['options that are not an object', 'room-secret', /options must be an object; got the string "room-secret"$/],
  ])('%s', (_, options, message) => {
    expect(init(options)).toThrow(TypeError);
    expect(init(options)).toThrow(message);
  });

  it('never puts a secret or a key in the message', () => {
    expect(init({ secret: 'x'.repeat(2000) })).toThrow(/got a string of 2000 characters/);
    expect(init({ peerjs: { key: '' } })).toThrow(/peerjs\.key .* got a string of 0 characters/);
  });

  it('accepts every documented option with a good value', () => {
    const session = initSession('room', {
      iceServers: [{ urls: 'stun:127.0.0.1' }, { urls: ['turn:127.0.0.1'], username: 'u', credential: 'c' }],
      ackTimeout: 2000,
      joinTimeout: 100,
      heartbeatInterval: 250,
      heartbeatTimeout: 1000,
      reconnectGrace: 3000,
      debug: () => {},
      secret: 'correct horse battery staple',
      maxSignalsPerSecond: 50,
      peerjs: { host: '127.0.0.1', port: 9000, path: '/peerjs', secure: false, key: 'peerjs' },
    });
    expect(session.state).toBe('disconnected');
    expect(initSession('room').state).toBe('disconnected');
    expect(initSession('room', { secret: 's'.repeat(1024) }).state).toBe('disconnected'); // the longest secret

  });
});
