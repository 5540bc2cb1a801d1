/**
 * src/wire/server-messages.ts: each bound of what a PeerServer (or whoever registered an id on it)
 * can hand the bootstrap, at the bound and one past it, and the envelope we send back.
 */
import { describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES } from '../../src/wire/mesh-frames.js';
import {
  MAX_SERVER_CHANNEL_CHARS,
  MAX_SERVER_ID_CHARS,
  SERVER_PAYLOAD_TYPE,
  decodeServerMessage,
  encodeServerMessage,
} from '../../src/wire/server-messages.js';

const offer = (payload: object, src = 'ms-x61') => ({ type: 'OFFER', src, payload: { type: SERVER_PAYLOAD_TYPE, ...payload } });

describe('decodeServerMessage bounds', () => {
  it('a sender id of 1..MAX_SERVER_ID_CHARS chars; none or a longer one is ignored', () => {
    const longest = 'p'.repeat(MAX_SERVER_ID_CHARS);
    expect(decodeServerMessage({ type: 'EXPIRE', src: longest })).toEqual({ kind: 'gone', src: longest });
    expect(decodeServerMessage({ type: 'EXPIRE', src: `${longest}p` })).toBeUndefined();
    expect(decodeServerMessage({ type: 'LEAVE', src: '' })).toBeUndefined();
    expect(decodeServerMessage({ type: 'LEAVE' })).toBeUndefined();
    expect(decodeServerMessage(offer({ connectionId: 'c', text: '{}' }, `${longest}p`))).toBeUndefined();
  });

  it('a channel id of 1..MAX_SERVER_CHANNEL_CHARS chars, a string', () => {
    const longest = 'c'.repeat(MAX_SERVER_CHANNEL_CHARS);
    expect(decodeServerMessage(offer({ connectionId: longest, close: true }))).toEqual({ kind: 'close', src: 'ms-x61', connectionId: longest });
    expect(decodeServerMessage(offer({ connectionId: `${longest}c`, close: true }))).toBeUndefined();
    expect(decodeServerMessage(offer({ connectionId: '', text: '{}' }))).toBeUndefined();
    expect(decodeServerMessage(offer({ connectionId: 7, text: '{}' }))).toBeUndefined();
  });

  it('a frame of at most MAX_FRAME_BYTES chars, a string', () => {
    const largest = 'x'.repeat(MAX_FRAME_BYTES);
    expect(decodeServerMessage(offer({ connectionId: 'c', text: largest }))).toEqual({ kind: 'frame', src: 'ms-x61', connectionId: 'c', text: largest });
    expect(decodeServerMessage(offer({ connectionId: 'c', text: `${largest}x` }))).toBeUndefined();
    expect(decodeServerMessage(offer({ connectionId: 'c', text: { t: 'm.join' } }))).toBeUndefined();
    expect(decodeServerMessage(offer({ connectionId: 'c' }))).toBeUndefined();
  });

  it('PeerJS traffic and junk are not ours', () => {
    expect(decodeServerMessage({ type: 'OFFER', src: 'p', payload: { type: 'data', connectionId: 'c', text: '{}' } })).toBeUndefined();
    expect(decodeServerMessage({ type: 'OFFER', src: 'p', payload: [SERVER_PAYLOAD_TYPE] })).toBeUndefined();
    expect(decodeServerMessage({ type: 'ANSWER', src: 'p', payload: { type: SERVER_PAYLOAD_TYPE, connectionId: 'c', text: '{}' } })).toBeUndefined();
    for (const junk of [null, undefined, 'LEAVE', 42, [], [{ type: 'LEAVE', src: 'p' }]]) expect(decodeServerMessage(junk)).toBeUndefined();
  });
});

describe('encodeServerMessage', () => {
  it('what we send decodes back to the same frame or close once the server sets src', () => {
    const frame = encodeServerMessage({ dst: 'ms-x61', connectionId: 'ms_1', text: '{"t":"m.ping"}' });
    expect(frame).toEqual({ type: 'OFFER', dst: 'ms-x61', payload: { type: SERVER_PAYLOAD_TYPE, connectionId: 'ms_1', text: '{"t":"m.ping"}' } });
    expect(decodeServerMessage({ ...frame, src: 'mj-1' })).toEqual({ kind: 'frame', src: 'mj-1', connectionId: 'ms_1', text: '{"t":"m.ping"}' });
    const close = encodeServerMessage({ dst: 'ms-x61', connectionId: 'ms_1', close: true });
    expect(decodeServerMessage({ ...close, src: 'mj-1' })).toEqual({ kind: 'close', src: 'mj-1', connectionId: 'ms_1' });
  });
});
