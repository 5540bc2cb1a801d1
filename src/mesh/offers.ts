/**
 * Offers, answers and ICE candidates between members: who offers, glare, and the one-hop relay.
 *
 * Rules (the same on every peer):
 * - Who offers first: the one who learns of the other. If both offer at once (glare), the offer
 *   of the LOWER connection id wins; but our re-offer to an away member older than
 *   GLARE_WINDOW_MS yields to the member's own offer (it found a way back).
 * - An offer for a joined member builds a second link next to the live one (the mesh replaces
 *   the live link only once the new one proves the member's identity).
 * - A relay forwards an `m.sdp` only when its `from` is the peer that handed it over (no
 *   spoofing), and only one hop: to a linked member or to a newcomer on the bootstrap channel.
 *   Re-offers ask every joined member; those not linked to the target drop it (not a fault).
 *   Each source may have us relay ≤ MAX_RELAYS_PER_WINDOW frames per RELAY_WINDOW_MS.
 */
import type { MeshFrame } from '../wire/mesh-frames.js';
import { GLARE_WINDOW_MS, MAX_OFFERS_RELAYED_PER_PEER, MAX_RELAY_SOURCES, MAX_RELAYS_PER_WINDOW, RELAY_WINDOW_MS } from './mesh-config.js';
import { newLinkId, newMember, type Attempt, type Member, type SdpRoute } from './member.js';

/** What offers need from the mesh. */
export interface OffersHost {
  closed(): boolean;
  /** A route to a newcomer on our bootstrap channel, if we are its introducer. */
  joinerRoute(connectionId: string): SdpRoute | undefined;
  /** A control frame to a joined member; false when it is not joined. */
  sendControl(connectionId: string, frame: MeshFrame): boolean;
  joinedIds(): string[];
  startAttempt(m: Member, initiator: boolean, route: SdpRoute, lid: string): Attempt | undefined;
  fault(peerId: string | undefined, reason: string): void;
  log(line: string): void;
  readonly logging: boolean;
}

export class Offers {
  /** Relays per source in the current window (a bound, not a fairness scheme). */
  readonly #relayCounts = new Map<string, { windowStartMs: number; count: number }>();

  readonly #selfId: string;
  readonly #members: Map<string, Member>;
  readonly #host: OffersHost;

  constructor(
    selfId: string,
    members: Map<string, Member>,
    host: OffersHost,
  ) {
    this.#selfId = selfId;
    this.#members = members;
    this.#host = host;
  }

  /** A member is gone: its relay budget too. */
  forget(connectionId: string): void {
    this.#relayCounts.delete(connectionId);
  }

