import { describe, expect, it } from 'vitest';
import { boundConnectionId, isBoundId, sdpFingerprint, sdpProvesId } from '../../src/identity/fingerprint.js';

const FP = 'D0:A3:4F:0B:54:FB:92:2E:96:EE:8A:B7:DA:38:B5:D6:07:63:8B:3B:96:7C:DC:C2:D4:99:AF:23:86:00:D1:2D';
const sdp = (fp: string) => `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\na=fingerprint:sha-256 ${fp}\r\na=setup:actpass\r\n`;

describe('certificate-bound connection ids', () => {
  it('reads the sha-256 fingerprint of an SDP', () => {
    const fp = sdpFingerprint(sdp(FP))!;
    expect(fp).toHaveLength(32);
    expect(fp[0]).toBe(0xd0);
    expect(fp[31]).toBe(0x2d);
  });

  it('refuses an SDP with no fingerprint, a short one, or two different ones', () => {
    expect(sdpFingerprint('v=0\r\n')).toBeUndefined();
    expect(sdpFingerprint(sdp(FP.slice(0, -3)))).toBeUndefined();
    const other = FP.replace('D0', 'D1');
    expect(sdpFingerprint(`${sdp(FP)}a=fingerprint:sha-256 ${other}\r\n`)).toBeUndefined();
    expect(sdpFingerprint(`${sdp(FP)}a=fingerprint:sha-256 ${FP}\r\n`)).toBeDefined(); // the same twice is fine
  });

  it('derives a stable 27-char bound id that changes with any fingerprint byte', () => {
    const id = boundConnectionId(sdpFingerprint(sdp(FP))!);
    expect(id).toMatch(/^f[a-z2-7]{26}$/);
    expect(isBoundId(id)).toBe(true);
    expect(boundConnectionId(sdpFingerprint(sdp(FP))!)).toBe(id);
    expect(boundConnectionId(sdpFingerprint(sdp(FP.replace('0B', '0C')))!)).not.toBe(id);
    expect(sdpProvesId(sdp(FP), id)).toBe(true);
    expect(sdpProvesId(sdp(FP.replace('D0', 'D1')), id)).toBe(false);
  });

  it('tells bound ids from random ones', () => {
    expect(isBoundId('0123456789abcdef0123456789abcdef')).toBe(false);
    expect(isBoundId('f' + 'a'.repeat(25))).toBe(false);
  });
});
