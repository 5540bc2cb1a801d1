/**
 * The real transport: a PeerJS rendezvous to get in, then a full mesh of simple-peer data
 * channels whose offers and answers travel over the mesh itself. After a join the PeerServer is
 * optional: members only need it to let newcomers in.
 *
 * @example
 * const session = initSession('team-room', { transport: createMeshTransport({ peerjs: { host: '192.168.1.10', port: 9000 } }) });
 */
import type { ConnectionInfo } from '../connection.js';
import type { JoinResult, LocalIdentity, Transport, TransportEvents, TransportFactory } from '../transport/types.js';
import { createPeerJsBootstrap } from '../bootstrap/peerjs.js';
import { DEFAULT_PEERJS_KEY, DEFAULT_PEERJS_PATH } from '../peerjs-defaults.js';
import { rendezvousPeerId, secretRendezvousPeerId } from '../bootstrap/rendezvous-id.js';
import type { SessionKey } from '../auth/session-key.js';
import { ErrorCode, SignalError } from '../signal/errors.js';
import type { Bootstrap, BootstrapChannel } from '../bootstrap/types.js';
import type { LinkFactory, WrtcClasses } from './link.js';
import { Mesh } from './mesh.js';
import { debugLogger } from './member.js';
import { Rendezvous, type MeshDoor } from './rendezvous.js';

/** Options of `createMeshTransport`. Every timeout has a default chosen for a LAN. */
export interface MeshOptions {
  /**
   * The PeerServer (`peer` package) used as a rendezvous. Defaults: the page's host and port,
   * path `/peerjs`, key `peerjs` (as `npm start` serves them), `secure` when the page is https.
   * Never the public PeerJS cloud.
   */
  peerjs?: { host?: string; port?: number; path?: string; secure?: boolean; key?: string };
  /** STUN/TURN servers. Default `[]`: LAN and loopback need none. */
  iceServers?: RTCIceServer[];
  /** `connect()` resolves by then even if some members are not linked (listed as `missing`). Default 15000. */
  joinTimeoutMs?: number;
  /** A `m.ping` goes to each member this often. Default 1000. */
  heartbeatIntervalMs?: number;
  /** A member silent this long is dropped as `networkDisconnected`. Default 4000. */
  heartbeatTimeoutMs?: number;
  /** A link whose data channel has not opened by then is abandoned. Default 10000. */
  linkTimeoutMs?: number;
  /**
   * How long a member whose link died stays a member (away, being re-linked) before it is
   * `peerLeft(networkDisconnected)`; also how long this client itself tries to get back after
   * losing every link before `disconnected('networkDisconnected')`. Default 20000.
   */
  reconnectGraceMs?: number;
  /** How long a member that said goodbye with "maybe back" (a reload) is kept. Default 5000. */
  reloadGraceMs?: number;
  /** Log link state changes, relays and retries: `true` to `console.debug`, or your own function. */
  debug?: boolean | ((line: string) => void);
  /** WebRTC classes for Node (`@roamhq/wrtc`); browsers use their own. */
  wrtc?: WrtcClasses;
  /** Replace the PeerJS rendezvous (tests: `createMemoryRendezvous()`; later an invite-code bootstrap). */
  bootstrap?: (sessionId: string) => Bootstrap;
  /** Replace simple-peer links (tests: `createMemoryLinks().factory`). */
  createLink?: LinkFactory;
  /**
   * The session secret: links become members only after a proof of it (`src/auth/`), and the
   * rendezvous id on the PeerServer is derived from it. See SECURITY.md.
   */
  secret?: string;
  /** An open link whose hello (and proof) is not done by then is closed. Default 5000. */
  helloTimeoutMs?: number;
}

/** The defaults of MeshOptions, in one place. */
export const MESH_DEFAULTS = {
  joinTimeoutMs: 15_000,
  heartbeatIntervalMs: 1_000,
  heartbeatTimeoutMs: 4_000,
  linkTimeoutMs: 10_000,
  reconnectGraceMs: 20_000,
  reloadGraceMs: 5_000,
  /** First wait before re-offering to an away member; doubles with jitter up to relinkMaxMs. */
  relinkInitialMs: 250,
  relinkMaxMs: 4_000,
  /** One member gets our member list this often, so views that disagree reconcile. */
  viewIntervalMs: 5_000,
  /** A goodbye may hold a link open this long to drain. */
  byeLingerMs: 500,
  /** Waiting for the PeerServer (claim) or for the holder to answer a dial. */
  serverTimeoutMs: 5_000,
  handshakeTimeoutMs: 5_000,
  retryInitialMs: 200,
  /** Claims in a row that find no PeerServer before a join gives up (about a second when refused). */
  unreachableAttempts: 3,
  retryMaxMs: 5_000,
} as const;

