/**
 * Invites: the out-of-band exchange that opens one RTCDataChannel between a member (the inviter)
 * and a newcomer, with no server. That data channel is a BootstrapChannel: the inviter serves it
 * exactly like a newcomer that dialled a PeerServer (`m.join` → member list → relayed offers),
 * and the newcomer runs the same handshake as after a PeerJS dial. Codes: `src/wire/invite-code.ts`.
 *
 * One invite, on the inviter's side (`InviteDoor`):
 *
 * | state     | entered when                               | leaves to                                           |
 * |-----------|--------------------------------------------|-----------------------------------------------------|
 * | pending   | `createInvite()`: offer gathered, code made | linking on a valid reply; expired at `expiresAt`     |
 * | linking   | a reply for it was accepted (now used)     | open (channel handed out); failed after `linkTimeoutMs` |
 * | open      | the data channel opened                    | — (the channel's owner closes it)                    |
 * | expired / failed | final: peer connection closed, id kept as used until its expiry | —            |
 *
 * The newcomer's side (`answerInvite`): remote offer from the code → complete answer → reply code;
 * its channel must open within `replyTimeoutMs` (the time a person has to hand the reply back),
 * and the attempt fails at once if the browser gives up on the waiting link first.
 */
import { ErrorCode, SignalError } from '../signal/errors.js';
import { InviteError, INVITE_DEFAULTS } from './invite-error.js';
import {
  decodeInviteCode, encodeInviteCode, iceFromSdp, midOf, newInviteId, sdpFromIce,
  type InviteCode, type InviteRejection,
} from '../wire/invite-code.js';
import type { BootstrapChannel } from './types.js';
import { BufferedChannel } from './buffered-channel.js';
import { TimerSet } from './timer-set.js';

export { InviteError, INVITE_DEFAULTS, type InviteFailure } from './invite-error.js';

/** The RTCPeerConnection options both sides use. */
export interface InvitePeerOptions {
  /** Default `[]`: a LAN needs none (and a code then carries no public address). */
  iceServers?: RTCIceServer[];
  /** The session's DTLS certificate, so the invite link shows the member's own fingerprint. */
  certificate?: RTCCertificate;
  gatherTimeoutMs?: number;
  /** The RTCPeerConnection class (Node: from `@roamhq/wrtc`); default the global one. */
  RTCPeerConnection?: typeof RTCPeerConnection;
}

export interface InviteDoorOptions extends InvitePeerOptions {
  sessionId: string;
  expiresInMs?: number;
  linkTimeoutMs?: number;
}

export interface CreatedInvite {
  code: string;
  inviteId: string;
  expiresAtMs: number;
}

interface Pending {
  pc: RTCPeerConnection;
  channel: RTCDataChannel;
  /** Listening from the start: the newcomer's first frame can arrive before `acceptReply` resumes. */
  entry: DataChannelBootstrap;
  offerSdp: string;
  expiresAtMs: number;
  timer: ReturnType<typeof setTimeout>;
}

/** Most invites a member has waiting at once (each holds a peer connection). */
export const MAX_PENDING_INVITES = 16;

/** The inviter's side: makes invites, holds them until answered or expired, accepts replies. */
export class InviteDoor {
  private readonly pending = new Map<string, Pending>();
  /** Ids already answered or expired, until their expiry (then a reply is refused as expired anyway). */
  private readonly spent = new Map<string, { expiresAtMs: number; why: 'used' | 'expired' }>();
  private readonly timers = new TimerSet();
  private readonly linking = new Set<RTCPeerConnection>();
  private closed = false;

  constructor(private readonly options: InviteDoorOptions) {}

  /** A fresh invite: a peer connection with an offer and every candidate gathered, as a code. */
  async createInvite(expiresInMs = this.options.expiresInMs ?? INVITE_DEFAULTS.expiresInMs): Promise<CreatedInvite> {
    if (this.closed) throw new InviteError('closed', 'the session is not connected: invites are made by members');
    if (!(expiresInMs > 0 && expiresInMs <= 24 * 3600_000)) throw new RangeError(`expiresInMs must be between 1 ms and 24 h, not ${expiresInMs}`);
    if (this.pending.size >= MAX_PENDING_INVITES) throw new InviteError('closed', `${MAX_PENDING_INVITES} invites are already waiting for a reply: answer or let some expire first`);
    const pc = newPeerConnection(this.options);
    const channel = pc.createDataChannel('mesh-signal-invite', { ordered: true });
    try {
      await pc.setLocalDescription(await pc.createOffer());
      const sdp = await gathered(pc, this.options.gatherTimeoutMs ?? INVITE_DEFAULTS.gatherTimeoutMs);
      const ice = iceFromSdp(sdp);
      if (typeof ice === 'string') throw new InviteError('no-candidates', `cannot make an invite: ${ice}`);
      if (this.closed) throw new InviteError('closed', 'the session disconnected while the invite was made');
      const inviteId = newInviteId();
      const expiresAtMs = Date.now() + expiresInMs;
      const code = await encodeInviteCode({ kind: 'invite', sessionId: this.options.sessionId, inviteId, expiresAtMs, ice });
      const timer = this.timers.after(expiresInMs, () => this.expire(inviteId));
      this.pending.set(inviteId, { pc, channel, entry: new DataChannelBootstrap(pc, channel), offerSdp: sdp, expiresAtMs, timer });
      return { code, inviteId, expiresAtMs };
    } catch (error) {
      pc.close();
      throw error;
    }
  }

