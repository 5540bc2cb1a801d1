/**
 * Invite and reply codes: the out-of-band exchange that opens ONE data channel between a member
 * (the inviter) and a newcomer, with no server. A code is a non-trickle SDP stripped to what the
 * other side needs (ICE ufrag and pwd, the DTLS fingerprint and role, the candidates), packed in
 * binary, deflated where the platform has `CompressionStream` and it helps, then base64url.
 *
 * Layout (version 1): `header` byte, then the body (deflate-raw'd when the header says so).
 *
 * | field        | bytes            | meaning                                                       |
 * |--------------|------------------|---------------------------------------------------------------|
 * | header       | 1                | version << 4, bit 1 = reply (else invite), bit 0 = compressed |
 * | session tag  | 6                | 48-bit hash of the session id: a code for another session is refused |
 * | invite id    | 8                | random; single use, enforced by the inviter                   |
 * | expires at   | 4                | seconds since the epoch (the reply repeats the invite's)      |
 * | ufrag, pwd   | 1 + n each       | ICE credentials (`ice-char`s only)                            |
 * | fingerprint  | 32               | SHA-256 of the DTLS certificate                               |
 * | setup        | 1                | 0 actpass, 1 active, 2 passive                                |
 * | candidates   | 1 + per candidate| type, address (IPv4 4 B, IPv6 16 B, mDNS uuid 16 B, or a name), port (UDP only) |
 * | checksum     | 4                | hash of everything above (header included): corruption is caught |
 *
 * A code is peer input: decoding is bounded (length, decompressed size, counts), never throws,
 * and says why it refused (`InviteRejection`). Pure: no DOM and no WebRTC, only the platform's
 * (de)compression streams when present.
 */

import { hash53, hex } from './bytes.js';

export const INVITE_CODE_VERSION = 1;
/** Longest code text accepted (a version-1 code with 16 candidates stays far below). */
export const MAX_CODE_CHARS = 2048;
/** Most candidates a code carries: a LAN host has a few; more is noise for a QR code. */
export const MAX_CODE_CANDIDATES = 16;
/** Largest decompressed body accepted (deflate bombs stop here). */
const MAX_BODY_BYTES = 4096;
/** A clock on the other device may be this far off; an invite is accepted this long past its expiry by the newcomer. */
export const CLOCK_SKEW_MS = 60_000;

export type CodeKind = 'invite' | 'reply';
export type DtlsSetup = 'actpass' | 'active' | 'passive';
export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';

/** One UDP ICE candidate as a code carries it. */
export interface CodeCandidate {
  type: CandidateType;
  /** IPv4, IPv6, or a name such as an mDNS `<uuid>.local`. */
  address: string;
  port: number;
}

/** What one side's SDP must tell the other for ICE and DTLS to work. */
export interface IceParams {
  ufrag: string;
  pwd: string;
  /** SHA-256 fingerprint of the DTLS certificate, 32 bytes. */
  fingerprint: Uint8Array;
  setup: DtlsSetup;
  candidates: CodeCandidate[];
}

/** A decoded invite or reply. */
export interface InviteCode {
  kind: CodeKind;
  version: number;
  /** Hex of the 6-byte session tag. */
  sessionTag: string;
  /** Hex of the 8-byte invite id. */
  inviteId: string;
  expiresAtMs: number;
  ice: IceParams;
}

/** Why a code was refused. `used` and `unknown` come from the inviter's table of pending invites. */
export type InviteRejection = 'corrupted' | 'wrong-version' | 'unsupported' | 'wrong-kind' | 'wrong-session' | 'expired' | 'used' | 'unknown';

export type DecodeResult = { ok: true; code: InviteCode } | { ok: false; reason: InviteRejection; message: string };

const SETUPS: readonly DtlsSetup[] = ['actpass', 'active', 'passive'];
const TYPES: readonly CandidateType[] = ['host', 'srflx', 'prflx', 'relay'];
const ADDR_V4 = 4;
const ADDR_V6 = 6;
const ADDR_MDNS = 1;
const ADDR_NAME = 2;
const ICE_CHARS = /^[A-Za-z0-9+/]+$/;
const NAME_CHARS = /^[A-Za-z0-9.-]{1,253}$/;
const UUID_LOCAL = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\.local$/;

