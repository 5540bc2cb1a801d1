// Invite helpers for the e2e pages, added next to page.js (which exposes `t` and `window.session`).
// Exposed as `window.inv`; errors come back as plain data.
const plain = (e) => ({ ok: false, code: e?.code, name: e?.name, reason: e?.reason, message: String(e?.message ?? e) });

window.inv = {
  /** The reply code this page got while joining by invite. */
  reply: undefined,
  /** The result of the last join by invite, once settled. */
  joined: undefined,

  async create(options) {
    try {
      const invite = await window.session.createInvite(options);
      return { ok: true, ...invite };
    } catch (e) {
      return plain(e);
    }
  },

  async accept(code) {
    try {
      await window.session.acceptReply(code);
      return { ok: true };
    } catch (e) {
      return plain(e);
    }
  },

  /** Starts joining `sessionId` by `code`; the reply appears in `inv.reply`, the outcome in `inv.joined`. */
  join(sessionId, name, code, options = {}) {
    inv.reply = undefined;
    inv.joined = undefined;
    t.connect(sessionId, name, undefined, { bootstrap: 'invite', invite: code, onInviteReply: (r) => { inv.reply = r; }, ...options })
      .then((id) => { inv.joined = { ok: true, id }; }, (e) => { inv.joined = plain(e); });
  },
};