  /**
   * Takes a newcomer's reply: checks it (session, kind, ours, unused, unexpired), and resolves with
   * the open channel to the newcomer. The invite is spent as soon as a valid reply names it.
   */
  async acceptReply(text: unknown): Promise<BootstrapChannel> {
    const decoded = await decodeInviteCode(text, { kind: 'reply', sessionId: this.options.sessionId, skewMs: 0 });
    if (!decoded.ok) throw new InviteError(decoded.reason, `reply refused: ${decoded.message}`);
    const { inviteId, ice } = decoded.code;
    const entry = this.pending.get(inviteId);
    if (!entry) {
      const spent = this.spent.get(inviteId);
      if (spent?.why === 'used') throw new InviteError('used', 'reply refused: this invite was already used (an invite lets one person in): make a new one');
      if (spent?.why === 'expired') throw new InviteError('expired', 'reply refused: this invite expired: make a new one');
      throw new InviteError('unknown', 'reply refused: it answers an invite this page did not make (or made before a reload)');
    }
    this.pending.delete(inviteId);
    this.timers.cancel(entry.timer);
    this.spend(inviteId, entry.expiresAtMs, 'used');
    const linkTimeoutMs = this.options.linkTimeoutMs ?? INVITE_DEFAULTS.linkTimeoutMs;
    this.linking.add(entry.pc);
    try {
      // The channel can open, and the newcomer's m.join arrive, before this continues (the
      // browser may run those tasks first): `entry.entry` buffers it since the invite was made.
      await entry.pc.setRemoteDescription({ type: 'answer', sdp: sdpFromIce(ice, midOf(entry.offerSdp) ?? '0') });
      await opened(entry.channel, linkTimeoutMs, this.timers);
      if (this.closed) throw new InviteError('closed', 'the session disconnected while the invite link was opening');
      return entry.entry;
    } catch (error) {
      entry.pc.close();
      if (error instanceof InviteError) throw error;
      throw new InviteError('corrupted', `reply refused by WebRTC: ${(error as Error)?.message ?? error}`);
    } finally {
      this.linking.delete(entry.pc);
    }
  }

  /** Invites still waiting for a reply. */
  get waiting(): number {
    return this.pending.size;
  }

  /** Closes every waiting invite's peer connection and clears every timer. Safe twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.timers.clear();
    for (const p of this.pending.values()) p.pc.close();
    this.pending.clear();
    for (const pc of this.linking) pc.close();
    this.linking.clear();
    this.spent.clear();
  }

  private expire(inviteId: string): void {
    const entry = this.pending.get(inviteId);
    if (!entry) return;
    this.pending.delete(inviteId);
    entry.pc.close();
    this.spend(inviteId, entry.expiresAtMs, 'expired');
  }

  /** Remember a spent id for a while past its expiry (a late reply then reads "expired"). */
  private spend(inviteId: string, expiresAtMs: number, why: 'used' | 'expired'): void {
    this.spent.set(inviteId, { expiresAtMs, why });
    this.timers.after(Math.max(0, expiresAtMs - Date.now()) + 10 * 60_000, () => this.spent.delete(inviteId));
  }
}

export interface AnswerOptions extends InvitePeerOptions {
  sessionId: string;
  replyTimeoutMs?: number;
}

/** The newcomer's side of one invite. */
export interface InviteAnswer {
  /** The code to hand back to the inviter. */
  reply: string;
  /** The entry channel, once the inviter entered the reply and the link opened. */
  channel: Promise<BootstrapChannel>;
  /** Abandon: close the peer connection, clear the timer (the channel promise rejects). */
  cancel(): void;
}

/** Decodes an invite for this session (400 with a reason when it cannot be used). */
export async function readInvite(text: unknown, sessionId: string): Promise<InviteCode> {
  const decoded = await decodeInviteCode(text, { kind: 'invite', sessionId });
  if (!decoded.ok) throw new InviteError(decoded.reason, `invite refused: ${decoded.message}`);
  return decoded.code;
}

