/**
 * Per-tab identity: a reloaded tab rejoins as the same Connection (same `connectionId`,
 * `creationTime`, `data`), a new or duplicated tab gets a new one.
 *
 * Where things live (per session id):
 * - sessionStorage (per tab, survives a reload, copied into a duplicated tab):
 *   `{ connectionId, creationTime, data, certKey }`, and the delivery state of that identity
 *   (next signal id, receiver high-water marks; see `saveDeliveryState`).
 * - IndexedDB (idb-keyval): the DTLS certificate under `['cert', certKey]`. The connection id is
 *   `boundConnectionId(fingerprint)` of it, so peers can check every link's SDP against the id.
 *
 * A duplicated tab starts with a copy of the original's sessionStorage. Before reusing a stored
 * identity, a tab asks over a BroadcastChannel whether a live tab holds it and waits
 * `claimWaitMs`; a holder answers, and the asker mints a new identity. (`navigator.locks` would be
 * neater but does not exist on a plain-http LAN page.) Two sessions for one session id in one page:
 * the second gets a new identity that is not stored.
 *
 * Decision on `connect({ data })` after a reload: the stored identity is reused only when the
 * data is the same; other data makes a new Connection (the old one leaves after the transport's
 * grace period), because a Connection's data never changes under the other members.
 *
 * Everything degrades: no sessionStorage, no IndexedDB, no `generateCertificate` (Node, private
 * mode) → a random, unbound id that is not kept; nothing here throws into `connect()`.
 */
import type { ConnectionInfo } from '../connection.js';
import { randomId } from '../ids.js';
import { boundConnectionId, sdpFingerprint } from './fingerprint.js';
import { del, get, set } from 'idb-keyval';
import type { UseStore } from './idb-store.js';
import { defaultIdbStore } from '../delivery/outbox.js';

