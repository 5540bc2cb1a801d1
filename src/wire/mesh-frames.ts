/**
 * The mesh's own control frames, and the one place that turns bytes from a channel into a value.
 *
 * Every frame is a JSON object with a string field `t`. Kinds starting with `m.` belong to the
 * mesh (this file); every other object goes up to the signal layer unvalidated. Everything here
 * is peer input: decoded from `unknown`, bounded, never thrown out of.
 *
 * | kind        | travels over            | meaning                                                   |
 * |-------------|-------------------------|-----------------------------------------------------------|
 * | `m.hello`   | mesh link, first frame  | who I am, whether I hold the rendezvous id; `auth: { nonce }` when I hold a session secret |
 * | `m.auth`    | mesh link, after hellos | my proof of the secret for this link (`auth-frames.ts`, `src/auth/`) |
 * | `m.peers`   | mesh link, after hello  | whom I am linked to (sent when the receiver joined me): gossip |
 * | `m.bye`     | mesh link               | I leave on purpose (`clientDisconnected`); `back: true`: I am reloading, keep me a few seconds |
 * | `m.view`    | mesh link               | whom I am linked to now (sent now and then to one member): views reconcile |
 * | `m.ping`    | mesh link               | I am alive (any frame counts; this one is sent when idle) |
 * | `m.intro`   | mesh link               | I now hold the rendezvous id                               |
 * | `m.sdp`     | mesh link or bootstrap  | an offer, answer or ICE candidate of link attempt `lid` from `from` to `to`, relayed if `to` is not the receiver |
 * | `m.join`    | bootstrap channel       | a newcomer introduces itself to the introducer            |
 * | `m.members` | bootstrap channel       | the introducer's answer: its id and the members to link to |
 */
import { MAX_CONNECTION_DATA_CHARS, type ConnectionInfo } from '../connection.js';
import { AUTH_KIND, decodeAuthFrame, decodeHelloAuth } from './auth-frames.js';
import { isRecord, type Decoded } from './values.js';

/**
 * Largest frame accepted from a channel, in UTF-8 bytes, checked before parsing. A signal's
 * data is at most 8192 bytes, but JSON escaping can grow it up to 6× (`\u0000`), so the bound
 * leaves room for the worst legal signal plus its envelope.
 */
export const MAX_FRAME_BYTES = 64 * 1024;
/** Longest connection id (or PeerJS id) accepted from a peer. */
export const MAX_ID_CHARS = 128;
/** Most members a `m.peers` or `m.members` frame may list. */
export const MAX_MEMBERS = 256;
/** Longest SDP accepted in an `m.sdp` frame. */
export const MAX_SDP_CHARS = 32 * 1024;
/** Longest ICE candidate line accepted. */
export const MAX_CANDIDATE_CHARS = 1024;
/** Longest link attempt id accepted. */
export const MAX_LINK_ID_CHARS = 64;
/** Prefix of every mesh control kind; the signal layer never sees these. */
export const MESH_KIND_PREFIX = 'm.';

/** An offer, an answer, or a trickled ICE candidate, as simple-peer emits them. */
export type SdpPayload =
  | { type: 'offer' | 'answer'; sdp: string }
  | { type: 'candidate'; candidate: { candidate: string; sdpMLineIndex: number | null; sdpMid: string | null } };

export type MeshFrame =
  | { t: 'm.hello'; info: ConnectionInfo; intro: boolean; auth?: { nonce: string } }
  | { t: 'm.auth'; proof: string }
  | { t: 'm.peers'; members: string[] }
  | { t: 'm.bye'; back?: boolean }
  | { t: 'm.view'; members: string[] }
  | { t: 'm.ping' }
  | { t: 'm.intro' }
  | { t: 'm.sdp'; from: string; to: string; lid: string; sdp: SdpPayload }
  | { t: 'm.join'; info: ConnectionInfo }
  | { t: 'm.members'; intro: string; members: string[] };

