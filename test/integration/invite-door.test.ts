/**
 * The invite link itself over real WebRTC (@roamhq/wrtc): an invite and a reply open one data
 * channel that carries text both ways; the inviter's attempt times out cleanly when the newcomer
 * is gone; a reply to someone else's invite, or after close, is refused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InviteDoor, InviteError, answerInvite, readInvite, type InviteAnswer } from '../../src/bootstrap/invite.js';
import type { BootstrapChannel } from '../../src/bootstrap/types.js';
import { within } from '../within.js';

const SESSION = 'door-room';
const doors: InviteDoor[] = [];
const answers: InviteAnswer[] = [];
const channels: BootstrapChannel[] = [];

afterEach(() => {
  for (const d of doors.splice(0)) d.close();
  for (const a of answers.splice(0)) a.cancel();
  for (const c of channels.splice(0)) c.close();
});

function door(options: Partial<ConstructorParameters<typeof InviteDoor>[0]> = {}): InviteDoor {
  const d = new InviteDoor({ sessionId: SESSION, ...options });
  doors.push(d);
  return d;
}

async function answer(code: string): Promise<InviteAnswer> {
  const a = await answerInvite(await readInvite(code, SESSION), { sessionId: SESSION });
  answers.push(a);
  return a;
}

/** The next frame a channel receives. */
function nextFrame(channel: BootstrapChannel): Promise<string> {
  return new Promise((resolve) => channel.listen({ data: (raw) => resolve(String(raw)), closed: () => resolve('(closed)') }));
}

async function failure(promise: Promise<unknown>): Promise<InviteError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof InviteError) return error;
    throw error;
  }
  throw new Error('expected an InviteError, got success');
}

describe('an invite link over real WebRTC', () => {
  it('holds at most 16 invites waiting for a reply; a 17th is refused until one is answered', async () => {
    const inviter = door();
    const invites = [];
    for (let i = 0; i < 16; i++) invites.push(await inviter.createInvite());
    expect(inviter.waiting).toBe(16);
    const refused = await failure(inviter.createInvite());
    expect(refused.message).toBe('16 invites are already waiting for a reply: answer or let some expire first');
    const newcomer = await answer(invites[0]!.code);
    channels.push(await inviter.acceptReply(newcomer.reply), await newcomer.channel);
    expect(inviter.waiting).toBe(15);
    await inviter.createInvite();
    expect(inviter.waiting).toBe(16);
  });

  it('keeps what the newcomer sends the moment the link opens, even when the inviter resumes late', async () => {
    // The inviter's page may run the channel's open and first message before the task that
    // resumes acceptReply after setRemoteDescription (a busy page): that frame must not be lost.
    const Base = globalThis.RTCPeerConnection;
    class LateResuming extends Base {
      override async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
        await super.setRemoteDescription(description);
        await new Promise((resolve) => setTimeout(resolve, 1_500));
      }
    }
    const inviter = door({ RTCPeerConnection: LateResuming });
    const newcomer = await answer((await inviter.createInvite()).code);
    const accepted = inviter.acceptReply(newcomer.reply);
    const atNewcomer = await newcomer.channel;
    atNewcomer.send('{"t":"m.join"}'); // at once, as the newcomer's rendezvous does
    const atInviter = await accepted;
    channels.push(atInviter, atNewcomer);
    expect(await within(nextFrame(atInviter), 'the frame sent at open to reach the inviter', 10_000)).toBe('{"t":"m.join"}');
  });

  it('opens one ordered channel both sides can use, and spends the invite', async () => {
    const inviter = door();
    const invite = await inviter.createInvite();
    expect(inviter.waiting).toBe(1);
    const newcomer = await answer(invite.code);
    const [atInviter, atNewcomer] = await Promise.all([inviter.acceptReply(newcomer.reply), newcomer.channel]);
    channels.push(atInviter, atNewcomer);
    expect(inviter.waiting).toBe(0);
    const heard = nextFrame(atInviter);
    atNewcomer.send('{"t":"m.join"}');
    expect(await heard).toBe('{"t":"m.join"}');
    const back = nextFrame(atNewcomer);
    atInviter.send('members');
    expect(await back).toBe('members');
    // The same reply again: this invite already let someone in.
    expect(await failure(inviter.acceptReply(newcomer.reply))).toMatchObject({ reason: 'used', code: 400, name: 'OT_INVALID_PARAMETER' });
  });

  it('times out cleanly (1006 timeout) when the newcomer is gone before the reply is entered', async () => {
    const inviter = door({ linkTimeoutMs: 2_000 });
    const invite = await inviter.createInvite();
    const newcomer = await answer(invite.code);
    newcomer.cancel();
    expect(await newcomer.channel.catch((e: InviteError) => e.reason)).toBe('closed');
    const started = Date.now();
    const error = await failure(inviter.acceptReply(newcomer.reply));
    expect(error).toMatchObject({ reason: 'timeout', code: 1006, name: 'OT_CONNECT_FAILED' });
    expect(error.message).toContain('did not open');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    expect(inviter.waiting).toBe(0);
  });

  it('the newcomer gives up at its reply timeout when nobody enters the reply', async () => {
    const inviter = door();
    const invite = await inviter.createInvite();
    const a = await answerInvite(await readInvite(invite.code, SESSION), { sessionId: SESSION, replyTimeoutMs: 1_000 });
    answers.push(a);
    const error = await failure(a.channel);
    expect(error).toMatchObject({ reason: 'timeout', code: 1006 });
    expect(error.message).toContain('did not enter the reply');
  });

  it('refuses a reply to an invite it did not make, and anything after close', async () => {
    const mine = door();
    const theirs = door();
    await mine.createInvite();
    const other = await theirs.createInvite();
    const newcomer = await answer(other.code);
    expect(await failure(mine.acceptReply(newcomer.reply))).toMatchObject({ reason: 'unknown', code: 400 });
    expect(await failure(mine.acceptReply(other.code))).toMatchObject({ reason: 'wrong-kind' });
    mine.close();
    expect(mine.waiting).toBe(0);
    expect(await failure(mine.createInvite())).toMatchObject({ reason: 'closed', code: 1006 });
  });

  it('refuses an invite expired by the inviter\'s clock (the reply came in time for the newcomer)', async () => {
    const inviter = door();
    const invite = await inviter.createInvite(200);
    const newcomer = await answer(invite.code);
    await new Promise((r) => setTimeout(r, 400));
    expect(await failure(inviter.acceptReply(newcomer.reply))).toMatchObject({ reason: 'expired', code: 400 });
  });
});