/** The part of `Storage` (sessionStorage) used here. */
export interface KeyValue {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** The part of `BroadcastChannel` used here. */
export interface ChannelLike {
  postMessage(message: unknown): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  close(): void;
}

/** Where a session keeps what must survive a reload. `initSession` builds the browser's. */
export interface Persistence {
  /** Per-tab storage (sessionStorage). */
  tab: KeyValue;
  /** idb-keyval store for certificates and the outbox; undefined: memory only (with a warning). */
  idb: UseStore | undefined;
  /** Opens a BroadcastChannel; undefined: duplicated tabs cannot be told apart (never reuse). */
  openChannel: ((name: string) => ChannelLike) | undefined;
  /** Makes this client's DTLS certificate; undefined: the id is random and unbound. */
  generateCertificate: (() => Promise<RTCCertificate>) | undefined;
  /** How long a tab waits for another tab to say it holds the stored identity (ms). */
  claimWaitMs: number;
}

/** Default wait for another tab's answer: BroadcastChannel delivers within a few ms in one browser. */
export const DEFAULT_CLAIM_WAIT_MS = 150;
/** A certificate is made valid this long (browsers default to 30 days). */
export const CERTIFICATE_LIFETIME_MS = 365 * 24 * 3600 * 1000;
/** A stored certificate that expires within this is replaced by a new identity. */
const CERTIFICATE_MARGIN_MS = 24 * 3600 * 1000;
const CHANNEL_NAME = 'mesh-signal:identity';

/** The browser's persistence, or undefined where there is no sessionStorage or IndexedDB (Node). */
export function browserPersistence(): Persistence | undefined {
  let tab: KeyValue | undefined;
  try {
    tab = globalThis.sessionStorage; // a sandboxed frame throws on access
  } catch {
    return undefined;
  }
  if (!tab || typeof indexedDB === 'undefined') return undefined;
  const pc = globalThis.RTCPeerConnection as typeof RTCPeerConnection | undefined;
  return {
    tab,
    idb: defaultIdbStore(),
    openChannel: typeof BroadcastChannel === 'function' ? (name) => new BroadcastChannel(name) as unknown as ChannelLike : undefined,
    generateCertificate: typeof pc?.generateCertificate === 'function'
      ? () => pc.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256', expires: CERTIFICATE_LIFETIME_MS } as AlgorithmIdentifier)
      : undefined,
    claimWaitMs: DEFAULT_CLAIM_WAIT_MS,
  };
}

/** What `claimIdentity` gives a connecting session. */
export interface ClaimedIdentity {
  info: ConnectionInfo;
  certificate: RTCCertificate | undefined;
  /** True: the identity a previous page of this tab used (its outbox and delivery state apply). */
  resumed: boolean;
  /** False for a second session of the same id in one page: nothing of it is stored. */
  stored: boolean;
  /**
   * The stored identity this tab had and gave up (other `data`, or its certificate is gone):
   * what its outbox holds can no longer be sent, the session reports it failed.
   */
  abandoned: string | undefined;
  /** Stops answering for this identity (the session ended). */
  release(): void;
  /**
   * Forgets this identity for good (the client left): sessionStorage at once, so a `connect()`
   * right after gets a new stored identity; the certificate in IndexedDB in the background.
   */
  forget(): void;
}

interface StoredIdentity {
  connectionId: string;
  creationTime: number;
  data: string;
  certKey?: string;
}

/** Identities held by live sessions of this page, per tab storage. */
const heldInPage = new WeakMap<KeyValue, Set<string>>();

const identityKey = (sessionId: string) => `mesh-signal:${sessionId}:identity`;
const deliveryKey = (sessionId: string, connectionId: string) => `mesh-signal:${sessionId}:delivery:${connectionId}`;

/**
 * The identity to connect with: the stored one when this tab had it and no other live tab holds
 * it, else a new one (stored for the next reload). `warn` hears what degraded.
 */
export async function claimIdentity(p: Persistence, sessionId: string, data: string, warn: (reason: string) => void): Promise<ClaimedIdentity> {
  let held = heldInPage.get(p.tab);
  if (!held) heldInPage.set(p.tab, (held = new Set()));
  const key = identityKey(sessionId);
  const stored = readJson(p.tab, key, isStoredIdentity, warn);
  const holding = new Holding(p, sessionId, held);
  let abandoned: StoredIdentity | undefined;

  if (stored && !held.has(stored.connectionId)) {
    // Asked even when the data differs: what a live tab holds must not be abandoned under it.
    holding.hold(stored.connectionId);
    const sameData = stored.data === data;
    const [takenElsewhere, certificate] = await Promise.all([
      holding.askOthers(stored.connectionId),
      sameData && stored.certKey ? loadCertificate(p, stored.certKey, stored.connectionId, warn) : Promise.resolve(undefined),
    ]);
    const certOk = stored.certKey ? certificate !== undefined : p.generateCertificate === undefined;
    if (sameData && !takenElsewhere && certOk) {
      return holding.result({ connectionId: stored.connectionId, creationTime: stored.creationTime, data }, certificate, true, true, stored.certKey, undefined);
    }
    holding.drop(stored.connectionId);
    if (!takenElsewhere) abandoned = stored;
  }
  if (abandoned) {
    removeItem(p.tab, deliveryKey(sessionId, abandoned.connectionId));
    if (abandoned.certKey && p.idb) void del(['cert', abandoned.certKey], p.idb).catch(() => {});
  }

  // A new identity. A second session of this id in this page does not overwrite the stored one.
  const secondInPage = stored !== undefined && held.has(stored.connectionId);
  const certificate = await makeCertificate(p, warn);
  const fingerprint = certificate ? certificateFingerprint(certificate) : undefined;
  const connectionId = fingerprint ? boundConnectionId(fingerprint) : randomId();
  let certKey: string | undefined;
  if (certificate && !secondInPage && p.idb) {
    certKey = randomId();
    try {
      await set(['cert', certKey], certificate, p.idb);
    } catch (error) {
      warn(`could not store the certificate in IndexedDB (${(error as Error)?.message ?? error}): a reload will be a new connection`);
      certKey = undefined;
    }
  }
  const info = { connectionId, creationTime: Date.now(), data };
  holding.hold(connectionId);
  if (!secondInPage && (certKey || !certificate)) {
    writeJson(p.tab, key, { ...info, ...(certKey ? { certKey } : {}) } satisfies StoredIdentity, warn);
  }
  return holding.result(info, certificate, false, !secondInPage, certKey, abandoned?.connectionId);
}

/** The delivery state of an identity kept across a reload: next signal id and receiver marks. */
export interface DeliveryState {
  nextId: number;
  seen: [string, number][];
}

export function loadDeliveryState(p: Persistence, sessionId: string, connectionId: string): DeliveryState | undefined {
  return readJson(p.tab, deliveryKey(sessionId, connectionId), isDeliveryState, () => {});
}

export function saveDeliveryState(p: Persistence, sessionId: string, connectionId: string, state: DeliveryState, warn: (reason: string) => void): void {
  writeJson(p.tab, deliveryKey(sessionId, connectionId), state, warn);
}

/** The SHA-256 fingerprint of a certificate (as in its SDP), or undefined. */
export function certificateFingerprint(certificate: RTCCertificate): Uint8Array | undefined {
  try {
    const sha = certificate.getFingerprints?.().find((f) => f.algorithm?.toLowerCase() === 'sha-256');
    return sha?.value ? sdpFingerprint(`a=fingerprint:sha-256 ${sha.value}\r\n`) : undefined;
  } catch {
    return undefined;
  }
}

/** One session's hold on its identity: answers other tabs that ask for it. */
class Holding {
  #channel: ChannelLike | undefined;
  readonly #mine = new Set<string>();
  #answered: ((id: string) => void) | undefined;
  #askTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly p: Persistence, readonly sessionId: string, readonly held: Set<string>) {
    try {
      this.#channel = p.openChannel?.(CHANNEL_NAME);
    } catch {
      this.#channel = undefined;
    }
    if (this.#channel) this.#channel.onmessage = (event) => this.#heard(event.data);
  }

  hold(id: string): void {
    this.#mine.add(id);
    this.held.add(id);
  }

