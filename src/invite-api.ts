/**
 * The public invite API: `session.createInvite()`, `session.acceptReply(code)`, and sessions
 * started with `bootstrap: 'invite'` (no PeerServer at all). See the README's "No server".
 *
 * - Any member of a WebRTC mesh session (PeerServer-bootstrapped or not) can invite: the invite's
 *   data channel is handed to the mesh transport's `serveChannel`, which serves it like a
 *   newcomer that dialled the PeerServer. So invited peers and PeerServer peers of one session id
 *   end up in one mesh.
 * - A session with `bootstrap: 'invite'` never contacts a PeerServer. Without `invite` it is the
 *   first peer (connected alone at once); with `invite`, `connect()` decodes the invite (400 with
 *   a reason when it cannot be used), calls `onInviteReply(reply)`, waits for the inviter to enter
 *   that reply (up to `inviteReplyTimeout`), then joins through the inviter as after a PeerJS dial.
 */
import { reportError } from './events.js';
import { ErrorCode, SignalError } from './signal/errors.js';
import type { BootstrapChannel } from './bootstrap/types.js';
import { InviteError, INVITE_DEFAULTS } from './bootstrap/invite-error.js';
import type { InviteAnswer, InviteDoor } from './bootstrap/invite.js';
import { InviteEntryBootstrap } from './bootstrap/invite-entry.js';
import type { DecodeExpectations, DecodeResult } from './wire/invite-code.js';
import { createMeshTransport, peerJsBootstrapFor, sessionKeyFor, type MeshOptions } from './mesh/transport.js';
import type { JoinResult, LocalIdentity, Transport, TransportEvents, TransportFactory } from './transport/types.js';
import type { ConnectionInfo } from './connection.js';

export { InviteError, INVITE_DEFAULTS, type InviteFailure } from './bootstrap/invite-error.js';

/**
 * The invite machinery (the code format, SDP munging, the door) is a chunk of its own in the
 * browser build, loaded the first time a page makes, answers or reads an invite: a page that only
 * meets through a PeerServer never loads it (issue 10's weight budget).
 */
const loadInvites = () => import('./bootstrap/invite.js');

/**
 * Reads an invite or reply code: the same checks `connect()` and `acceptReply()` make.
 * @example const r = await decodeInviteCode(code, { kind: 'invite', sessionId: 'room' }); if (!r.ok) console.log(r.reason);
 */
export async function decodeInviteCode(input: unknown, expect: DecodeExpectations): Promise<DecodeResult> {
  return (await import('./wire/invite-code.js')).decodeInviteCode(input, expect);
}

/** `session.createInvite()`'s options. */
export interface InviteOptions {
  /** How long the invite can be answered (ms). Default 10 minutes. */
  expiresIn?: number;
  /** The page the URL opens. Default: this page's address without its fragment. */
  baseUrl?: string;
}

/** An invite for one newcomer. */
export interface Invite {
  /** The code (base64url) to hand over: as text, or as a QR code. */
  code: string;
  /** `baseUrl#session=<id>&invite=<code>`: the fragment never reaches any server. */
  url: string;
  /** When the invite stops being accepted (epoch ms). */
  expiresAt: number;
}

/** What a Session needs to offer invites (absent: its transport cannot serve them). */
export interface InviteHost {
  create(options?: InviteOptions): Promise<Invite>;
  acceptReply(code: unknown): Promise<void>;
}

/** A transport that can serve a newcomer on a channel of its own (the mesh transport). */
interface ChannelServer extends Transport {
  serveChannel(channel: BootstrapChannel): void;
}

function servesChannels(t: Transport | undefined): t is ChannelServer {
  return typeof (t as Partial<ChannelServer> | undefined)?.serveChannel === 'function';
}

export interface InviteHostOptions {
  iceServers?: RTCIceServer[];
  /** Default expiry of an invite (ms). */
  expiresIn?: number;
}

