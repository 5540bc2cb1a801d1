/**
 * The bounds that keep a session's memory finite, each checked at its edge (the last value kept,
 * the first one over), so that removing or moving a bound fails a test: signals awaiting
 * acknowledgement (4096), signals one sender may send at once by default (2000), senders a
 * receiver de-duplicates (4096), departed connections a session remembers (4096) and keys
 * derived from a secret kept per page (8). The numbers are written out, not imported: they are promises.
 */
import { describe, expect, it, vi } from 'vitest';
import { deriveSessionKey } from '../../src/auth/session-key.js';
import { Connection } from '../../src/connection.js';
import { Delivery } from '../../src/delivery/delivery.js';
import { initSession, type Session } from '../../src/index.js';
import { createMemoryNetwork } from '../../src/testing.js';
import type { TransportEvents } from '../../src/transport/types.js';
import { signalFrame } from '../../src/wire/signal-frames.js';
import { connectionOf, joinRoom, rejection, settle } from './helpers.js';

describe('signals awaiting acknowledgement', () => {
  it('a sender holds 4096 at once; the 4097th fails at once with 429; when they complete there is room again', async () => {
    // (b takes the 4096 resent at once: above its default inbound rate it would refuse some with 429.)
    const { network, sessions, received } = await joinRoom(2, { maxSignalsPerSecond: 10_000 });
    const [a, b] = sessions as [Session, Session];
    const toB = connectionOf(a, b);
    // b is away: what a sends it is held, still awaiting acknowledgement.
    network.interruptLink(a.connection!.connectionId, b.connection!.connectionId);
    await settle();
    const outcomes: string[] = [];
    const sends = Array.from({ length: 4096 }, (_, i) =>
      a.signal({ to: toB, data: `${i}` }).then(
        () => outcomes.push('ok'),
        (e: { code: number }) => outcomes.push(`failed ${e.code}`),
      ));
    const error = await rejection(a.signal({ to: toB, data: 'one too many' }));
    expect([error.code, error.name]).toEqual([429, 'OT_RATE_LIMIT_EXCEEDED']);
    expect(error.message).toMatch(/^4096 signals already await acknowledgement/);
    await settle();
    expect(outcomes).toEqual([]); // the 4096th was taken, not refused

    network.restoreLink(a.connection!.connectionId, b.connection!.connectionId);
    await Promise.all(sends);
    expect(outcomes.filter((o) => o !== 'ok')).toEqual([]);
    expect(received.get(b)).toHaveLength(4096);
    await expect(a.signal({ to: toB, data: 'room again' })).resolves.toBeUndefined();
  });
});

describe('signals taken from one sender', () => {
  it('by default a receiver takes a burst of 2000 from one sender; the 2001st gets 429', async () => {
    const { sessions, received } = await joinRoom(2);
    const [a, b] = sessions as [Session, Session];
    const toB = connectionOf(a, b);
    vi.useFakeTimers({ toFake: ['performance'] }); // the rate limit's clock stands still: no refill
    try {
      const results = await Promise.allSettled(Array.from({ length: 2001 }, (_, i) => a.signal({ to: toB, data: `${i}` })));
      const refused = results.flatMap((r, i) => (r.status === 'rejected' ? [`${i}: ${(r.reason as { code: number }).code}`] : []));
      expect(refused).toEqual(['2000: 429']);
      expect(received.get(b)).toHaveLength(2000);
    } finally {
      vi.useRealTimers();
    }
  });
});

/** A Delivery that receives only, recording what it dispatches as "sender data". */
function receiver(): { delivery: Delivery; dispatched: string[] } {
  const dispatched: string[] = [];
  const delivery = new Delivery({
    self: new Connection('receiver', 0, ''),
    send: () => true,
    connectionOf: (id) => new Connection(id, 0, ''),
    dispatch: (from, _type, data) => dispatched.push(`${from.connectionId} ${data}`),
    fault: (_, reason) => {
      throw new Error(`unexpected fault: ${reason}`);
    },
    ackTimeoutMs: 10_000,
  });
  return { delivery, dispatched };
}