/** Answers a decoded invite: a complete answer as a reply code, and the channel to come. */
export async function answerInvite(invite: InviteCode, options: AnswerOptions): Promise<InviteAnswer> {
  const pc = newPeerConnection(options);
  let settle: { resolve(c: BootstrapChannel): void; reject(e: unknown): void } | undefined;
  const channel = new Promise<BootstrapChannel>((resolve, reject) => (settle = { resolve, reject }));
  channel.catch(() => {}); // the caller may stop listening (cancel): never an unhandled rejection
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fail = (error: InviteError): void => {
    clearTimeout(timer);
    pc.close();
    settle!.reject(error);
  };
  let open = false;
  pc.ondatachannel = ({ channel: dc }) => {
    const ready = (): void => {
      if (open) return; // one entry channel per invite: extra channels are ignored
      open = true;
      clearTimeout(timer);
      settle!.resolve(new DataChannelBootstrap(pc, dc));
    };
    if (dc.readyState === 'open') ready();
    else dc.addEventListener('open', ready, { once: true });
  };
  // The browser may give up on the waiting link before our timer does: say so at once.
  pc.addEventListener('connectionstatechange', () => {
    if (!open && pc.connectionState === 'failed') {
      fail(new InviteError('timeout', 'the link to the inviter failed before it opened: the reply was entered too late (browsers give up on a waiting link after a few minutes) or the two devices cannot reach each other; ask for a new invite'));
    }
  });
  try {
    await pc.setRemoteDescription({ type: 'offer', sdp: sdpFromIce(invite.ice) });
    await pc.setLocalDescription(await pc.createAnswer());
    const ice = iceFromSdp(await gathered(pc, options.gatherTimeoutMs ?? INVITE_DEFAULTS.gatherTimeoutMs));
    if (typeof ice === 'string') throw new InviteError('no-candidates', `cannot answer the invite: ${ice}`);
    const reply = await encodeInviteCode({ kind: 'reply', sessionId: options.sessionId, inviteId: invite.inviteId, expiresAtMs: invite.expiresAtMs, ice });
    const replyTimeoutMs = options.replyTimeoutMs ?? INVITE_DEFAULTS.replyTimeoutMs;
    timer = setTimeout(() => fail(new InviteError('timeout', `the inviter did not enter the reply within ${Math.round(replyTimeoutMs / 1000)} s (or the two devices cannot reach each other): ask for a new invite`)), replyTimeoutMs);
    return { reply, channel, cancel: () => fail(new InviteError('closed', 'joining by invite was cancelled')) };
  } catch (error) {
    pc.close();
    if (error instanceof InviteError) throw error;
    throw new InviteError('corrupted', `invite refused by WebRTC: ${(error as Error)?.message ?? error}`);
  }
}

function newPeerConnection(options: InvitePeerOptions): RTCPeerConnection {
  const Ctor = options.RTCPeerConnection ?? globalThis.RTCPeerConnection;
  if (typeof Ctor !== 'function') throw new InviteError('closed', 'this platform has no RTCPeerConnection');
  const config: RTCConfiguration = { iceServers: options.iceServers ?? [] };
  if (options.certificate) config.certificates = [options.certificate];
  return new Ctor(config);
}

/** The local SDP once ICE gathering completed, or at `timeoutMs` with what was gathered by then. */
function gathered(pc: RTCPeerConnection, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve(pc.localDescription?.sdp ?? '');
    };
    const check = (): void => {
      if (pc.iceGatheringState === 'complete') done();
    };
    const timer = setTimeout(done, timeoutMs);
    pc.addEventListener('icegatheringstatechange', check);
    check();
  });
}

/** Resolves when the channel opens; rejects (timeout/closed) otherwise. */
function opened(channel: RTCDataChannel, timeoutMs: number, timers: TimerSet): Promise<void> {
  if (channel.readyState === 'open') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const finish = (error?: InviteError): void => {
      timers.cancel(timer);
      channel.removeEventListener('open', onOpen);
      channel.removeEventListener('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onOpen = (): void => finish();
    const onClose = (): void => finish(new InviteError('timeout', 'the invite link closed before it opened'));
    const timer = timers.after(timeoutMs, () => finish(new InviteError('timeout', `the link to the newcomer did not open within ${Math.round(timeoutMs / 1000)} s of entering the reply: its page may have given up or the devices cannot reach each other; make a new invite`)));
    channel.addEventListener('open', onOpen);
    channel.addEventListener('close', onClose);
  });
}

/** Frames held for a listener that has not called `listen` yet. */
const MAX_UNHEARD_FRAMES = 256;

/** A BootstrapChannel over an invite's RTCDataChannel; closing it closes the peer connection. */
export class DataChannelBootstrap extends BufferedChannel {
  constructor(
    private readonly pc: RTCPeerConnection,
    private readonly dc: RTCDataChannel,
  ) {
    super(MAX_UNHEARD_FRAMES);
    dc.addEventListener('message', (e: MessageEvent) => this.deliver(e.data));
    dc.addEventListener('close', () => this.remoteGone());
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState === 'failed' || pc.connectionState === 'closed') this.remoteGone();
    });
  }

  send(text: string): void {
    if (this.closed || this.dc.readyState !== 'open') return;
    try {
      this.dc.send(text);
    } catch {
      this.remoteGone();
    }
  }

  close(): void {
    if (this.closed) return;
    this.markClosed();
    this.dc.close();
    this.pc.close();
  }
}