/**
 * Wraps a session's TransportFactory so invites reach whichever transport is current.
 * @example const invites = new SessionInvites('room'); initSessionCore({ transport: invites.track(factory), invites });
 */
export class SessionInvites implements InviteHost {
  private current: { transport: Transport; identity?: LocalIdentity; door?: InviteDoor } | undefined;

  constructor(
    private readonly sessionId: string,
    private readonly options: InviteHostOptions = {},
  ) {}

  /**
   * The factory the session uses: the very same transports (every method kept), remembered for
   * `create`/`acceptReply`; closing one also closes its waiting invites.
   */
  track(factory: TransportFactory): TransportFactory {
    return (sessionId) => {
      const transport = factory(sessionId);
      const slot: { transport: Transport; identity?: LocalIdentity; door?: InviteDoor } = { transport };
      this.current = slot;
      const connect = transport.connect.bind(transport);
      // Arguments pass through: the mesh's own leaveForReload() calls close({ maybeBack: true }).
      const close = transport.close.bind(transport) as (...args: unknown[]) => void;
      transport.connect = (self: ConnectionInfo, events: TransportEvents, identity?: LocalIdentity) => {
        if (identity) slot.identity = identity;
        return connect(self, events, identity);
      };
      transport.close = (...args: unknown[]) => {
        slot.door?.close();
        if (this.current === slot) this.current = undefined;
        close(...args);
      };
      return transport;
    };
  }

  async create(options: InviteOptions = {}): Promise<Invite> {
    const door = await this.door();
    const invite = await door.createInvite(options.expiresIn ?? this.options.expiresIn);
    const base = options.baseUrl ?? pageUrl();
    const url = `${base}#session=${encodeURIComponent(this.sessionId)}&invite=${invite.code}`;
    return { code: invite.code, url, expiresAt: invite.expiresAtMs };
  }

  async acceptReply(code: unknown): Promise<void> {
    const door = await this.door();
    const channel = await door.acceptReply(code);
    const slot = this.current;
    if (!slot || slot.door !== door || !servesChannels(slot.transport)) {
      channel.close();
      throw new InviteError('not-connected', 'the session disconnected before the newcomer could be let in');
    }
    slot.transport.serveChannel(channel);
  }

  private async door(): Promise<InviteDoor> {
    this.servingSlot();
    const { InviteDoor } = await loadInvites();
    const slot = this.servingSlot(); // again: the session may have disconnected while it loaded
    slot.door ??= new InviteDoor({
      sessionId: this.sessionId,
      iceServers: this.options.iceServers ?? [],
      ...(slot.identity?.certificate ? { certificate: slot.identity.certificate } : {}),
    });
    return slot.door;
  }

  private servingSlot(): NonNullable<SessionInvites['current']> {
    const slot = this.current;
    if (!slot) throw new InviteError('not-connected', 'invites are made and answered by a connected member: call connect() first');
    if (!servesChannels(slot.transport)) throw new InviteError('not-connected', "this session's transport cannot let newcomers in by invite (only the WebRTC mesh can)");
    return slot;
  }
}

