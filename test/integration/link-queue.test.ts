/**
 * A link's send queue is bounded in characters, not only in frames: two real simple-peer links
 * over wrtc, one side queues large frames faster than the channel drains until `send` refuses.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_QUEUED_CHARS, MAX_QUEUED_FRAMES, createSimplePeerLink, type MeshLink } from '../../src/mesh/link.js';
import { POLL } from './helpers/mesh.js';

const links: MeshLink[] = [];
afterEach(() => {
  for (const l of links.splice(0)) l.close();
});

describe('link send queue', () => {
  it(`refuses frames once ${MAX_QUEUED_CHARS} characters wait, long before ${MAX_QUEUED_FRAMES} frames`, async () => {
    let a: MeshLink | undefined;
    let b: MeshLink | undefined;
    const options = { iceServers: [], linkTimeoutMs: 20_000 };
    const noop = () => {};
    a = createSimplePeerLink({ ...options, initiator: true }, { sdp: (sdp) => b?.signal(sdp), open: noop, data: noop, closed: noop });
    b = createSimplePeerLink({ ...options, initiator: false }, { sdp: (sdp) => a?.signal(sdp), open: noop, data: noop, closed: noop });
    links.push(a, b);
    await expect.poll(() => a!.state === 'open' && b!.state === 'open', { ...POLL, message: 'the two links to open' }).toBe(true);

    const frame = 'x'.repeat(60_000); // one string, queued many times: no memory is spent on copies
    let accepted = 0;
    while (a.send(frame)) {
      accepted++;
      if (accepted > MAX_QUEUED_FRAMES) break;
    }
    // Some frames went straight into the channel (wrtc reports its buffer late: a few MB here);
    // the rest filled the queue up to its bound.
    expect(accepted * frame.length).toBeGreaterThan(MAX_QUEUED_CHARS);
    expect(accepted * frame.length).toBeLessThan(MAX_QUEUED_CHARS + 8 * 1024 * 1024);
    expect(accepted).toBeLessThan(MAX_QUEUED_FRAMES);
    expect(a.state).toBe('open'); // refused, not broken: a small frame fits again once it drains
  });
});