export type Parsed = { ok: true; value: unknown } | { ok: false; reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** JSON text starts with `{` or whitespace (tab is the lowest); a lower first byte marks a binary frame. */
const FIRST_TEXT_BYTE = 0x09;

/**
 * Bytes or text from a channel → one JSON value, or, for bytes whose first byte is below 0x09
 * (a binary frame of the signal layer), those bytes as they are, for `src/wire/signal-frames.ts`
 * to decode. Checks the size before decoding or parsing.
 * @example parseFrameBytes(new TextEncoder().encode('{"t":"m.ping"}')) // { ok: true, value: { t: 'm.ping' } }
 */
export function parseFrameBytes(raw: unknown): Parsed {
  let text: string;
  if (typeof raw === 'string') {
    // UTF-16 units never exceed UTF-8 bytes, so this rejects every over-long string cheaply.
    if (raw.length > MAX_FRAME_BYTES) return { ok: false, reason: `frame of ${raw.length} chars exceeds ${MAX_FRAME_BYTES} bytes` };
    text = raw;
  } else if (raw instanceof Uint8Array || raw instanceof ArrayBuffer) {
    const bytes = raw instanceof Uint8Array ? raw : new Uint8Array(raw);
    if (bytes.byteLength > MAX_FRAME_BYTES) return { ok: false, reason: `frame of ${bytes.byteLength} bytes exceeds ${MAX_FRAME_BYTES}` };
    // A binary frame of the signal layer (src/wire/signal-frames.ts): its bytes go up undecoded.
    if (bytes.byteLength > 0 && bytes[0]! < FIRST_TEXT_BYTE) return { ok: true, value: bytes };
    try {
      text = utf8.decode(bytes);
    } catch {
      return { ok: false, reason: `frame of ${bytes.byteLength} bytes is not valid UTF-8` };
    }
  } else {
    return { ok: false, reason: `frame of type ${typeof raw} is neither text nor bytes` };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, reason: `frame of ${text.length} chars is not JSON` };
  }
}

/** True when a parsed value claims to be a mesh control frame (its `t` starts with `m.`). */
export function isMeshKind(value: unknown): boolean {
  return isRecord(value) && typeof value.t === 'string' && value.t.startsWith(MESH_KIND_PREFIX);
}

/**
 * A parsed value → a typed mesh frame, or why not. Extra fields are ignored.
 * @example decodeMeshFrame({ t: 'm.bye' }) // { ok: true, frame: { t: 'm.bye' } }
 */
export function decodeMeshFrame(value: unknown): Decoded<MeshFrame> {
  if (!isRecord(value) || typeof value.t !== 'string') return fail('frame is not an object with a string t');
  switch (value.t) {
    case 'm.bye':
      if (value.back !== undefined && typeof value.back !== 'boolean') return fail('m.bye: back is not a boolean');
      return { ok: true, frame: value.back === true ? { t: 'm.bye', back: true } : { t: 'm.bye' } };
    case 'm.ping':
    case 'm.intro':
      return { ok: true, frame: { t: value.t } };
    case 'm.hello': {
      const info = decodeConnectionInfo(value.info);
      if (!info.ok) return fail(`m.hello: ${info.reason}`);
      if (typeof value.intro !== 'boolean') return fail('m.hello: intro is not a boolean');
      const auth = decodeHelloAuth(value.auth);
      if (!auth.ok) return fail(auth.reason);
      const hello: MeshFrame = { t: 'm.hello', info: info.frame, intro: value.intro };
      // Kept in its checked wire form (hex); `decodeHelloAuth` gives the bytes.
      if (auth.frame) hello.auth = { nonce: (value.auth as { nonce: string }).nonce };
      return { ok: true, frame: hello };
    }
    case AUTH_KIND: {
      const auth = decodeAuthFrame(value);
      if (!auth.ok) return fail(auth.reason);
      return { ok: true, frame: { t: 'm.auth', proof: value.proof as string } };
    }
    case 'm.peers': {
      const members = decodeIdList(value.members);
      if (!members.ok) return fail(`m.peers: ${members.reason}`);
      return { ok: true, frame: { t: 'm.peers', members: members.frame } };
    }
    case 'm.view': {
      const members = decodeIdList(value.members);
      if (!members.ok) return fail(`m.view: ${members.reason}`);
      return { ok: true, frame: { t: 'm.view', members: members.frame } };
    }
    case 'm.join': {
      const info = decodeConnectionInfo(value.info);
      if (!info.ok) return fail(`m.join: ${info.reason}`);
      return { ok: true, frame: { t: 'm.join', info: info.frame } };
    }
    case 'm.members': {
      if (!isConnectionId(value.intro)) return fail('m.members: intro is not an id');
      const members = decodeIdList(value.members);
      if (!members.ok) return fail(`m.members: ${members.reason}`);
      return { ok: true, frame: { t: 'm.members', intro: value.intro, members: members.frame } };
    }
    case 'm.sdp': {
      if (!isConnectionId(value.from)) return fail('m.sdp: from is not an id');
      if (!isConnectionId(value.to)) return fail('m.sdp: to is not an id');
      if (typeof value.lid !== 'string' || value.lid.length === 0 || value.lid.length > MAX_LINK_ID_CHARS) {
        return fail(`m.sdp: lid is not a string of 1..${MAX_LINK_ID_CHARS} chars`);
      }
      const sdp = decodeSdpPayload(value.sdp);
      if (!sdp.ok) return fail(`m.sdp: ${sdp.reason}`);
      return { ok: true, frame: { t: 'm.sdp', from: value.from, to: value.to, lid: value.lid, sdp: sdp.frame } };
    }
    default:
      return fail(`unknown mesh kind (${value.t.length} chars)`);
  }
}