function pageUrl(): string {
  const href = (globalThis as { location?: { href?: string } }).location?.href ?? '';
  return href.replace(/#.*$/, '');
}

/** What `bootstrap: 'invite'` needs beyond the mesh options. */
export interface InviteEntryOptions {
  /** The invite to join by (its code or URL); none: this is the session's first peer. */
  invite?: string;
  /** Gets the reply code to hand back to the inviter. Called once, during `connect()`. */
  onReply?: (reply: string) => void;
  /** How long the newcomer waits for the inviter to enter its reply (ms). Default 3 minutes. */
  replyTimeoutMs?: number;
  /**
   * A PeerServer the app also configured: members then claim (or dial) its point too, so they
   * take part in PeerServer succession and mixed rooms merge. Absent: no server is contacted.
   */
  peerjs?: MeshOptions['peerjs'];
}

/**
 * A TransportFactory for `bootstrap: 'invite'`: the WebRTC mesh, entered through an invite's
 * channel (or alone), never through a PeerServer.
 */
export function createInviteTransport(mesh: MeshOptions, entry: InviteEntryOptions): TransportFactory {
  return (sessionId) => new InviteEntryTransport(sessionId, mesh, entry);
}

class InviteEntryTransport implements ChannelServer {
  private inner: ReturnType<ReturnType<typeof createMeshTransport>> | undefined;
  private answer: InviteAnswer | undefined;
  private closed = false;

  constructor(
    private readonly sessionId: string,
    private readonly mesh: MeshOptions,
    private readonly entry: InviteEntryOptions,
  ) {}

  async connect(self: ConnectionInfo, events: TransportEvents, identity?: LocalIdentity): Promise<JoinResult> {
    let channel: BootstrapChannel | undefined;
    if (this.entry.invite !== undefined) {
      const { answerInvite, readInvite } = await loadInvites();
      const invite = await readInvite(this.entry.invite, this.sessionId);
      this.answer = await answerInvite(invite, {
        sessionId: this.sessionId,
        iceServers: this.mesh.iceServers ?? [],
        replyTimeoutMs: this.entry.replyTimeoutMs ?? INVITE_DEFAULTS.replyTimeoutMs,
        ...(identity?.certificate ? { certificate: identity.certificate } : {}),
      });
      if (this.closed) this.answer.cancel();
      else reportErrors(() => this.entry.onReply?.(this.answer!.reply));
      channel = await this.answer.channel;
      if (this.closed) {
        channel.close();
        throw new InviteError('closed', 'disconnect() was called while joining by invite');
      }
    }
    // The secret's key is derived once per page (cached): the mesh transport gets the same one.
    const key = this.mesh.secret !== undefined ? await sessionKeyFor(this.mesh.secret, this.sessionId) : undefined;
    if (this.closed) {
      channel?.close();
      throw new InviteError('closed', 'disconnect() was called while joining by invite');
    }
    const server = this.entry.peerjs ? peerJsBootstrapFor(this.sessionId, { ...this.mesh, peerjs: this.entry.peerjs }, key) : undefined;
    const bootstrap = new InviteEntryBootstrap(channel, server);
    this.inner = createMeshTransport({ ...this.mesh, bootstrap: () => bootstrap })(this.sessionId);
    try {
      const joined = await this.inner.connect(self, events, identity);
      bootstrap.joined();
      return joined;
    } catch (error) {
      // A refused proof of the session secret is not the invite's fault: 1004, as through a PeerServer.
      if (error instanceof SignalError && error.code === ErrorCode.AUTHENTICATION_ERROR) throw error;
      if (channel) throw new InviteError('timeout', `the inviter's page opened the link but did not let this page into the mesh (${(error as Error)?.message ?? error})`);
      throw error;
    }
  }

  serveChannel(channel: BootstrapChannel): void {
    if (!this.inner || this.closed) return channel.close();
    (this.inner as unknown as ChannelServer).serveChannel(channel);
  }

  send(toConnectionId: string, frame: object): boolean {
    return this.inner?.send(toConnectionId, frame) ?? false;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.answer?.cancel();
    this.inner?.close();
  }

  /**
   * A page reload: the mesh's "maybe back" goodbye (README "Reload"), as through a PeerServer.
   * Without it the session closed with a final goodbye, and the reloaded page came back as a new
   * Connection. `this.close()` first (without the mesh), so the invite wrapper closes its door.
   */
  leaveForReload(): void {
    const inner = this.inner;
    this.inner = undefined;
    this.close();
    if (inner?.leaveForReload) inner.leaveForReload();
    else inner?.close();
  }
}

function reportErrors(run: () => void): void {
  try {
    run();
  } catch (error) {
    reportError(error);
  }
}
