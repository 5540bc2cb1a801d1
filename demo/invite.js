// The demo's "No server" part: start a session with no PeerServer, invite someone (code, copy,
// QR), join by a code (paste, or scan with the camera), hand a reply back. demo.js asks
// `joinOptions()` when it creates a session and tells `sessionChanged()` which one is current.
// Codes are base64url and are only ever set as text; the QR is drawn from our own code.
import { encode as encodeQr } from './vendor/uqr.mjs';

/** How long a newcomer's page waits for its reply to be entered (the library's default). */
const REPLY_WAIT_MIN = 3;

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

// ---- markup (static; inserted next to demo.js's join card) ------------------------------------

const style = document.createElement('link');
style.rel = 'stylesheet';
style.href = new URL('./invite.css', import.meta.url).href;
document.head.append(style);

const joinExtras = document.createElement('div');
joinExtras.className = 'invite-join';
joinExtras.innerHTML = `
  <label class="check"><input id="no-server" type="checkbox"> No server: start a session, or join by an invite code</label>
  <div id="invite-code-row" hidden>
    <label>Invite code <span class="muted">(paste the code or its link, or scan its QR code; leave empty to start a new session)</span>
      <textarea id="invite-code" rows="2" spellcheck="false" autocomplete="off"></textarea>
    </label>
    <button id="scan-invite" type="button" class="secondary">Scan QR code</button>
  </div>`;
$('join-form').querySelector('.actions')?.before(joinExtras);

const card = document.createElement('section');
card.className = 'card';
card.id = 'invite-card';
card.hidden = true;
card.innerHTML = `
  <h2>Invite <span class="muted">(no server needed)</span></h2>
  <div id="reply-out" hidden>
    <p class="hint">Give this <b>reply</b> to the person who invited you (show the QR code, or copy the text).
      This page waits <span id="reply-wait"></span> for them to enter it.</p>
    <div class="qr-row"><canvas id="reply-qr" class="qr" aria-label="QR code of the reply"></canvas>
      <div class="code-box"><textarea id="reply-text" rows="4" readonly spellcheck="false"></textarea>
        <button id="copy-reply" type="button" class="secondary">Copy reply</button>
        <p id="reply-size" class="hint"></p></div></div>
  </div>
  <div id="invite-make" hidden>
    <button id="make-invite" type="button">Invite someone</button>
    <div id="invite-out" hidden>
      <p class="hint">Give this <b>invite</b> to one person: they open the link (or paste the code in
        "Invite code" with "No server" ticked), then give you back their reply.</p>
      <div class="qr-row"><canvas id="invite-qr" class="qr" aria-label="QR code of the invite link"></canvas>
        <div class="code-box"><textarea id="invite-text" rows="4" readonly spellcheck="false"></textarea>
          <button id="copy-invite" type="button" class="secondary">Copy code</button>
          <button id="copy-invite-url" type="button" class="secondary">Copy link</button>
          <p id="invite-size" class="hint"></p></div></div>
      <label>Their reply <textarea id="reply-in" rows="2" spellcheck="false" autocomplete="off"></textarea></label>
      <div class="actions">
        <button id="scan-reply" type="button" class="secondary">Scan QR code</button>
        <button id="accept-reply" type="button">Let them in</button>
      </div>
      <p id="invite-status" class="hint" role="status"></p>
    </div>
  </div>
  <div id="scanner" hidden>
    <video id="scan-video" playsinline muted></video>
    <p id="scan-status" class="hint" role="status"></p>
    <button id="scan-stop" type="button" class="secondary">Stop scanning</button>
  </div>`;
$('join-card').after(card);

const els = {
  noServer: /** @type {HTMLInputElement} */ ($('no-server')),
  codeRow: $('invite-code-row'),
  code: /** @type {HTMLTextAreaElement} */ ($('invite-code')),
  sessionId: /** @type {HTMLInputElement} */ ($('session-id')),
  replyOut: $('reply-out'),
  replyText: /** @type {HTMLTextAreaElement} */ ($('reply-text')),
  replyWait: $('reply-wait'),
  make: $('invite-make'),
  inviteOut: $('invite-out'),
  inviteText: /** @type {HTMLTextAreaElement} */ ($('invite-text')),
  replyIn: /** @type {HTMLTextAreaElement} */ ($('reply-in')),
  status: $('invite-status'),
  scanner: $('scanner'),
  video: /** @type {HTMLVideoElement} */ ($('scan-video')),
  scanStatus: $('scan-status'),
};