// ---- session tag and checksum ------------------------------------------------------------------

/** The 6-byte tag of a session id, as hex. @example sessionTagOf('room') // '3f…' (12 hex digits) */
export function sessionTagOf(sessionId: string): string {
  const h = hash53(new TextEncoder().encode(`mesh-signal invite ${sessionId}`), 0x1badb002);
  return Math.floor(h / 32).toString(16).padStart(12, '0').slice(-12);
}

function checksum(bytes: Uint8Array): number {
  return hash53(bytes, 0x5bd1e995) % 4294967296;
}

// ---- SDP ↔ IceParams ---------------------------------------------------------------------------

/**
 * The ICE/DTLS parameters of a complete (non-trickle) local SDP, or a reason it cannot be sent.
 * Keeps UDP candidates of component 1 only, at most MAX_CODE_CANDIDATES, in the SDP's order.
 */
export function iceFromSdp(sdp: string): IceParams | string {
  const line = (name: string): string | undefined => new RegExp(`^a=${name}:(.+?)\\s*$`, 'm').exec(sdp)?.[1];
  const ufrag = line('ice-ufrag');
  const pwd = line('ice-pwd');
  const fp = /^a=fingerprint:sha-256 ([0-9A-Fa-f:]{95})\s*$/m.exec(sdp)?.[1];
  const setup = line('setup') as DtlsSetup | undefined;
  if (!ufrag || !pwd || !validCredential(ufrag, 4) || !validCredential(pwd, 22)) return 'the SDP has no usable ice-ufrag/ice-pwd';
  if (!fp) return 'the SDP has no sha-256 fingerprint';
  if (!setup || !SETUPS.includes(setup)) return 'the SDP has no a=setup role';
  const candidates: CodeCandidate[] = [];
  for (const match of sdp.matchAll(/^a=candidate:\S+ (\d+) (\S+) \d+ (\S+) (\d+) typ (\S+)/gm)) {
    const [, component, protocol, address, port, type] = match as unknown as string[];
    if (component !== '1' || protocol!.toLowerCase() !== 'udp' || !TYPES.includes(type as CandidateType)) continue;
    const candidate = { type: type as CandidateType, address: address!, port: Number(port) };
    if (!validCandidate(candidate)) continue;
    if (candidates.length < MAX_CODE_CANDIDATES) candidates.push(candidate);
  }
  if (candidates.length === 0) return 'ICE gathered no UDP candidate (no network interface, or mDNS/loopback not allowed)';
  return { ufrag, pwd, fingerprint: Uint8Array.from(fp.split(':'), (h) => parseInt(h, 16)), setup, candidates };
}

/**
 * A remote description rebuilt from a code: one data-channel m-line, every candidate, end of
 * candidates. Chromium and Firefox accept it. `mid` must be the offer's (an answer echoes it).
 */