/**
 * A TransportFactory for the WebRTC mesh.
 * @example const factory = createMeshTransport({ peerjs: { host: '127.0.0.1', port: 9000, path: '/ms' } });
 */
export function createMeshTransport(options: MeshOptions = {}): TransportFactory {
  return (sessionId) => new MeshTransport(sessionId, options);
}

/** Options of `close()` beyond the Transport seam. */
export interface MeshCloseOptions {
  /**
   * Say goodbye as "maybe back" (`m.bye` with `back: true`): the others keep this member as
   * away for their `reloadGraceMs` instead of destroying it at once. For `pagehide` on a reload.
   */
  maybeBack?: boolean;
}

class MeshTransport implements Transport {
  #mesh: Mesh | undefined;
  #rendezvous: Rendezvous | undefined;
  #started = false;
  #destroyed = false;
  #joinWaiter: ((connectionId: string) => void) | undefined;
  #finishJoinWait: (() => void) | undefined;
  #events: TransportEvents | undefined;
  #log: ((line: string) => void) | undefined;
  /** Connected once: only then does losing every link count as this client's outage. */
  #entered = false;
  #cutOffAtMs = 0;
  #reconnectingNow = false;
  #giveUpTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set when a member refused our proof (or we its) while no member had joined us yet. */
  #joinRefused: SignalError | undefined;
  #joinedAny = false;

  readonly #sessionId: string;
  readonly #options: MeshOptions;

  constructor(
    sessionId: string,
    options: MeshOptions,
  ) {
    this.#sessionId = sessionId;
    this.#options = options;
  }