function showCodeRow() {
  els.codeRow.hidden = !els.noServer.checked;
}
els.noServer.addEventListener('change', showCodeRow);

// An invite link: `#session=<id>&invite=<code>` (a fragment: never sent to the static host).
// Applied after demo.js filled the form from the query string.
addEventListener('DOMContentLoaded', () => {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const code = fragment.get('invite');
  if (!code) return;
  els.noServer.checked = true;
  els.code.value = code;
  if (fragment.get('session')) els.sessionId.value = fragment.get('session');
  showCodeRow();
  history.replaceState(null, '', location.pathname + location.search);
});

// ---- what demo.js asks ------------------------------------------------------------------------

/** Options for initSession: none (PeerServer), or `bootstrap: 'invite'` with the code if any. */
export function joinOptions() {
  els.replyOut.hidden = true;
  if (!els.noServer.checked) return {};
  const code = els.code.value.trim();
  return code ? { bootstrap: 'invite', invite: code, onInviteReply: showReply } : { bootstrap: 'invite' };
}

let session = null;

/** demo.js created a session (or null): follow its state to show or hide the invite card. */
export function sessionChanged(current) {
  session = current;
  els.inviteOut.hidden = true;
  els.make.hidden = true;
  card.hidden = els.replyOut.hidden;
  if (!current) return;
  // demo.js's share link leads to the PeerServer way in: no use without a server.
  if (els.noServer.checked) $('share').hidden = true;
  current.on('sessionConnected', () => {
    if (session !== current) return;
    els.replyOut.hidden = true; // joined: the reply did its job
    els.make.hidden = false;
    card.hidden = false;
  });
  current.on('sessionDisconnected', () => {
    if (session !== current) return;
    els.make.hidden = true;
    els.inviteOut.hidden = true;
    card.hidden = els.replyOut.hidden;
  });
}

// ---- newcomer: the reply ----------------------------------------------------------------------

function showReply(reply) {
  els.replyText.value = reply;
  $('reply-size').textContent = `${reply.length} characters · QR version ${drawQr(/** @type {HTMLCanvasElement} */ ($('reply-qr')), reply)}`;
  els.replyWait.textContent = `${REPLY_WAIT_MIN} minutes`;
  els.replyOut.hidden = false;
  card.hidden = false;
  // demo.js says "Joining…"; say what the join waits for (it overwrites this once connected).
  $('status').textContent = 'Waiting for the inviter to enter your reply…';
}

// ---- member: invite, then let the newcomer in -------------------------------------------------

let lastInvite = null;

$('make-invite').addEventListener('click', async () => {
  if (!session) return;
  els.status.textContent = 'Making an invite (gathering this device’s addresses)…';
  els.inviteOut.hidden = false;
  try {
    lastInvite = await session.createInvite();
    els.inviteText.value = lastInvite.code;
    const version = drawQr(/** @type {HTMLCanvasElement} */ ($('invite-qr')), lastInvite.url);
    $('invite-size').textContent = `code ${lastInvite.code.length} characters · link ${lastInvite.url.length} characters (QR version ${version})`;
    els.replyIn.value = '';
    els.status.textContent = `Valid until ${new Date(lastInvite.expiresAt).toLocaleTimeString()}, for one person.`;
  } catch (error) {
    els.status.textContent = `Could not make an invite: ${describeError(error)}`;
  }
});

$('accept-reply').addEventListener('click', async () => {
  if (!session) return;
  const reply = els.replyIn.value.trim();
  if (!reply) return void (els.status.textContent = 'Paste or scan their reply first.');
  els.status.textContent = 'Connecting to them…';
  try {
    await session.acceptReply(reply);
    els.status.textContent = 'Linked: they are joining the session now. Make a new invite for the next person.';
    lastInvite = null;
  } catch (error) {
    els.status.textContent = `Not let in: ${describeError(error)}`;
  }
});

function describeError(error) {
  const reason = error?.reason ? ` [${error.reason}]` : '';
  return `${error?.code ?? ''} ${error?.name ?? 'Error'}${reason}: ${error?.message ?? error}`;
}