  drop(id: string): void {
    this.#mine.delete(id);
    this.held.delete(id);
  }

  /** True when another live tab says it holds `id`. Without a channel nobody can say: false. */
  askOthers(id: string): Promise<boolean> {
    const channel = this.#channel;
    if (!channel) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.#askTimer = setTimeout(() => {
        this.#askTimer = undefined;
        this.#answered = undefined;
        resolve(false);
      }, this.p.claimWaitMs);
      this.#answered = (answeredId) => {
        if (answeredId !== id) return;
        clearTimeout(this.#askTimer);
        this.#askTimer = undefined;
        this.#answered = undefined;
        resolve(true);
      };
      channel.postMessage({ t: 'who', session: this.sessionId, id });
    });
  }

  result(info: ConnectionInfo, certificate: RTCCertificate | undefined, resumed: boolean, stored: boolean, certKey: string | undefined, abandoned: string | undefined): ClaimedIdentity {
    const release = () => {
      for (const id of this.#mine) this.held.delete(id);
      this.#mine.clear();
      if (this.#channel) this.#channel.onmessage = null;
      this.#channel?.close();
      this.#channel = undefined;
    };
    return {
      info,
      certificate,
      resumed,
      stored,
      abandoned,
      release,
      forget: () => {
        release();
        if (!stored) return;
        const key = identityKey(this.sessionId);
        const current = readJson(this.p.tab, key, isStoredIdentity, () => {});
        if (current?.connectionId === info.connectionId) removeItem(this.p.tab, key);
        removeItem(this.p.tab, deliveryKey(this.sessionId, info.connectionId));
        if (certKey && this.p.idb) void del(['cert', certKey], this.p.idb).catch(() => {});
      },
    };
  }

  #heard(message: unknown): void {
    const m = message as { t?: unknown; session?: unknown; id?: unknown };
    if (typeof m !== 'object' || m === null || m.session !== this.sessionId || typeof m.id !== 'string') return;
    if (m.t === 'who' && this.#mine.has(m.id)) this.#channel?.postMessage({ t: 'mine', session: this.sessionId, id: m.id });
    else if (m.t === 'mine') this.#answered?.(m.id);
  }
}

async function makeCertificate(p: Persistence, warn: (reason: string) => void): Promise<RTCCertificate | undefined> {
  if (!p.generateCertificate) return undefined;
  try {
    return await p.generateCertificate();
  } catch (error) {
    warn(`could not generate a DTLS certificate (${(error as Error)?.message ?? error}): the connection id is not bound to one`);
    return undefined;
  }
}

/** The stored certificate, if it is there, not about to expire, and still proves `connectionId`. */
async function loadCertificate(p: Persistence, certKey: string, connectionId: string, warn: (reason: string) => void): Promise<RTCCertificate | undefined> {
  if (!p.idb) return undefined;
  try {
    const certificate = await get<RTCCertificate>(['cert', certKey], p.idb);
    if (!certificate || typeof certificate.getFingerprints !== 'function') return undefined;
    if (!(certificate.expires > Date.now() + CERTIFICATE_MARGIN_MS)) return undefined;
    const fingerprint = certificateFingerprint(certificate);
    return fingerprint && boundConnectionId(fingerprint) === connectionId ? certificate : undefined;
  } catch (error) {
    warn(`could not read the certificate from IndexedDB (${(error as Error)?.message ?? error})`);
    return undefined;
  }
}

function readJson<T>(tab: KeyValue, key: string, check: (value: unknown) => value is T, warn: (reason: string) => void): T | undefined {
  try {
    const text = tab.getItem(key);
    if (text === null) return undefined;
    const value: unknown = JSON.parse(text);
    return check(value) ? value : undefined;
  } catch (error) {
    warn(`could not read sessionStorage (${(error as Error)?.message ?? error})`);
    return undefined;
  }
}

function writeJson(tab: KeyValue, key: string, value: unknown, warn: (reason: string) => void): void {
  try {
    tab.setItem(key, JSON.stringify(value));
  } catch (error) {
    warn(`could not write sessionStorage (${(error as Error)?.message ?? error}): a reload will be a new connection`);
  }
}

function removeItem(tab: KeyValue, key: string): void {
  try {
    tab.removeItem(key);
  } catch {
    // nothing to keep: a storage that cannot remove could not have stored either
  }
}

function isStoredIdentity(value: unknown): value is StoredIdentity {
  const v = value as StoredIdentity;
  return typeof v === 'object' && v !== null && typeof v.connectionId === 'string' && v.connectionId.length > 0 && v.connectionId.length <= 64
    && Number.isFinite(v.creationTime) && typeof v.data === 'string' && (v.certKey === undefined || typeof v.certKey === 'string');
}

function isDeliveryState(value: unknown): value is DeliveryState {
  const v = value as DeliveryState;
  return typeof v === 'object' && v !== null && Number.isSafeInteger(v.nextId) && Array.isArray(v.seen)
    && v.seen.every((e) => Array.isArray(e) && typeof e[0] === 'string' && Number.isSafeInteger(e[1]));
}
