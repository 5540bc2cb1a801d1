/**
 * The invite/reply code format: round trip through a real-looking SDP, the size bound, and every
 * refusal a peer's code can get (corrupted, wrong version, wrong kind, wrong session, expired).
 * Single use is the inviter's table (test/unit/invite-pending.test.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  decodeInviteCode, encodeInviteCode, iceFromSdp, midOf, newInviteId, sdpFromIce, sessionTagOf,
  MAX_CODE_CANDIDATES, type IceParams,
} from '../../src/wire/invite-code.js';

const FP = 'A1:B2:C3:D4:E5:F6:07:18:29:3A:4B:5C:6D:7E:8F:90:01:12:23:34:45:56:67:78:89:9A:AB:BC:CD:DE:EF:F0';
/** What Chromium's complete offer looks like on a LAN: mDNS host candidates, one srflx, a TCP one. */
const CHROMIUM_OFFER = [
  'v=0', 'o=- 4611731400430051336 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0',
  'a=extmap-allow-mixed', 'a=msid-semantic: WMS',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'c=IN IP4 0.0.0.0',
  'a=candidate:3170457925 1 udp 2113937151 4d2b9a5e-1c3f-4b6a-9e8d-7f6a5b4c3d2e.local 54321 typ host generation 0 network-cost 999',
  'a=candidate:3170457926 1 udp 2113939711 2a00:1450:4001:82a::200e 54322 typ host generation 0 network-cost 999',
  'a=candidate:842163049 1 udp 1677729535 198.51.100.7 61000 typ srflx raddr 0.0.0.0 rport 0 generation 0',
  'a=candidate:1 1 tcp 1518280447 192.168.1.20 9 typ host tcptype active generation 0',
  'a=candidate:2 2 udp 2113937150 192.168.1.20 54323 typ host generation 0',
  'a=ice-ufrag:Ab+/', 'a=ice-pwd:0123456789abcdefghijKLMN', 'a=ice-options:trickle',
  `a=fingerprint:sha-256 ${FP}`, 'a=setup:actpass', 'a=mid:0', 'a=sctp-port:5000', 'a=max-message-size:262144', '',
].join('\r\n');

function ice(): IceParams {
  const parsed = iceFromSdp(CHROMIUM_OFFER);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
}

const fresh = (kind: 'invite' | 'reply' = 'invite', sessionId = 'team-room') =>
  encodeInviteCode({ kind, sessionId, inviteId: newInviteId(), expiresAtMs: Date.now() + 600_000, ice: ice() });

describe('SDP ↔ ICE parameters', () => {
  it('keeps ufrag, pwd, fingerprint, role and the UDP component-1 candidates only', () => {
    const p = ice();
    expect(p.ufrag).toBe('Ab+/');
    expect(p.pwd).toBe('0123456789abcdefghijKLMN');
    expect(p.setup).toBe('actpass');
    expect(p.fingerprint[0]).toBe(0xa1);
    expect(p.fingerprint.length).toBe(32);
    expect(p.candidates).toEqual([
      { type: 'host', address: '4d2b9a5e-1c3f-4b6a-9e8d-7f6a5b4c3d2e.local', port: 54321 },
      { type: 'host', address: '2a00:1450:4001:82a::200e', port: 54322 },
      { type: 'srflx', address: '198.51.100.7', port: 61000 },
    ]);
  });

  it('refuses an SDP with no candidate, no credentials or no fingerprint', () => {
    expect(iceFromSdp(CHROMIUM_OFFER.replace(/^a=candidate.*\r\n/gm, ''))).toMatch(/no UDP candidate/);
    expect(iceFromSdp(CHROMIUM_OFFER.replace(/^a=ice-pwd.*\r\n/m, ''))).toMatch(/ice-pwd/);
    expect(iceFromSdp(CHROMIUM_OFFER.replace(/^a=fingerprint.*\r\n/m, ''))).toMatch(/fingerprint/);
  });

  it('rebuilds an SDP that carries everything back, with the given mid', () => {
    const sdp = sdpFromIce(ice(), 'data');
    expect(midOf(sdp)).toBe('data');
    expect(sdp).toContain(`a=fingerprint:sha-256 ${FP}`);
    expect(sdp).toContain('a=end-of-candidates');
    const again = iceFromSdp(sdp);
    expect(typeof again).toBe('object');
    expect((again as IceParams).candidates.map((c) => c.port)).toEqual([54321, 54322, 61000]);
    expect(sdp.split('\r\n').every((line) => line.length < 200)).toBe(true);
  });
});

