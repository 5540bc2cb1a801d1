/**
 * src/bootstrap/served-channels.ts: the holder's routing of (decoded) server messages to one
 * channel per newcomer, bounded in number, and deaf to frames of a channel already closed.
 */
import { describe, expect, it } from 'vitest';
import { MAX_SERVER_CHANNELS, ServedChannels } from '../../src/bootstrap/served-channels.js';
import type { PeerSocket } from '../../src/bootstrap/server-channel.js';
import type { BootstrapChannel } from '../../src/bootstrap/types.js';

function socket(): PeerSocket & { sent: object[] } {
  return { sent: [], send(message) { this.sent.push(message); }, on() {} };
}

const frame = (src: string, connectionId: string, text = '{}') => ({ kind: 'frame' as const, src, connectionId, text });

describe('ServedChannels', () => {
  it('opens one channel per sender and channel id, and feeds it in order', () => {
    const served = new ServedChannels();
    const opened: BootstrapChannel[] = [];
    const heard: unknown[] = [];
    served.route(socket(), frame('a', '1', 'one'), (ch) => opened.push(ch));
    served.route(socket(), frame('a', '1', 'two'), (ch) => opened.push(ch));
    served.route(socket(), frame('a', '2', 'other'), (ch) => opened.push(ch));
    expect(opened).toHaveLength(2);
    opened[0]!.listen({ data: (raw) => heard.push(raw), closed: () => {} });
    expect(heard).toEqual(['one', 'two']);
    served.closeAll();
  });

  it(`keeps at most ${MAX_SERVER_CHANNELS} channels; a newcomer beyond is ignored`, () => {
    const served = new ServedChannels();
    let opened = 0;
    for (let i = 0; i <= MAX_SERVER_CHANNELS; i++) served.route(socket(), frame(`n${i}`, 'c'), () => opened++);
    expect(opened).toBe(MAX_SERVER_CHANNELS);
    served.closeAll();
  });

  it('a closed channel stays closed: its late frames open nothing; a sender that is gone closes its channels', () => {
    const served = new ServedChannels();
    const opened: BootstrapChannel[] = [];
    const s = socket();
    served.route(s, frame('a', '1'), (ch) => opened.push(ch));
    let closed = 0;
    opened[0]!.listen({ data: () => {}, closed: () => closed++ });
    served.route(s, { kind: 'close', src: 'a', connectionId: '1' }, (ch) => opened.push(ch));
    expect(closed).toBe(1);
    expect(s.sent).toEqual([]); // the other side closed it: nothing is sent back
    served.route(s, frame('a', '1'), (ch) => opened.push(ch));
    expect(opened).toHaveLength(1);
    served.route(s, frame('b', '1'), (ch) => opened.push(ch));
    opened[1]!.listen({ data: () => {}, closed: () => closed++ });
    served.route(s, { kind: 'gone', src: 'b' }, () => {});
    expect(closed).toBe(2);
  });

  it('frames before listen wait in order, up to a bound; a newcomer that sends more is closed', () => {
    const served = new ServedChannels();
    const s = socket();
    const opened: BootstrapChannel[] = [];
    // 64 frames wait for the listener (the bound of a server channel); the 65th closes it.
    for (let i = 0; i < 64; i++) served.route(s, frame('a', '1', `f${i}`), (ch) => opened.push(ch));
    const heard: unknown[] = [];
    let closed = 0;
    opened[0]!.listen({ data: (raw) => heard.push(raw), closed: () => closed++ });
    expect(heard).toEqual(Array.from({ length: 64 }, (_, i) => `f${i}`));
    for (let i = 0; i < 65; i++) served.route(s, frame('b', '1'), (ch) => opened.push(ch));
    expect(opened).toHaveLength(2);
    let bClosed = false;
    opened[1]!.listen({ data: () => {}, closed: () => (bClosed = true) });
    expect(bClosed).toBe(true); // closed before anyone listened: listen() reports it at once
    expect(s.sent).toContainEqual(expect.objectContaining({ dst: 'b', payload: expect.objectContaining({ close: true }) }));
    served.closeAll();
  });
});