  /** Start a link to a peer (our offer travelling by `route`), or re-link an away member. */
  offerTo(connectionId: string, route: SdpRoute): void {
    if (this.#host.closed() || connectionId === this.#selfId) return;
    const m = this.#members.get(connectionId);
    if (!m) {
      const member = newMember(connectionId);
      this.#members.set(connectionId, member);
      if (!this.#host.startAttempt(member, true, route, newLinkId())) this.#members.delete(connectionId);
      return;
    }
    if (m.state !== 'joined' && !m.pending) {
      clearTimeout(m.retryTimer);
      m.retryTimer = undefined;
      this.#host.startAttempt(m, true, route, newLinkId());
    }
  }

  /**
   * Re-link now through `route` (a rendezvous channel, after this client re-entered): a re-offer
   * of ours still in flight through relays is replaced; a member not known yet is offered to.
   */
  relinkVia(connectionId: string, route: SdpRoute): void {
    const m = this.#members.get(connectionId);
    if (m?.state === 'joined') return;
    if (m?.pending?.initiator) {
      m.pending.link.close();
      m.pending = undefined;
    }
    this.offerTo(connectionId, route);
  }

  /** A route through a linked member (one-hop relay). */
  routeVia(relayId: string): SdpRoute {
    return (frame) => void this.#host.sendControl(relayId, frame);
  }

  /**
   * An `m.sdp` handed over by `sourceId` (a linked member, or a newcomer on our bootstrap
   * channel), addressed to us or to be relayed one hop.
   */
  handleSdp(frame: Extract<MeshFrame, { t: 'm.sdp' }>, sourceId: string, replyRoute: SdpRoute): void {
    if (this.#host.closed()) return;
    if (frame.to !== this.#selfId) return this.#relay(frame, sourceId);
    const peerId = frame.from;
    if (peerId === this.#selfId) return this.#host.fault(sourceId, 'm.sdp from ourselves');
    const m = this.#members.get(peerId);
    const attempt = m?.pending?.lid === frame.lid ? m.pending : m?.live?.lid === frame.lid ? m.live : undefined;
    if (frame.sdp.type === 'candidate') {
      if (attempt) attempt.link.signal(frame.sdp);
      return; // a candidate of an attempt we dropped (glare) or timed out: harmless
    }
    if (frame.sdp.type === 'answer') {
      if (attempt?.initiator && attempt.link.state === 'connecting') attempt.link.signal(frame.sdp);
      return;
    }
    if (attempt) return; // the same offer twice (it may come through several relays)
    if (m?.pending) {
      const ours = m.pending.initiator && m.pending.link.state === 'connecting';
      // Glare: both offered. The lower id's offer wins, so exactly one link remains; but a
      // re-offer of ours that got nowhere for a while yields to the away member's own offer.
      const stale = m.state === 'away' && performance.now() - m.pending.startedAtMs > GLARE_WINDOW_MS;
      if (ours && this.#selfId < peerId && !stale) return;
      this.#host.log(`${peerId}: dropping our attempt ${m.pending.lid} for its offer ${frame.lid}`);
      m.pending.link.close();
      m.pending = undefined;
    }
    let member = m;
    if (!member) {
      // Offers relayed by one source (a member, or a newcomer at our door) for ids we do not know
      // may not take every connecting slot: a relay can name any `from`.
      if (sourceId !== peerId && this.linksStartedVia(sourceId) >= MAX_OFFERS_RELAYED_PER_PEER) {
        return this.#host.fault(sourceId, `${MAX_OFFERS_RELAYED_PER_PEER} links it relayed offers for are forming already; offer dropped`);
      }
      member = newMember(peerId);
      if (sourceId !== peerId) member.introducedBy = sourceId;
      this.#members.set(peerId, member);
    }
    // A joined member keeps its live link: the new one replaces it only once it proves the id.
    const started = this.#host.startAttempt(member, false, replyRoute, frame.lid);
    if (!started) {
      if (member.state === 'linking' && !member.live) this.#members.delete(peerId);
      return;
    }
    started.link.signal(frame.sdp);
  }

  /** A route asking every joined member but the target to relay (those linked to it will). */
  routeViaJoined(targetId: string): SdpRoute | undefined {
    const relays = this.#host.joinedIds().filter((id) => id !== targetId);
    if (relays.length === 0) return undefined;
    return (frame) => {
      for (const id of relays) this.#host.sendControl(id, frame);
    };
  }

  #relay(frame: Extract<MeshFrame, { t: 'm.sdp' }>, sourceId: string): void {
    if (frame.from !== sourceId) return this.#host.fault(sourceId, 'm.sdp to relay names another sender');
    const now = performance.now();
    let budget = this.#relayCounts.get(sourceId);
    if (!budget || now - budget.windowStartMs > RELAY_WINDOW_MS) {
      // Sources that never joined (newcomers on our bootstrap channel) are not cleared by forget().
      if (!budget && this.#relayCounts.size >= MAX_RELAY_SOURCES) {
        for (const [id, b] of this.#relayCounts) if (now - b.windowStartMs > RELAY_WINDOW_MS) this.#relayCounts.delete(id);
        if (this.#relayCounts.size >= MAX_RELAY_SOURCES) return this.#host.fault(sourceId, `relaying for ${MAX_RELAY_SOURCES} sources already`);
      }
      this.#relayCounts.set(sourceId, (budget = { windowStartMs: now, count: 0 }));
    }
    if (++budget.count > MAX_RELAYS_PER_WINDOW) return this.#host.fault(sourceId, `more than ${MAX_RELAYS_PER_WINDOW} relays in ${RELAY_WINDOW_MS} ms`);
    if (this.#host.sendControl(frame.to, frame)) return this.#logSdp('relayed', frame);
    const route = this.#host.joinerRoute(frame.to);
    if (route) return route(frame);
    // Re-offers ask every member to relay; only those linked to the target can: not a fault.
    this.#logSdp('cannot relay (not linked to the target)', frame);
  }

  /** Peers not yet members whose link attempt a given source made us start (gossip or relayed offer). */
  linksStartedVia(sourceId: string): number {
    let count = 0;
    for (const other of this.#members.values()) if (other.state === 'linking' && other.introducedBy === sourceId) count++;
    return count;
  }

  #logSdp(what: string, frame: Extract<MeshFrame, { t: 'm.sdp' }>): void {
    if (this.#host.logging) this.#host.log(`${what} ${frame.sdp.type} ${frame.from} → ${frame.to} (${frame.lid})`);
  }
}
