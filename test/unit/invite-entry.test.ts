/**
 * The invite-mode Bootstrap's state table (src/bootstrap/invite-entry.ts), and the session-level
 * invite API where no WebRTC mesh is behind it.
 */
import { describe, expect, it } from 'vitest';
import { InviteEntryBootstrap } from '../../src/bootstrap/invite-entry.js';
import type { Bootstrap, BootstrapChannel, ClaimResult } from '../../src/bootstrap/types.js';
import { initSession, InviteError } from '../../src/index.js';
import { createMemoryNetwork } from '../../src/testing.js';

function channel(): BootstrapChannel & { closed: boolean } {
  return { closed: false, send() {}, listen() {}, close() { this.closed = true; } };
}

const handlers = { incoming() {}, lost() {} };

function fakeServer(result: ClaimResult): Bootstrap & { claims: number; dialled: number } {
  return {
    claims: 0,
    dialled: 0,
    holding: false,
    async claim() {
      this.claims++;
      if (result === 'held') (this as { holding: boolean }).holding = true;
      return result;
    },
    async dial() {
      this.dialled++;
      return channel();
    },
    close() {},
  };
}

describe('InviteEntryBootstrap', () => {
  it('entering: taken, the entry channel once; waiting: taken and no channel (never alone by mistake); member: held', async () => {
    const entry = channel();
    const b = new InviteEntryBootstrap(entry);
    expect(await b.claim(handlers)).toBe('taken');
    expect(await b.dial()).toBe(entry);
    expect(await b.claim(handlers)).toBe('taken');
    expect(await b.dial()).toBeUndefined();
    expect(b.holding).toBe(false);
    b.joined();
    expect(await b.claim(handlers)).toBe('held');
    expect(b.holding).toBe(true);
  });

  it('a first peer (no entry) holds at once', async () => {
    const b = new InviteEntryBootstrap(undefined);
    expect(await b.claim(handlers)).toBe('held');
    expect(await b.dial()).toBeUndefined();
  });

  it('a member with a PeerServer claims and dials it; an unreachable server means holding alone', async () => {
    const taken = fakeServer('taken');
    const b = new InviteEntryBootstrap(undefined, taken);
    expect(await b.claim(handlers)).toBe('taken');
    expect(await b.dial()).toBeDefined();
    expect(taken.dialled).toBe(1);
    const down = fakeServer('unreachable');
    const alone = new InviteEntryBootstrap(undefined, down);
    expect(await alone.claim(handlers)).toBe('held');
    expect(down.claims).toBe(1);
    const held = fakeServer('held');
    const holder = new InviteEntryBootstrap(undefined, held);
    expect(await holder.claim(handlers)).toBe('held');
    expect(holder.holding).toBe(true);
  });

  it('a newcomer does not touch the PeerServer before it joined through its invite', async () => {
    const server = fakeServer('held');
    const b = new InviteEntryBootstrap(channel(), server);
    expect(await b.claim(handlers)).toBe('taken');
    await b.dial();
    expect(await b.claim(handlers)).toBe('taken');
    expect(await b.dial()).toBeUndefined();
    expect(server.claims + server.dialled).toBe(0);
  });

  it('close closes an unused entry channel', () => {
    const entry = channel();
    new InviteEntryBootstrap(entry).close();
    expect(entry.closed).toBe(true);
  });
});

describe('session invites without a WebRTC mesh', () => {
  it('createInvite/acceptReply before connect() fail with 1006', async () => {
    const session = initSession('room', { transport: createMemoryNetwork().transport });
    await expect(session.createInvite()).rejects.toMatchObject({ code: 1006, name: 'OT_CONNECT_FAILED' });
    await expect(session.acceptReply('x')).rejects.toMatchObject({ code: 1006 });
  });

  it('a connected session whose transport cannot serve invites says so', async () => {
    const session = initSession('room', { transport: createMemoryNetwork().transport });
    await session.connect();
    const error = await session.createInvite().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InviteError);
    expect(error).toMatchObject({ code: 1006, reason: 'not-connected' });
    expect((error as Error).message).toContain('WebRTC mesh');
    session.disconnect();
  });

  it('an unknown bootstrap, or an invite without bootstrap: invite, is refused at initSession', () => {
    expect(() => initSession('room', { bootstrap: 'carrier-pigeon' as 'invite' })).toThrow(/bootstrap must be/);
    expect(() => initSession('room', { invite: 'abc' })).toThrow(/need bootstrap: 'invite'/);
    expect(() => initSession('room', { bootstrap: 'peerjs', onInviteReply: () => {} })).toThrow(/need bootstrap: 'invite'/);
  });
});