/** A peer's self-description → ConnectionInfo, bounded like the local one. */
export function decodeConnectionInfo(value: unknown): Decoded<ConnectionInfo> {
  if (!isRecord(value)) return fail('info is not an object');
  if (!isConnectionId(value.connectionId)) return fail(`info.connectionId is not a string of 1..${MAX_ID_CHARS} chars`);
  if (typeof value.creationTime !== 'number' || !Number.isFinite(value.creationTime)) return fail('info.creationTime is not a finite number');
  if (typeof value.data !== 'string' || value.data.length > MAX_CONNECTION_DATA_CHARS) {
    return fail(`info.data is not a string of at most ${MAX_CONNECTION_DATA_CHARS} chars`);
  }
  return { ok: true, frame: { connectionId: value.connectionId, creationTime: value.creationTime, data: value.data } };
}

function decodeSdpPayload(sdp: unknown): Decoded<SdpPayload> {
  if (!isRecord(sdp)) return fail('sdp is not an object');
  if (sdp.type === 'offer' || sdp.type === 'answer') {
    if (typeof sdp.sdp !== 'string' || sdp.sdp.length === 0 || sdp.sdp.length > MAX_SDP_CHARS) {
      return fail(`sdp.sdp is not a string of 1..${MAX_SDP_CHARS} chars`);
    }
    return { ok: true, frame: { type: sdp.type, sdp: sdp.sdp } };
  }
  if (sdp.type !== 'candidate') return fail('sdp.type is not offer, answer or candidate');
  const c = sdp.candidate;
  if (!isRecord(c) || typeof c.candidate !== 'string' || c.candidate.length > MAX_CANDIDATE_CHARS) {
    return fail(`sdp.candidate.candidate is not a string of at most ${MAX_CANDIDATE_CHARS} chars`);
  }
  const index = c.sdpMLineIndex;
  if (index !== null && index !== undefined && !(Number.isInteger(index) && (index as number) >= 0 && (index as number) < 64)) {
    return fail('sdp.candidate.sdpMLineIndex is not a small integer or null');
  }
  const mid = c.sdpMid;
  if (mid !== null && mid !== undefined && !(typeof mid === 'string' && mid.length <= MAX_LINK_ID_CHARS)) {
    return fail('sdp.candidate.sdpMid is not a short string or null');
  }
  return {
    ok: true,
    frame: { type: 'candidate', candidate: { candidate: c.candidate, sdpMLineIndex: (index as number | null | undefined) ?? null, sdpMid: (mid as string | null | undefined) ?? null } },
  };
}

function decodeIdList(value: unknown): Decoded<string[]> {
  if (!Array.isArray(value)) return fail('members is not an array');
  if (value.length > MAX_MEMBERS) return fail(`members lists ${value.length} ids, more than ${MAX_MEMBERS}`);
  const ids: string[] = [];
  for (const id of value) {
    if (!isConnectionId(id)) return fail('members holds a value that is not an id');
    ids.push(id);
  }
  return { ok: true, frame: ids };
}

/** A connection id as a peer may send one: 1..MAX_ID_CHARS characters. */
function isConnectionId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_CHARS;
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}