for (const [button, source] of [['copy-invite', () => lastInvite?.code], ['copy-invite-url', () => lastInvite?.url], ['copy-reply', () => els.replyText.value]]) {
  $(button).addEventListener('click', async () => {
    const text = source();
    if (!text) return;
    try {
      await navigator.clipboard.writeText(text);
      $(button).textContent = 'Copied';
    } catch {
      // Plain-http LAN pages have no clipboard API: select the text for a manual copy.
      const box = button === 'copy-reply' ? els.replyText : els.inviteText;
      box.value = text;
      box.select();
      $(button).textContent = 'Press Ctrl+C';
    }
    setTimeout(() => ($(button).textContent = button === 'copy-reply' ? 'Copy reply' : button === 'copy-invite' ? 'Copy code' : 'Copy link'), 2000);
  });
}

// ---- QR: draw (uqr) and scan (BarcodeDetector, else jsQR) -------------------------------------

/** Draws `text` as a QR code on `canvas`; returns its version. */
function drawQr(canvas, text) {
  const qr = encodeQr(text, { ecc: 'L', border: 4 });
  const scale = Math.max(2, Math.floor(320 / qr.size));
  canvas.width = canvas.height = qr.size * scale;
  const g = canvas.getContext('2d');
  g.fillStyle = '#fff';
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.fillStyle = '#000';
  qr.data.forEach((row, y) => row.forEach((dark, x) => dark && g.fillRect(x * scale, y * scale, scale, scale)));
  return qr.version;
}

let scanning = null;

$('scan-invite').addEventListener('click', () => scanInto(els.code));
$('scan-reply').addEventListener('click', () => scanInto(els.replyIn));
$('scan-stop').addEventListener('click', () => stopScan('Stopped.'));

async function scanInto(target) {
  stopScan('');
  card.hidden = false;
  els.scanner.hidden = false;
  if (!navigator.mediaDevices?.getUserMedia) {
    els.scanStatus.textContent = 'No camera here (the camera needs https or localhost): paste the code instead.';
    return;
  }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
    const read = await qrReader();
    scanning = { stream, timer: 0 };
    els.video.srcObject = stream;
    await els.video.play();
    els.scanStatus.textContent = 'Point the camera at the QR code…';
    const tick = async () => {
      if (!scanning || scanning.stream !== stream) return;
      const text = await read(els.video).catch(() => undefined);
      if (text) {
        target.value = text;
        stopScan('Read.');
        if (target === els.code) els.sessionId.value ||= new URLSearchParams(text.split('#')[1] ?? '').get('session') ?? '';
        return;
      }
      scanning.timer = setTimeout(tick, 200);
    };
    tick();
  } catch (error) {
    stopScan(`Cannot scan: ${error?.message ?? error}. Paste the code instead.`);
  }
}

function stopScan(message) {
  if (scanning) {
    clearTimeout(scanning.timer);
    for (const track of scanning.stream.getTracks()) track.stop();
    scanning = null;
  }
  els.video.srcObject = null;
  els.scanStatus.textContent = message;
  if (!message) els.scanner.hidden = true;
}

/** A function video → QR text (or undefined): the browser's BarcodeDetector, else jsQR. */
async function qrReader() {
  const Detector = /** @type {any} */ (globalThis).BarcodeDetector;
  if (Detector && (await Detector.getSupportedFormats?.())?.includes('qr_code')) {
    const detector = new Detector({ formats: ['qr_code'] });
    return async (video) => (await detector.detect(video))[0]?.rawValue;
  }
  const jsQR = await loadJsQr();
  const canvas = document.createElement('canvas');
  const g = canvas.getContext('2d', { willReadFrequently: true });
  return async (video) => {
    if (!video.videoWidth) return undefined;
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    g.drawImage(video, 0, 0);
    return jsQR(g.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height)?.data;
  };
}

/** jsQR is a classic (UMD) script: loaded only when needed, it sets `window.jsQR`. */
function loadJsQr() {
  const existing = /** @type {any} */ (globalThis).jsQR;
  if (existing) return Promise.resolve(existing);
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = new URL('./vendor/jsQR.js', import.meta.url).href;
    script.onload = () => resolve(/** @type {any} */ (globalThis).jsQR);
    script.onerror = () => reject(new Error('could not load the QR reader'));
    document.head.append(script);
  });
}
