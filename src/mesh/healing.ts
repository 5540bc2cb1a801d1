/**
 * Keeping a member whose link died, and linking it again: the away state, its grace period,
 * re-offers with backoff, and whether this client is cut off from every member.
 *
 * Rules (the same on every peer):
 * - A joined member whose link dies is away for `reconnectGraceMs` (a "maybe back" goodbye:
 *   `reloadGraceMs`), then gone. While this client itself is reconnecting, grace periods wait:
 *   its own outage decides (`disconnected` ends everything, or it comes back).
 * - The LOWER id of the pair re-offers, after backoff with jitter (`relinkInitialMs` doubling to
 *   `relinkMaxMs`), through every joined member; one attempt in flight per member.
 * - Cut off = every member away (and at least one). Leaving that state means WE were the one
 *   gone: re-offer to every away member at once, whatever the id order, and give each at least
 *   two re-link attempts' time before its grace ends.
 */
import type { LeaveReason } from '../transport/types.js';
import type { MeshConfig, MeshHooks } from './mesh.js';
import { backoffMs, type Member, type SdpRoute } from './member.js';

/** A re-link attempt to an away member that has not opened by then is abandoned (and retried). */
export const RELINK_ATTEMPT_TIMEOUT_MS = 4_000;
/** Offers to a peer that never joined us are retried this many times, then given up. */
export const MAX_LINKING_RETRIES = 4;
/** A grace period ending while we ourselves are reconnecting is looked at again this much later. */
const GRACE_RECHECK_MS = 1_000;

/** What healing needs from the mesh. */
export interface HealingHost {
  readonly selfId: string;
  readonly config: Pick<MeshConfig, 'reconnectGraceMs' | 'relinkInitialMs' | 'relinkMaxMs'>;
  readonly hooks: Pick<MeshHooks, 'reconnecting' | 'cutOff'>;
  members(): Iterable<Member>;
  /** The member is still the mesh's (not gone, mesh not closed). */
  isCurrent(m: Member): boolean;
  closed(): boolean;
  /** Every joined member but the target, asked to relay; undefined when there is none. */
  routeViaJoined(targetId: string): SdpRoute | undefined;
  /** Start our offer to the member by `route`. */
  offer(m: Member, route: SdpRoute): void;
  /** Final: `peerLeft`. */
  leave(m: Member, reason: LeaveReason): void;
  /** Drop a peer that never joined, silently. */
  forget(m: Member): void;
  /** Report `peerAway`. */
  reportAway(m: Member): void;
  log(line: string): void;
}

export class Healing {
  #wasCutOff = false;

  constructor(private readonly host: HealingHost) {}

  /** Every member is away: we had peers and reach none of them. */
  isCutOff(): boolean {
    let away = 0;
    for (const m of this.host.members()) {
      if (m.state === 'joined') return false;
      if (m.state === 'away') away++;
    }
    return away > 0;
  }

  /**
   * The live link is gone but the member may come back: keep it for `graceMs`. `relink`: the
   * lower id re-offers (default: after a network failure; a reloading peer comes back by itself).
   */
  goAway(m: Member, reason: LeaveReason, graceMs: number, why: string, relink = reason === 'networkDisconnected'): void {
    if (m.live) {
      m.live.link.close();
      m.live = undefined;
    }
    const wasJoined = m.state === 'joined';
    m.state = 'away';
    m.leaveReason = reason;
    this.#armGrace(m, graceMs);
    this.host.log(`${m.id}: away (${why}); gone in ${graceMs} ms unless back`);
    if (wasJoined) this.host.reportAway(m);
    // One side re-offers, so two re-offers never cross: the lower id.
    if (relink && this.host.selfId < m.id) {
      m.retries = 0;
      this.scheduleRelink(m);
    }
    this.checkCutOff();
  }

  /** Try again later (an attempt failed, or no relay was there). */
  scheduleRelink(m: Member): void {
    clearTimeout(m.retryTimer);
    const delayMs = backoffMs(m.retries, this.host.config.relinkInitialMs, this.host.config.relinkMaxMs);
    m.retries++;
    m.retryTimer = setTimeout(() => {
      m.retryTimer = undefined;
      if (!this.host.isCurrent(m) || m.pending || m.state === 'joined') return;
      const route = this.host.routeViaJoined(m.id);
      if (!route) {
        // Nobody to relay through: we are cut off; the rendezvous re-entry links us back.
        this.host.log(`${m.id}: no member to relay a re-offer through (try ${m.retries})`);
        if (m.state === 'away' || m.retries < MAX_LINKING_RETRIES) return this.scheduleRelink(m);
        return this.host.forget(m);
      }
      this.host.log(`${m.id}: re-offering through the joined members (try ${m.retries})`);
      this.host.offer(m, route);
    }, delayMs);
  }

  /** Call after any member changes state: reports entering or leaving the cut-off state. */
  checkCutOff(): void {
    if (this.host.closed()) return;
    const cut = this.isCutOff();
    if (cut === this.#wasCutOff) return;
    this.#wasCutOff = cut;
    this.host.log(cut ? 'every member is away: cut off' : 'linked to a member again');
    if (!cut) this.#relinkAllAway();
    this.host.hooks.cutOff?.(cut);
  }

  #armGrace(m: Member, graceMs: number): void {
    clearTimeout(m.graceTimer);
    m.graceEndsAtMs = performance.now() + graceMs;
    m.graceTimer = setTimeout(() => this.#graceEnded(m), graceMs);
  }

  #graceEnded(m: Member): void {
    m.graceTimer = undefined;
    if (!this.host.isCurrent(m) || m.state !== 'away') return;
    // While we are cut off ourselves, we cannot tell who left: our own outage decides.
    if (this.host.hooks.reconnecting?.()) {
      m.graceTimer = setTimeout(() => this.#graceEnded(m), GRACE_RECHECK_MS);
      return;
    }
    this.host.leave(m, m.leaveReason);
  }

  /**
   * We were the one cut off and reach a member again: re-offer to every other away member now,
   * whatever the id order (their re-offers failed while we were gone and are backing off).
   */
  #relinkAllAway(): void {
    const windowMs = Math.min(this.host.config.reconnectGraceMs, 2 * RELINK_ATTEMPT_TIMEOUT_MS);
    for (const m of [...this.host.members()]) {
      if (m.state !== 'away' || m.leaveReason !== 'networkDisconnected') continue;
      // Their grace ran (partly) while we were the one gone: give the re-link a fair window.
      if ((m.graceEndsAtMs ?? 0) - performance.now() < windowMs) this.#armGrace(m, windowMs);
      if (m.pending) continue;
      const route = this.host.routeViaJoined(m.id);
      if (!route) continue;
      clearTimeout(m.retryTimer);
      m.retryTimer = undefined;
      this.host.log(`${m.id}: back in the mesh; re-offering through the members we reach`);
      this.host.offer(m, route);
    }
  }
}