/** Signal `id` from each of `senders`, in order. */
function hear(delivery: Delivery, senders: readonly string[], id: number): void {
  for (const sender of senders) delivery.receive(sender, signalFrame(id, 't', `#${id}`));
}

const senders = (count: number) => Array.from({ length: count }, (_, i) => `s${i}`);

describe('de-duplication of received signals: a high-water mark for each of the 4096 senders heard last', () => {
  it('with 4096 senders every mark is kept: a repeated signal of the first is not dispatched again', () => {
    const { delivery, dispatched } = receiver();
    hear(delivery, senders(4096), 1);
    hear(delivery, ['s0'], 1);
    expect(dispatched).toHaveLength(4096);
    delivery.close('done');
  });

  it('the 4097th sender evicts the least recently heard: its repeated signal is dispatched again', () => {
    const { delivery, dispatched } = receiver();
    hear(delivery, senders(4097), 1);
    hear(delivery, ['s1'], 1); // still remembered
    expect(dispatched).toHaveLength(4097);
    hear(delivery, ['s0'], 1); // forgotten
    expect(dispatched.slice(4097)).toEqual(['s0 #1']);
    delivery.close('done');
  });

  it('least recently heard, not first heard: a sender heard again keeps its mark', () => {
    const { delivery, dispatched } = receiver();
    hear(delivery, senders(4096), 1);
    hear(delivery, ['s0'], 2); // s0 is now the most recently heard; s1 the least
    hear(delivery, ['s4096'], 1);
    hear(delivery, ['s0'], 2);
    expect(dispatched.filter((d) => d.startsWith('s0 '))).toEqual(['s0 #1', 's0 #2']);
    hear(delivery, ['s1'], 1);
    expect(dispatched.filter((d) => d.startsWith('s1 '))).toEqual(['s1 #1', 's1 #1']);
    delivery.close('done');
  });
});

/** Transport events of a member that only comes and goes. */
const passive: TransportEvents = {
  peerJoined() {},
  peerLeft() {},
  peerAway() {},
  peerBack() {},
  message() {},
  reconnecting() {},
  reconnected() {},
  disconnected() {},
  peerFault() {},
};

describe('departed connections', () => {
  it('the last 4096 to leave are remembered (a signal to one is 404); an older one is unknown (400)', async () => {
    const network = createMemoryNetwork();
    const a = initSession('churn', { transport: network.transport, persist: false });
    await a.connect({ data: 'a' });
    const seen: Connection[] = [];
    a.on('connectionCreated', (e) => {
      if (e.connection.connectionId !== a.connection!.connectionId) seen.push(e.connection);
    });
    for (let i = 0; i < 4097; i++) {
      const visitor = network.transport('churn');
      await visitor.connect({ connectionId: `visitor-${i}`, creationTime: 0, data: '' }, passive);
      await settle();
      visitor.close();
      await settle();
    }
    expect(seen).toHaveLength(4097);
    expect(a.connections).toEqual([]);
    const oldest = await rejection(a.signal({ to: seen[0], data: 'x' }));
    expect([oldest.code, oldest.message]).toEqual([400, 'to is not a connection of this session (visitor-0)']);
    const remembered = await rejection(a.signal({ to: seen[1], data: 'x' }));
    expect([remembered.code, remembered.message]).toEqual([404, 'connection visitor-1 is no longer connected to the session']);
    a.disconnect();
  });
});

describe('keys derived from a secret', () => {
  it('the last 8 derivations are kept (the same promise again); a 9th drops the oldest', async () => {
    const derive = (i: number) => deriveSessionKey('correct horse', `bounds-cache-${i}`);
    const first = Array.from({ length: 8 }, (_, i) => derive(i));
    expect(derive(0)).toBe(first[0]); // 8 kept
    const ninth = derive(8);
    const again = derive(0); // dropped: derived anew
    expect(again).not.toBe(first[0]);
    await Promise.all([...first, ninth, again]); // let the stretches finish inside the test
  });
});