  async connect(self: ConnectionInfo, events: TransportEvents, identity?: LocalIdentity): Promise<JoinResult> {
    if (this.#started) throw new Error('mesh transport: connect() may be called once');
    this.#started = true;
    this.#events = events;
    const o = this.#options;
    const log = (this.#log = debugLogger(o.debug, self.connectionId));
    const joinTimeoutMs = o.joinTimeoutMs ?? MESH_DEFAULTS.joinTimeoutMs;
    const deadlineMs = performance.now() + joinTimeoutMs;
    // Stretched once per secret and session (~100 ms), before anything names the session.
    const key = o.secret !== undefined ? await sessionKeyFor(o.secret, this.#sessionId) : undefined;
    if (this.#destroyed) throw new Error('mesh transport: closed while connecting');
    const bootstrap = o.bootstrap ? o.bootstrap(this.#sessionId) : peerJsBootstrapFor(this.#sessionId, this.#options, key);
    const rendezvousConfig = {
      handshakeTimeoutMs: MESH_DEFAULTS.handshakeTimeoutMs,
      retryInitialMs: MESH_DEFAULTS.retryInitialMs,
      retryMaxMs: MESH_DEFAULTS.retryMaxMs,
      mergeWindowMs: o.linkTimeoutMs ?? MESH_DEFAULTS.linkTimeoutMs,
      log,
    };
    // The rendezvous builds the mesh behind it: the mesh's hooks for the point go to `door`.
    const createMesh = (door: MeshDoor): Mesh => new Mesh(
      self,
      {
        iceServers: o.iceServers ?? [],
        wrtc: o.wrtc,
        linkTimeoutMs: o.linkTimeoutMs ?? MESH_DEFAULTS.linkTimeoutMs,
        heartbeatIntervalMs: o.heartbeatIntervalMs ?? MESH_DEFAULTS.heartbeatIntervalMs,
        heartbeatTimeoutMs: o.heartbeatTimeoutMs ?? MESH_DEFAULTS.heartbeatTimeoutMs,
        byeLingerMs: MESH_DEFAULTS.byeLingerMs,
        reconnectGraceMs: this.#graceMs(),
        reloadGraceMs: o.reloadGraceMs ?? MESH_DEFAULTS.reloadGraceMs,
        relinkInitialMs: MESH_DEFAULTS.relinkInitialMs,
        relinkMaxMs: MESH_DEFAULTS.relinkMaxMs,
        viewIntervalMs: MESH_DEFAULTS.viewIntervalMs,
        certificate: identity?.certificate,
        linkKey: key?.linkKey,
        helloTimeoutMs: o.helloTimeoutMs,
        createLink: o.createLink,
        log,
      },
      {
        events,
        joinerRoute: (id) => door.joinerRoute(id),
        holding: () => door.holding,
        introducerSeen: (id) => door.introducerSeen(id),
        joined: (id) => {
          this.#joinedAny = true;
          this.#joinWaiter?.(id);
        },
        authFailed: (id, reason) => this.#onAuthFailed(id, reason),
        left: (id) => {
          this.#joinWaiter?.(id); // a member that left is not missing
          door.memberLeft(id);
        },
        away: (id) => door.memberAway(id),
        cutOff: (cut) => this.#onCutOff(cut),
        reconnecting: () => this.#reconnectingNow,
      },
    );
    const rendezvous = new Rendezvous(self, bootstrap, events, rendezvousConfig, createMesh);
    const mesh = rendezvous.mesh;
    this.#mesh = mesh;
    this.#rendezvous = rendezvous;

    const entry = await rendezvous.enter(deadlineMs, undefined, MESH_DEFAULTS.unreachableAttempts);
    if (this.#destroyed) throw new Error('mesh transport: closed while connecting');
    if (entry === 'unreachable') {
      this.close();
      throw new Error(`mesh transport: the PeerServer did not answer ${MESH_DEFAULTS.unreachableAttempts} tries in a row (is it running, and are peerjs host/port/path right?)`);
    }
    if (entry === 'timeout') {
      this.close();
      throw new Error(`mesh transport: no rendezvous for this session within ${joinTimeoutMs} ms (is the PeerServer reachable?)`);
    }
    if (entry === 'introducer') return this.#entry({ missing: [] });
    rendezvous.introducerId = entry.introducerId;
    const route = (frame: object): void => entry.channel.send(JSON.stringify(frame));
    for (const id of entry.members) mesh.offerTo(id, route);
    const missing = await this.#waitForJoined(entry.members, deadlineMs);
    rendezvous.dropChannel(entry.channel); // linked (or given up): the PeerServer is no longer needed
    if (this.#joinRefused) {
      this.close();
      throw this.#joinRefused;
    }
    if (this.#destroyed) throw new Error('mesh transport: closed while connecting');
    return this.#entry({ missing });
  }

  /**
   * A link's proof failed. While joining, before any member accepted us, that ends the join at
   * once with 1004 (a wrong secret fails against every member the same way; waiting for the join
   * timeout would only hide it). Later it is one refused link among others.
   */
  #onAuthFailed(connectionId: string, reason: string): void {
    if (this.#entered || this.#joinedAny || this.#joinRefused || this.#destroyed) return;
    this.#joinRefused = new SignalError(
      ErrorCode.AUTHENTICATION_ERROR,
      `could not join: member ${connectionId.slice(0, 64)} and this client do not share the session secret (${reason})`,
    );
    this.#finishJoinWait?.();
  }

  /** Joined: from now on, losing every link is this client's outage. */
  #entry(result: JoinResult): JoinResult {
    this.#entered = true;
    if (this.#mesh?.isCutOff()) queueMicrotask(() => this.#onCutOff(true));
    return result;
  }

  #graceMs(): number {
    return this.#options.reconnectGraceMs ?? MESH_DEFAULTS.reconnectGraceMs;
  }

  /**
   * Every member is away (or one is back). Cut off: re-enter through the rendezvous; if the
   * server is unreachable too, this client lost its network: `reconnecting`, and `disconnected`
   * if the grace period ends before any member is back. A lone member is never cut off.
   */
  #onCutOff(cut: boolean): void {
    if (this.#destroyed || !this.#entered) return;
    const mesh = this.#mesh!;
    if (cut) {
      this.#cutOffAtMs = performance.now();
      this.#listenOnline(true);
      void this.#rendezvous!.rejoin(
        () => !this.#destroyed && mesh.isCutOff(),
        () => this.#startReconnecting(),
      );
      return;
    }
    this.#listenOnline(false);
    if (!this.#reconnectingNow) return;
    this.#reconnectingNow = false;
    clearTimeout(this.#giveUpTimer);
    this.#giveUpTimer = undefined;
    this.#log?.('reconnected');
    this.#events!.reconnected();
  }

  /** In a page, the browser's `online` event wakes a rejoin that is waiting between tries. */
  #listenOnline(on: boolean): void {
    const target = globalThis as { addEventListener?: (t: string, f: () => void) => void; removeEventListener?: (t: string, f: () => void) => void };
    if (on) target.addEventListener?.('online', this.#onOnline);
    else target.removeEventListener?.('online', this.#onOnline);
  }

  readonly #onOnline = (): void => this.#rendezvous?.nudge();

  #startReconnecting(): void {
    if (this.#destroyed || this.#reconnectingNow || !this.#mesh!.isCutOff()) return;
    this.#reconnectingNow = true;
    this.#log?.('reconnecting: every link is away and the rendezvous server is unreachable');
    this.#events!.reconnecting();
    const leftMs = Math.max(0, this.#cutOffAtMs + this.#graceMs() - performance.now());
    this.#giveUpTimer = setTimeout(() => {
      this.#giveUpTimer = undefined;
      if (!this.#reconnectingNow || this.#destroyed) return;
      this.#log?.('disconnected: no member came back within the grace period');
      const events = this.#events!;
      this.close();
      events.disconnected('networkDisconnected');
    }, leftMs);
  }

  /**
   * Hook for invites: serve a newcomer that arrived on its own channel (an invite's data
   * channel) as this member's joiner. Closed at once when this transport is not connected.
   */
  serveChannel(channel: BootstrapChannel): void {
    if (this.#destroyed || !this.#rendezvous) return channel.close();
    this.#rendezvous.serveChannel(channel);
  }

  send(toConnectionId: string, frame: object): boolean {
    if (this.#destroyed || !this.#mesh) return false;
    return this.#mesh.send(toConnectionId, frame);
  }

  /** Leave (see Transport). `{ maybeBack: true }` on a reload: see MeshCloseOptions. */
  close(options: MeshCloseOptions = {}): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    clearTimeout(this.#giveUpTimer);
    this.#reconnectingNow = false;
    this.#listenOnline(false);
    this.#mesh?.close(options.maybeBack === true);
    this.#rendezvous?.close();
    this.#finishJoinWait?.();
  }

  /** A reload (the session's `pagehide`): the "maybe back" goodbye, then close (see Transport). */
  leaveForReload(): void {
    this.close({ maybeBack: true });
  }

  /** Resolves with the ids still not linked when all are, or at `deadlineMs`. */
  #waitForJoined(ids: string[], deadlineMs: number): Promise<string[]> {
    const mesh = this.#mesh!;
    const pending = new Set(ids.filter((id) => !mesh.isJoined(id)));
    return new Promise((resolve) => {
      if (pending.size === 0 || this.#destroyed) return resolve([...pending]);
      const finish = (): void => {
        clearTimeout(timer);
        this.#joinWaiter = this.#finishJoinWait = undefined;
        resolve([...pending]);
      };
      const timer = setTimeout(finish, Math.max(0, deadlineMs - performance.now()));
      this.#finishJoinWait = finish;
      this.#joinWaiter = (id) => {
        pending.delete(id);
        if (pending.size === 0) finish();
      };
    });
  }

}

/**
 * The keys of the session secret. The stretching code (scrypt, HMAC) is loaded here, on first
 * use: a page whose sessions have no secret never loads it.
 */
export async function sessionKeyFor(secret: string, sessionId: string): Promise<SessionKey> {
  const { deriveSessionKey } = await import('../auth/session-key.js');
  return deriveSessionKey(secret, sessionId);
}

/**
 * The PeerServer way in for `sessionId`: the point a secret names when the session has one. Both
 * ways in use it (this transport, and invite sessions that also name a PeerServer), so they meet
 * at the same point with the same defaults.
 */
export function peerJsBootstrapFor(sessionId: string, options: Pick<MeshOptions, 'peerjs' | 'iceServers'>, key: SessionKey | undefined): Bootstrap {
  const p = options.peerjs ?? {};
  const loc = (globalThis as { location?: { hostname?: string; port?: string; protocol?: string } }).location;
  const secure = p.secure ?? loc?.protocol === 'https:';
  const host = p.host ?? loc?.hostname;
  const port = p.port ?? (loc?.port ? Number(loc.port) : secure ? 443 : 80);
  if (!host) throw new Error('mesh transport: options.peerjs.host is required outside a web page');
  const rendezvousId = key ? secretRendezvousPeerId(key.rendezvousTag) : rendezvousPeerId(sessionId);
  return createPeerJsBootstrap(rendezvousId, {
    host,
    port,
    path: p.path ?? DEFAULT_PEERJS_PATH,
    secure,
    key: p.key ?? DEFAULT_PEERJS_KEY,
    iceServers: options.iceServers ?? [],
    serverTimeoutMs: MESH_DEFAULTS.serverTimeoutMs,
    dialTimeoutMs: MESH_DEFAULTS.serverTimeoutMs,
  });
}
