/**
 * The PeerServer of `npm start` (server/app.mjs) bounds what one WebSocket client can make it
 * parse and relay: an oversized message or a flood closes that client's socket, and the bound
 * leaves room for every legal message (a full join frame).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { MAX_WS_MESSAGES_PER_SECOND, MAX_WS_PAYLOAD_BYTES } from '../../server/app.mjs';
import { startAppServer, type RunningAppServer } from './helpers/peer-server-app.js';
import { POLL } from './helpers/mesh.js';
import { within } from '../within.js';

let server: RunningAppServer;
beforeAll(async () => {
  // A stand-in for dist/: these tests need the PeerServer only.
  const staticDir = mkdtempSync(join(tmpdir(), 'mesh-signal-bounds-'));
  writeFileSync(join(staticDir, 'mesh-signal.js'), '');
  server = await startAppServer({ host: '127.0.0.1', port: 0, staticDir });
});
afterAll(() => server?.close());

interface Client {
  socket: WebSocket;
  received: unknown[];
  closed: Promise<number>;
}

/** A raw PeerJS client: registers `id` on the PeerServer and records what it is sent. */
async function client(id: string): Promise<Client> {
  const socket = new WebSocket(`ws://127.0.0.1:${server.port}${server.peerPath}/peerjs?key=${server.key}&id=${id}&token=t${id}`);
  const received: unknown[] = [];
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  socket.on('error', () => {}); // a refused flood ends in an error on some runs: the close says it
  const opened = new Promise<void>((resolve, reject) => {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type?: string };
      if (message.type === 'OPEN') resolve();
      else received.push(message);
    });
    socket.once('close', () => reject(new Error(`socket of ${id} closed before OPEN`)));
  });
  await opened;
  return { socket, received, closed };
}

const offer = (dst: string, text: string) => JSON.stringify({ type: 'OFFER', dst, payload: { type: 'mesh-signal', connectionId: 'c1', text } });

describe('PeerServer bounds (server/app.mjs)', () => {
  it('relays a message of a legal join frame\'s size', async () => {
    const [a, b] = [await client('boundsA1'), await client('boundsB1')];
    const text = 'x'.repeat(64 * 1024); // the largest frame a peer accepts
    a.socket.send(offer('boundsB1', text));
    await expect.poll(() => b.received, { ...POLL, message: 'b to receive a 64 KiB frame through the server' }).toHaveLength(1);
    expect((b.received[0] as { payload: { text: string } }).payload.text).toBe(text);
    a.socket.close();
    b.socket.close();
  });

  it('cuts off a client that sends a message over maxPayload, before relaying it', async () => {
    const [a, b] = [await client('boundsA2'), await client('boundsB2')];
    a.socket.send(offer('boundsB2', 'y'.repeat(MAX_WS_PAYLOAD_BYTES + 1)));
    expect(await within(a.closed, 'the server to close the socket that sent an oversized message')).toBe(1009); // "message too big"
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(b.received).toEqual([]);
    b.socket.close();
  });

  it('cuts off a client that floods it with small messages', async () => {
    const a = await client('boundsA3');
    const b = await client('boundsB3');
    const flood = MAX_WS_MESSAGES_PER_SECOND * 10;
    for (let i = 0; i < flood; i++) a.socket.send(offer('boundsB3', `m${i}`));
    expect(await within(a.closed, 'the server to close the flooding socket')).toBe(1008);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // At most the burst (2 s of budget) was relayed, nowhere near the flood.
    expect(b.received.length).toBeLessThan(flood / 2);
    expect(b.received.length).toBeGreaterThan(0);
    b.socket.close();
  });
});