describe('invite codes', () => {
  it('round-trip: what decodes is what was encoded', async () => {
    const inviteId = newInviteId();
    const expiresAtMs = Date.now() + 600_000;
    const text = await encodeInviteCode({ kind: 'reply', sessionId: 'team-room', inviteId, expiresAtMs, ice: ice() });
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    const r = await decodeInviteCode(text, { kind: 'reply', sessionId: 'team-room' });
    if (!r.ok) throw new Error(r.message);
    expect(r.code.kind).toBe('reply');
    expect(r.code.inviteId).toBe(inviteId);
    expect(r.code.sessionTag).toBe(sessionTagOf('team-room'));
    expect(Math.abs(r.code.expiresAtMs - expiresAtMs)).toBeLessThan(1000);
    expect(r.code.ice.ufrag).toBe('Ab+/');
    expect([...r.code.ice.fingerprint]).toEqual([...ice().fingerprint]);
    // IPv6 comes back in its uncompressed form, the same address.
    expect(r.code.ice.candidates.map((c) => c.address)).toEqual([
      '4d2b9a5e-1c3f-4b6a-9e8d-7f6a5b4c3d2e.local', '2a00:1450:4001:82a:0:0:0:200e', '198.51.100.7']);
  });

  it('reads a code pasted with line breaks, or the whole invite URL', async () => {
    const text = await fresh();
    const wrapped = text.replace(/(.{20})/g, '$1\n ');
    expect((await decodeInviteCode(wrapped, { kind: 'invite', sessionId: 'team-room' })).ok).toBe(true);
    const url = `https://example.test/demo/#session=team-room&invite=${text}`;
    expect((await decodeInviteCode(url, { kind: 'invite', sessionId: 'team-room' })).ok).toBe(true);
  });

  it('refuses a code of more than 2048 characters before reading it; 2048 are read', async () => {
    const expectations = { kind: 'invite', sessionId: 'team-room' } as const;
    const longest = await decodeInviteCode('A'.repeat(2048), expectations);
    expect(longest.ok).toBe(false);
    expect(longest.ok ? '' : longest.message).not.toMatch(/characters long/); // read, then refused for what it says
    expect(await decodeInviteCode('A'.repeat(2049), expectations)).toEqual({ ok: false, reason: 'corrupted', message: 'the code is 2049 characters long (at most 2048)' });
  });

  it('stays small: 3 candidates fit in under 200 characters, 16 in under 700', async () => {
    expect((await fresh()).length).toBeLessThan(200);
    const many = { ...ice(), candidates: Array.from({ length: MAX_CODE_CANDIDATES }, (_, i) => ({ type: 'host' as const, address: `${crypto.randomUUID()}.local`, port: 50000 + i })) };
    const text = await encodeInviteCode({ kind: 'invite', sessionId: 's', inviteId: newInviteId(), expiresAtMs: Date.now() + 1000, ice: many });
    expect(text.length).toBeLessThan(700);
    const r = await decodeInviteCode(text, { kind: 'invite', sessionId: 's' });
    expect(r.ok && r.code.ice.candidates.length).toBe(MAX_CODE_CANDIDATES);
  });

  it('refuses a corrupted code: one changed character, a cut, junk, non-text, too long', async () => {
    const text = await fresh();
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    for (const bad of [flip(text, 10), flip(text, text.length - 3), text.slice(0, -6), 'hello world!', '', 'x'.repeat(5000)]) {
      const r = await decodeInviteCode(bad, { kind: 'invite', sessionId: 'team-room' });
      expect(r.ok ? 'accepted' : r.reason, JSON.stringify(bad.slice(0, 40))).toBe('corrupted');
    }
    for (const notText of [undefined, 42, { code: text }]) {
      const r = await decodeInviteCode(notText, { kind: 'invite', sessionId: 'team-room' });
      expect(r.ok ? 'accepted' : r.reason).toBe('corrupted');
    }
  });

  it('refuses a code of another version, kind or session, with a message that says so', async () => {
    const text = await fresh();
    const bytes = Buffer.from(text, 'base64url');
    bytes[0] = (2 << 4) | (bytes[0]! & 15);
    const v2 = await decodeInviteCode(bytes.toString('base64url'), { kind: 'invite', sessionId: 'team-room' });
    expect(v2).toMatchObject({ ok: false, reason: 'wrong-version' });
    expect(await decodeInviteCode(text, { kind: 'reply', sessionId: 'team-room' })).toMatchObject({ ok: false, reason: 'wrong-kind' });
    const other = await decodeInviteCode(text, { kind: 'invite', sessionId: 'team-room2' });
    expect(other).toMatchObject({ ok: false, reason: 'wrong-session' });
    expect(!other.ok && other.message).toContain('another session');
  });

  it('refuses an expired code, allowing for a minute of clock difference', async () => {
    const text = await encodeInviteCode({ kind: 'invite', sessionId: 'r', inviteId: newInviteId(), expiresAtMs: Date.now() - 1000, ice: ice() });
    expect((await decodeInviteCode(text, { kind: 'invite', sessionId: 'r' })).ok).toBe(true); // within the skew
    const r = await decodeInviteCode(text, { kind: 'invite', sessionId: 'r', skewMs: 0 });
    expect(r).toMatchObject({ ok: false, reason: 'expired' });
    expect((await decodeInviteCode(text, { kind: 'invite', sessionId: 'r', nowMs: Date.now() + 61_000 })).ok).toBe(false);
  });

  it('deflates when that is shorter, and says so when this platform cannot inflate; without CompressionStream it writes plain codes', async () => {
    const lan = { ...ice(), candidates: Array.from({ length: 12 }, (_, i) => ({ type: 'host' as const, address: `192.168.1.${10 + i}`, port: 50000 })) };
    const fields = { kind: 'invite' as const, sessionId: 's', inviteId: newInviteId(), expiresAtMs: Date.now() + 60_000, ice: lan };
    const deflated = await encodeInviteCode(fields);
    expect(Buffer.from(deflated, 'base64url')[0]! & 1).toBe(1);
    const g = globalThis as { CompressionStream?: unknown; DecompressionStream?: unknown };
    const [C, D] = [g.CompressionStream, g.DecompressionStream];
    try {
      g.DecompressionStream = undefined;
      expect(await decodeInviteCode(deflated, { kind: 'invite', sessionId: 's' })).toMatchObject({ ok: false, reason: 'unsupported' });
      g.CompressionStream = undefined;
      const plain = await encodeInviteCode(fields);
      expect(Buffer.from(plain, 'base64url')[0]! & 1).toBe(0);
      expect(plain.length).toBeGreaterThan(deflated.length);
      const r = await decodeInviteCode(plain, { kind: 'invite', sessionId: 's' });
      expect(r.ok && r.code.ice.candidates.length).toBe(12);
    } finally {
      g.CompressionStream = C;
      g.DecompressionStream = D;
    }
  });

  it('refuses a decompression bomb without reading it all', async () => {
    const zeros = new Uint8Array(1 << 20);
    const stream = new CompressionStream('deflate-raw');
    const deflated = new Uint8Array(await new Response(new Blob([zeros]).stream().pipeThrough(stream)).arrayBuffer());
    const text = Buffer.from(Uint8Array.of((1 << 4) | 1, ...deflated)).toString('base64url');
    expect(text.length).toBeLessThan(2048);
    expect(await decodeInviteCode(text, { kind: 'invite', sessionId: 'r' })).toMatchObject({ ok: false, reason: 'corrupted' });
  });
});
