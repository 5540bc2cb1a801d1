/**
 * Sessions over the real mesh (src/mesh/) on in-memory links: signals and acks cross the links as
 * binary frames, a broadcast is encoded once for all its targets, and what arrives is what was sent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { initSession, type Session } from '../../src/index.js';
import { createMemoryRendezvous } from '../../src/bootstrap/memory.js';
import { createMemoryLinks } from '../../src/mesh/memory-link.js';
import { createMeshTransport } from '../../src/mesh/transport.js';
import { BINARY_ACK, BINARY_SIG } from '../../src/wire/signal-frames.js';

const until = async (ok: () => boolean, what: string, ms = 5_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

const sessions: Session[] = [];
afterEach(() => {
  for (const s of sessions.splice(0)) s.disconnect();
});

describe('signals over the mesh travel as binary frames', () => {
  it('one target, a broadcast to three, every ack: data intact, each broadcast frame encoded once', async () => {
    const server = createMemoryRendezvous();
    const links = createMemoryLinks();
    const sent: Array<string | Uint8Array> = [];
    const transport = createMeshTransport({
      bootstrap: server.bootstrap,
      createLink: (options, events) => {
        const link = links.factory(options, events);
        const send = link.send.bind(link);
        link.send = (frame) => {
          sent.push(frame);
          return send(frame);
        };
        return link;
      },
      heartbeatIntervalMs: 600_000,
      heartbeatTimeoutMs: 1_200_000,
    });
    const received = new Map<string, string[]>();
    for (const name of ['a', 'b', 'c', 'd']) {
      const s = initSession('binary-room', { transport, persist: false });
      received.set(name, []);
      s.on('signal:chat', (e) => received.get(name)!.push(e.data));
      sessions.push(s);
      await s.connect({ data: name });
    }
    const [a] = sessions;
    await until(() => sessions.every((s) => s.connections.length === 3), 'every session to see the three others');

    const data = 'hé 😀 "quoted" \\ \u0000 ' + 'x'.repeat(8000);
    sent.length = 0;
    const b = a!.connections.find((c) => c.data === 'b')!;
    await a!.signal({ to: b, type: 'chat', data });
    expect(received.get('b')).toEqual([data]);
    const sigs = sent.filter((f) => f instanceof Uint8Array && f[0] === BINARY_SIG);
    const acks = sent.filter((f) => f instanceof Uint8Array && f[0] === BINARY_ACK);
    expect(sigs).toHaveLength(1);
    expect(acks).toHaveLength(1);
    expect(sent.filter((f) => typeof f === 'string' && /"t":"(sig|ack)"/.test(f))).toEqual([]);

    sent.length = 0;
    await a!.signal({ type: 'chat', data: 'all' }); // OpenTok: every connection, the sender included
    for (const name of ['a', 'b', 'c', 'd']) expect(received.get(name)!.at(-1)).toBe('all');
    const broadcast = sent.filter((f) => f instanceof Uint8Array && f[0] === BINARY_SIG);
    expect(broadcast).toHaveLength(3);
    expect(new Set(broadcast).size).toBe(1); // the very same bytes for every target
  });
});