export function sdpFromIce(ice: IceParams, mid = '0'): string {
  const fingerprint = Array.from(ice.fingerprint, (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
  const lines = [
    'v=0',
    `o=- ${sessionVersionOf(ice)} 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    `a=group:BUNDLE ${mid}`,
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    `a=ice-ufrag:${ice.ufrag}`,
    `a=ice-pwd:${ice.pwd}`,
    `a=fingerprint:sha-256 ${fingerprint}`,
    `a=setup:${ice.setup}`,
    `a=mid:${mid}`,
    'a=sctp-port:5000',
    'a=max-message-size:262144',
  ];
  ice.candidates.forEach((c, i) => {
    // Priority as RFC 8445 recommends: type preference, then the order the other side listed.
    const typePref = { host: 126, prflx: 110, srflx: 100, relay: 0 }[c.type];
    const priority = typePref * 2 ** 24 + (65535 - i) * 256 + 255;
    const related = c.type === 'host' ? '' : ' raddr 0.0.0.0 rport 0';
    lines.push(`a=candidate:${i + 1} 1 udp ${priority} ${c.address} ${c.port} typ ${c.type}${related}`);
  });
  lines.push('a=end-of-candidates');
  return `${lines.join('\r\n')}\r\n`;
}

/** The `a=mid` of an SDP's first m-line (answers must echo the offer's). */
export function midOf(sdp: string): string | undefined {
  return /^a=mid:(\S+)\s*$/m.exec(sdp)?.[1];
}

function sessionVersionOf(ice: IceParams): number {
  let n = 0;
  for (const b of ice.fingerprint.subarray(0, 6)) n = n * 256 + b;
  return n;
}

function validCredential(value: string, minLength: number): boolean {
  return value.length >= minLength && value.length <= 255 && ICE_CHARS.test(value);
}

function validCandidate(c: CodeCandidate): boolean {
  if (!Number.isInteger(c.port) || c.port < 1 || c.port > 65535) return false;
  return addressKind(c.address) !== undefined;
}

function addressKind(address: string): number | undefined {
  if (parseV4(address)) return ADDR_V4;
  if (parseV6(address)) return ADDR_V6;
  if (UUID_LOCAL.test(address)) return ADDR_MDNS;
  if (NAME_CHARS.test(address)) return ADDR_NAME;
  return undefined;
}

function parseV4(address: string): number[] | undefined {
  const parts = address.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.map(Number);
}

function parseV6(address: string): Uint8Array | undefined {
  if (!/^[0-9A-Fa-f:]{2,39}$/.test(address)) return undefined;
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || (halves.length === 2 && missing < 1)) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (all.some((g) => !/^[0-9A-Fa-f]{1,4}$/.test(g))) return undefined;
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 255;
  });
  return out;
}

function formatV6(bytes: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(':'); // uncompressed form: every parser reads it
}

// ---- binary writer / reader --------------------------------------------------------------------

class Writer {
  private readonly bytes: number[] = [];
  u8(v: number): void {
    this.bytes.push(v & 255);
  }
  u16(v: number): void {
    this.u8(v >> 8);
    this.u8(v);
  }
  u32(v: number): void {
    this.u16(Math.floor(v / 65536));
    this.u16(v % 65536);
  }
  raw(b: ArrayLike<number>): void {
    for (let i = 0; i < b.length; i++) this.u8(b[i]!);
  }
  text(s: string): void {
    const b = new TextEncoder().encode(s);
    this.u8(b.length);
    this.raw(b);
  }
  done(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

/** Reads from a byte array; every read past the end returns undefined (never throws). */
class Reader {
  private at = 0;
  constructor(private readonly bytes: Uint8Array) {}
  get left(): number {
    return this.bytes.length - this.at;
  }
  take(n: number): Uint8Array | undefined {
    if (n > this.left) return undefined;
    const out = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  u8(): number | undefined {
    return this.take(1)?.[0];
  }
  u16(): number | undefined {
    const b = this.take(2);
    return b && (b[0]! << 8) | b[1]!;
  }
  u32(): number | undefined {
    const b = this.take(4);
    return b && ((b[0]! << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + b[3]!;
  }
  text(): string | undefined {
    const n = this.u8();
    const b = n === undefined ? undefined : this.take(n);
    return b && new TextDecoder('utf-8', { fatal: false }).decode(b);
  }
}

const bytesOfHex = (h: string): Uint8Array => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));

// ---- base64url and deflate ---------------------------------------------------------------------

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let k = 0; k < chars; k++) out += B64[(n >> (18 - 6 * k)) & 63];
  }
  return out;
}

function fromBase64Url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined;
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of text) {
    value = (value << 6) | B64.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >> bits) & 255);
    }
  }
  return Uint8Array.from(out);
}

type Streams = { CompressionStream?: new (format: string) => TransformStream<Uint8Array, Uint8Array>; DecompressionStream?: new (format: string) => TransformStream<Uint8Array, Uint8Array> };
const platform = globalThis as unknown as Streams;

/** Pipes bytes through a (de)compression stream; undefined on error or past `limit` bytes. */
async function transform(stream: TransformStream<Uint8Array, Uint8Array>, input: Uint8Array, limit: number): Promise<Uint8Array | undefined> {
  try {
    const writer = stream.writable.getWriter();
    writer.write(input).catch(() => {});
    writer.close().catch(() => {});
    const reader = stream.readable.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limit) {
        reader.cancel().catch(() => {});
        return undefined;
      }
      chunks.push(value);
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  } catch {
    return undefined;
  }
}

// ---- encode / decode ---------------------------------------------------------------------------

export interface EncodeFields {
  kind: CodeKind;
  sessionId: string;
  /** 16 hex digits. */
  inviteId: string;
  expiresAtMs: number;
  ice: IceParams;
}

/** A fresh random invite id (16 hex digits). */
export function newInviteId(): string {
  const b = new Uint8Array(8);
  crypto.getRandomValues(b);
  return hex(b);
}

/**
 * The code text for an invite or a reply. Deflated when the platform can and it is shorter.
 * @example await encodeInviteCode({ kind: 'invite', sessionId: 'room', inviteId: newInviteId(), expiresAtMs: Date.now() + 600_000, ice })
 */
export async function encodeInviteCode(fields: EncodeFields): Promise<string> {
  const ice = fields.ice;
  if (!/^[0-9a-f]{16}$/.test(fields.inviteId)) throw new TypeError('inviteId must be 16 hex digits');
  if (!validCredential(ice.ufrag, 4) || !validCredential(ice.pwd, 22) || ice.fingerprint.length !== 32) throw new TypeError('invalid ICE credentials or fingerprint');
  const w = new Writer();
  w.raw(bytesOfHex(sessionTagOf(fields.sessionId)));
  w.raw(bytesOfHex(fields.inviteId));
  w.u32(Math.max(0, Math.min(0xffffffff, Math.ceil(fields.expiresAtMs / 1000))));
  w.text(ice.ufrag);
  w.text(ice.pwd);
  w.raw(ice.fingerprint);
  w.u8(SETUPS.indexOf(ice.setup));
  const candidates = ice.candidates.filter(validCandidate).slice(0, MAX_CODE_CANDIDATES);
  w.u8(candidates.length);
  for (const c of candidates) {
    w.u8(TYPES.indexOf(c.type));
    const kind = addressKind(c.address)!;
    w.u8(kind);
    if (kind === ADDR_V4) w.raw(parseV4(c.address)!);
    else if (kind === ADDR_V6) w.raw(parseV6(c.address)!);
    else if (kind === ADDR_MDNS) w.raw(bytesOfHex(c.address.slice(0, 36).replace(/-/g, '')));
    else w.text(c.address);
    w.u16(c.port);
  }
  const header = (INVITE_CODE_VERSION << 4) | (fields.kind === 'reply' ? 2 : 0);
  const fieldBytes = w.done();
  const sum = checksum(Uint8Array.of(header, ...fieldBytes));
  const body = Uint8Array.of(...fieldBytes, (sum >>> 24) & 255, (sum >>> 16) & 255, (sum >>> 8) & 255, sum & 255);
  const deflated = platform.CompressionStream ? await transform(new platform.CompressionStream('deflate-raw'), body, MAX_BODY_BYTES) : undefined;
  if (deflated && deflated.length < body.length) return toBase64Url(Uint8Array.of(header | 1, ...deflated));
  return toBase64Url(Uint8Array.of(header, ...body));
}

export interface DecodeExpectations {
  kind: CodeKind;
  sessionId: string;
  /** Now, for the expiry check (default `Date.now()`). */
  nowMs?: number;
  /** Accept this long past expiry (the other device's clock may differ). Default CLOCK_SKEW_MS. */
  skewMs?: number;
}

const reject = (reason: InviteRejection, message: string): DecodeResult => ({ ok: false, reason, message });

/**
 * Decodes a code from peer input. Never throws: a refusal says why.
 * @example const r = await decodeInviteCode(text, { kind: 'invite', sessionId: 'room' }); if (!r.ok) show(r.message);
 */
export async function decodeInviteCode(input: unknown, expect: DecodeExpectations): Promise<DecodeResult> {
  try {
    if (typeof input !== 'string') return reject('corrupted', 'the code is not text');
    // People paste codes with spaces or line breaks, or the whole invite URL.
    const text = input.replace(/^.*[#&?](invite|reply)=/s, '').replace(/[&].*$/s, '').replace(/\s+/g, '');
    if (text.length === 0) return reject('corrupted', 'the code is empty');
    if (text.length > MAX_CODE_CHARS) return reject('corrupted', `the code is ${text.length} characters long (at most ${MAX_CODE_CHARS})`);
    const bytes = fromBase64Url(text);
    if (!bytes || bytes.length < 2) return reject('corrupted', 'the code is damaged (not base64url): copy it again, whole');
    const header = bytes[0]!;
    const version = header >> 4;
    if (version !== INVITE_CODE_VERSION) return reject('wrong-version', `the code is version ${version}; this page reads version ${INVITE_CODE_VERSION} (update the page that made it, or this one)`);
    let body = bytes.subarray(1);
    if (header & 1) {
      if (!platform.DecompressionStream) return reject('unsupported', 'the code is compressed and this browser has no DecompressionStream');
      const inflated = await transform(new platform.DecompressionStream('deflate-raw'), body, MAX_BODY_BYTES);
      if (!inflated) return reject('corrupted', 'the code is damaged (it does not decompress): copy it again, whole');
      body = inflated;
    }
    if (body.length < 5) return reject('corrupted', 'the code is damaged (too short)');
    const fields = body.subarray(0, body.length - 4);
    const sumBytes = body.subarray(body.length - 4);
    const sum = ((sumBytes[0]! << 24) >>> 0) + (sumBytes[1]! << 16) + (sumBytes[2]! << 8) + sumBytes[3]!;
    if (checksum(Uint8Array.of(header & ~1, ...fields)) !== sum) return reject('corrupted', 'the code is damaged (checksum mismatch): copy it again, whole');
    const code = parseFields(new Reader(fields), header);
    if (typeof code === 'string') return reject('corrupted', `the code is malformed: ${code}`);
    if (code.kind !== expect.kind) return reject('wrong-kind', `this is ${code.kind === 'invite' ? 'an invite' : 'a reply'} code; ${expect.kind === 'invite' ? 'an invite' : 'a reply'} was expected here`);
    if (code.sessionTag !== sessionTagOf(expect.sessionId)) return reject('wrong-session', `the code is for another session, not "${expect.sessionId.slice(0, 100)}"`);
    const now = expect.nowMs ?? Date.now();
    if (now > code.expiresAtMs + (expect.skewMs ?? CLOCK_SKEW_MS)) return reject('expired', `the invite expired at ${new Date(code.expiresAtMs).toISOString()}: ask for a new one`);
    return { ok: true, code };
  } catch (error) {
    return reject('corrupted', `the code could not be read (${(error as Error)?.message ?? error})`);
  }
}

function parseFields(r: Reader, header: number): InviteCode | string {
  const tag = r.take(6);
  const id = r.take(8);
  const expires = r.u32();
  const ufrag = r.text();
  const pwd = r.text();
  const fingerprint = r.take(32);
  const setup = SETUPS[r.u8() ?? 99];
  const count = r.u8();
  if (!tag || !id || expires === undefined || ufrag === undefined || pwd === undefined || !fingerprint || count === undefined) return 'truncated';
  if (!validCredential(ufrag, 4) || !validCredential(pwd, 22)) return 'bad ICE credentials';
  if (!setup) return 'bad DTLS role';
  if (count === 0 || count > MAX_CODE_CANDIDATES) return `${count} candidates (1 to ${MAX_CODE_CANDIDATES} allowed)`;
  const candidates: CodeCandidate[] = [];
  for (let i = 0; i < count; i++) {
    const type = TYPES[r.u8() ?? 99];
    const kind = r.u8();
    let address: string | undefined;
    if (kind === ADDR_V4) address = r.take(4)?.join('.');
    else if (kind === ADDR_V6) address = ((b) => b && formatV6(b))(r.take(16));
    else if (kind === ADDR_MDNS) address = ((b) => b && hex(b).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5.local'))(r.take(16));
    else if (kind === ADDR_NAME) address = r.text();
    const port = r.u16();
    if (!type || address === undefined || port === undefined) return `candidate ${i + 1} is truncated or of an unknown kind`;
    const candidate = { type, address, port };
    if (!validCandidate(candidate)) return `candidate ${i + 1} has a bad address or port`;
    candidates.push(candidate);
  }
  if (r.left !== 0) return `${r.left} bytes too many`;
  return {
    kind: header & 2 ? 'reply' : 'invite',
    version: header >> 4,
    sessionTag: hex(tag),
    inviteId: hex(id),
    expiresAtMs: expires * 1000,
    ice: { ufrag, pwd, fingerprint: Uint8Array.from(fingerprint), setup, candidates },
  };
}
