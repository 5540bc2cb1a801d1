/**
 * A page reload on the memory transport, with idb-keyval over fake-indexeddb and an in-memory
 * sessionStorage per "tab": the identity, the outbox and the receiver's de-duplication state
 * survive; a duplicated tab gets a new identity; storage that fails degrades with a warning.
 * Each test checks that every app saw every signal exactly once, in order, and every sender (or,
 * for a page that went away, its next page) heard an outcome.
 */
import { IDBFactory } from 'fake-indexeddb';
import type { UseStore } from 'idb-keyval';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OUTBOX_MAX_CHARS, Session, type OutboxSignalEvent, type Persistence, type SignalEvent } from '../../src/index.js';
import { createMemoryNetwork, type MemoryNetwork } from '../../src/testing.js';
import { connectionOf } from './helpers.js';

/** sessionStorage of one tab; `copy()` is what a duplicated tab starts with. */
class TabStorage {
  readonly items = new Map<string, string>();
  getItem(key: string) { return this.items.get(key) ?? null; }
  setItem(key: string, value: string) { this.items.set(key, value); }
  removeItem(key: string) { this.items.delete(key); }
  copy(): TabStorage {
    const copy = new TabStorage();
    for (const [k, v] of this.items) copy.items.set(k, v);
    return copy;
  }
}

/** An idb-keyval store over a fake IndexedDB (what `createStore` does, without a global). */
function fakeIdbStore(factory: IDBFactory, name: string): UseStore {
  let db: Promise<IDBDatabase> | undefined;
  const open = () => (db ??= new Promise((resolve, reject) => {
    const request = factory.open(name);
    request.onupgradeneeded = () => request.result.createObjectStore('v1');
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  }));
  return (mode, callback) => open().then((d) => callback(d.transaction('v1', mode).objectStore('v1')));
}

let run = 0;
interface Tab { storage: TabStorage; idb: UseStore | undefined }
const factory = new IDBFactory();
function newTab(idb: UseStore | null = fakeIdbStore(factory, `db-${++run}`)): Tab {
  return { storage: new TabStorage(), idb: idb ?? undefined };
}
const channelTag = () => `test-${run}`;
function persistenceOf(tab: Tab): Persistence {
  const tag = channelTag();
  return {
    tab: tab.storage,
    idb: tab.idb,
    openChannel: (name) => new BroadcastChannel(`${name}:${tag}`) as any,
    generateCertificate: undefined,
    claimWaitMs: 30,
  };
}

/** One page: a Session, what its app saw, and its pagehide (the page going away). */
interface Page {
  session: Session;
  id: string;
  signals: SignalEvent[];
  outbox: OutboxSignalEvent[];
  events: string[];
  warnings: string[];
  pagehide(): void;
}

const open: Page[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const page of open.splice(0)) page.session.disconnect();
  await wait(20); // let storage clean-ups finish
});

async function openPage(network: MemoryNetwork, tab: Tab | undefined, data: string, ackTimeout = 5000): Promise<Page> {
  const session = new Session('room', { transport: network.transport, ackTimeout, persistence: tab && persistenceOf(tab) });
  const page: Page = { session, id: '', signals: [], outbox: [], events: [], warnings: [], pagehide: () => {} };
  session.on('signal', (e) => page.signals.push(e));
  session.on('outboxSignal', (e) => page.outbox.push(e));
  session.on('storageWarning', (e) => page.warnings.push(e.reason));
  session.on({
    connectionCreated: (e) => page.events.push(`created ${e.connection.data}`),
    connectionDestroyed: (e) => page.events.push(`destroyed ${e.connection.data}`),
    connectionLinkChanged: (e) => page.events.push(`${e.connection.data} ${e.state}`),
  });
  const spy = vi.spyOn(globalThis, 'addEventListener');
  await session.connect({ data });
  const handler = spy.mock.calls.find(([type]) => type === 'pagehide')?.[1] as (() => void) | undefined;
  spy.mockRestore();
  page.id = session.connection!.connectionId;
  page.pagehide = () => handler!();
  open.push(page);
  return page;
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Polling of the waits below: the memory network and fake IndexedDB answer within milliseconds. */
const POLL = { timeout: 3_000, interval: 2 };
const datas = (signals: SignalEvent[], from?: string) => signals.filter((e) => !from || e.from.connectionId === from).map((e) => e.data);
const seq = (p: string, n: number) => Array.from({ length: n }, (_, i) => `${p}${i}`);

describe('a sender reloads with signals unacknowledged', () => {
  it('the next page is the same Connection, resends with the original ids, the receiver dispatches each once and the app hears each outcome', async () => {
    const network = createMemoryNetwork();
    const tab = newTab();
    const a = await openPage(network, tab, 'alice');
    const b = await openPage(network, undefined, 'bob');
    const sigIds: number[] = [];
    network.drop((from, _, frame: any) => (from === a.id && frame.t === 'sig' && sigIds.push(frame.id), false));
    const stopAcks = network.drop((from, _, frame: any) => from === b.id && frame.t === 'ack');
    const first = seq('m', 5).map((data) => a.session.signal({ to: connectionOf(a.session, b.session), data }).then(() => 'ok', (e) => e.code));
    await expect.poll(() => b.signals, { ...POLL, message: 'bob to get the 5 signals' }).toHaveLength(5);
    await wait(20); // the outbox write at the end of the task commits
    const before = { ...a.session.connection! };
    a.pagehide();
    expect(await Promise.all(first)).toEqual([500, 500, 500, 500, 500]); // this page's callbacks: it is gone
    stopAcks();

    const a2 = await openPage(network, tab, 'alice');
    expect({ ...a2.session.connection! }).toEqual(before);
    await expect.poll(() => a2.outbox, { ...POLL, message: 'the next page to hear the 5 outcomes' }).toHaveLength(5);
    expect(a2.outbox.map((e) => [e.signal.data, e.error])).toEqual(seq('m', 5).map((d) => [d, null]));
    expect(a2.outbox.map((e) => e.signal.id)).toEqual(sigIds.slice(0, 5)); // original ids
    expect(datas(b.signals)).toEqual(seq('m', 5)); // the resends were not dispatched again
    expect(b.events).toEqual(['created bob', 'created alice', 'alice away', 'alice linked']); // no destroyed/created for the reload

    await a2.session.signal({ to: connectionOf(a2.session, b.session), data: 'after' });
    expect(datas(b.signals)).toEqual([...seq('m', 5), 'after']);
    const later = sigIds.slice(10);
    expect(later).toHaveLength(1);
    expect(later[0]!).toBeGreaterThan(Math.max(...sigIds.slice(0, 10))); // ids never repeat across reloads
  });

  it('the id counter saved on pagehide wins over the clock (a clock set back cannot make ids repeat)', async () => {
    const network = createMemoryNetwork();
    const tab = newTab();
    const a = await openPage(network, tab, 'alice');
    const b = await openPage(network, undefined, 'bob');
    await a.session.signal({ to: connectionOf(a.session, b.session), data: 'before' });
    a.pagehide();
    const key = `mesh-signal:room:delivery:${a.id}`;
    const saved = JSON.parse(tab.storage.getItem(key)!);
    const ahead = Date.now() * 1024 + 10 ** 12; // as if the clock had been 16 minutes ahead on the last page
    tab.storage.setItem(key, JSON.stringify({ ...saved, nextId: ahead }));
    const ids: number[] = [];
    network.drop((from, _, frame: any) => (from === a.id && frame.t === 'sig' && ids.push(frame.id), false));
    const a2 = await openPage(network, tab, 'alice');
    await a2.session.signal({ to: connectionOf(a2.session, b.session), data: 'after' });
    expect(ids).toEqual([ahead]);
    expect(datas(b.signals)).toEqual(['before', 'after']);
  });

  it('signals the receiver never got arrive once each, in order, before anything the next page sends', async () => {
    const network = createMemoryNetwork();
    const tab = newTab();
    const a = await openPage(network, tab, 'alice');
    const b = await openPage(network, undefined, 'bob');
    network.interruptLink(a.id, b.id); // held at the sender
    const first = seq('h', 4).map((data) => a.session.signal({ to: connectionOf(a.session, b.session), data }).catch(() => {}));
    await wait(20);
    a.pagehide();
    await Promise.all(first);
    network.restoreLink(a.id, b.id);
    const a2 = await openPage(network, tab, 'alice');
    await a2.session.signal({ to: connectionOf(a2.session, b.session), data: 'new' });
    await expect.poll(() => a2.outbox, { ...POLL, message: 'the 4 outcomes' }).toHaveLength(4);
    expect(a2.outbox.every((e) => e.error === null)).toBe(true);
    expect(datas(b.signals)).toEqual([...seq('h', 4), 'new']);
  });

  it('a target that is not back within ackTimeout of the page coming back: the outcome is 404, through outboxSignal', async () => {
    const network = createMemoryNetwork();
    const tab = newTab();
    const a = await openPage(network, tab, 'alice');
    const b = await openPage(network, undefined, 'bob');
    network.interruptLink(a.id, b.id);
    void a.session.signal({ to: connectionOf(a.session, b.session), data: 'late' }).catch(() => {});
    await wait(20);
    a.pagehide();
    b.session.disconnect();
    const a2 = await openPage(network, tab, 'alice', 200);
    await wait(100);
    expect(a2.outbox).toEqual([]); // it may still join
    await expect.poll(() => a2.outbox, { ...POLL, message: 'the outcome' }).toHaveLength(1);
    expect([a2.outbox[0]!.signal.data, a2.outbox[0]!.error?.code, a2.outbox[0]!.error?.name]).toEqual(['late', 404, 'OT_NOT_FOUND']);
    expect(a2.outbox[0]!.error?.message).toMatch(/did not join within 200 ms/);
  });

  it('a target that joins after the page came back still gets the resent signal, once', async () => {
    const network = createMemoryNetwork();
    const [tabA, tabB] = [newTab(), newTab()];
    const a = await openPage(network, tabA, 'alice');
    const b = await openPage(network, tabB, 'bob');
    network.interruptLink(a.id, b.id);
    void a.session.signal({ to: connectionOf(a.session, b.session), data: 'wait for me' }).catch(() => {});
    await wait(20);
    a.pagehide();
    b.pagehide(); // both reload; alice's next page is back first
    network.restoreLink(a.id, b.id);
    const a2 = await openPage(network, tabA, 'alice');
    expect(a2.session.connections).toEqual([]);
    await wait(20);
    expect(a2.outbox).toEqual([]); // waiting for bob
    const b2 = await openPage(network, tabB, 'bob');
    expect(b2.id).toBe(b.id);
    await expect.poll(() => a2.outbox, { ...POLL, message: 'the outcome' }).toHaveLength(1);
    expect(a2.outbox[0]!.error).toBe(null);
    expect([...datas(b.signals), ...datas(b2.signals)]).toEqual(['wait for me']);
  });
});

describe('a receiver reloads', () => {
  it('a resend to the reloaded page is acknowledged but not dispatched twice (its high-water marks survive)', async () => {
    const network = createMemoryNetwork();
    const tab = newTab();
    const a = await openPage(network, undefined, 'alice');
    const b = await openPage(network, tab, 'bob');
    const stopAcks = network.drop((from, _, frame: any) => from === b.id && frame.t === 'ack');
    const sends = seq('r', 3).map((data) => a.session.signal({ to: connectionOf(a.session, b.session), data }).then(() => 'ok', (e) => e.code));
    await expect.poll(() => b.signals, { ...POLL, message: 'bob to get 3' }).toHaveLength(3);
    b.pagehide();
    stopAcks();
    const b2 = await openPage(network, tab, 'bob');
    expect(b2.id).toBe(b.id);
    expect(await Promise.all(sends)).toEqual(['ok', 'ok', 'ok']);
    expect(datas(b.signals)).toEqual(seq('r', 3));
    expect(b2.signals).toEqual([]);
    expect(a.events).toEqual(['created alice', 'created bob', 'bob away', 'bob linked']);
  });

  it('its high-water marks are saved when the page is hidden (a hidden tab may be discarded without pagehide)', async () => {
    const network = createMemoryNetwork();
    const tab = newTab();
    const a = await openPage(network, undefined, 'alice');
    const b = await openPage(network, tab, 'bob');
    const ids: number[] = [];
    network.drop((from, _, frame: any) => (from === a.id && frame.t === 'sig' && ids.push(frame.id), false));
    await a.session.signal({ to: connectionOf(a.session, b.session), data: 'x' });
    const key = `mesh-signal:room:delivery:${b.id}`;
    expect(tab.storage.getItem(key)).toBe(null);
    const visibility = vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
    document.dispatchEvent(new Event('visibilitychange'));
    visibility.mockRestore();
    expect(JSON.parse(tab.storage.getItem(key)!).seen).toEqual([[a.id, ids[0]]]);
  });

  it('acknowledgements it holds go out on pagehide', async () => {
    const network = createMemoryNetwork();
    const a = await openPage(network, undefined, 'alice');
    const b = await openPage(network, newTab(), 'bob');
    const sends = seq('p', 4).map((data) => a.session.signal({ to: connectionOf(a.session, b.session), data }));
    await new Promise<void>((resolve) => b.session.on('signal', (e) => e.data === 'p3' && resolve()));
    b.pagehide(); // before the batched acks of p1..p3 went out on the next task
    await expect(Promise.all(sends)).resolves.toBeDefined();
  });
});

describe('identity per tab', () => {
  it('a duplicated tab (a copy of sessionStorage) gets a new identity while the original is live', async () => {
    const network = createMemoryNetwork();
    const tab = newTab();
    const a = await openPage(network, tab, 'alice');
    const duplicate = await openPage(network, { storage: tab.storage.copy(), idb: tab.idb }, 'alice');
    expect(duplicate.id).not.toBe(a.id);
    await a.session.signal({ to: connectionOf(a.session, duplicate.session), data: 'to my twin' });
    await duplicate.session.signal({ to: connectionOf(duplicate.session, a.session), data: 'back' });
    expect([datas(duplicate.signals), datas(a.signals)]).toEqual([['to my twin'], ['back']]);
  });

  it('two sessions of one id in one page: the second gets its own identity', async () => {
    const network = createMemoryNetwork();
    const tab = newTab();
    const a = await openPage(network, tab, 'alice');
    const again = await openPage(network, tab, 'alice');
    expect(again.id).not.toBe(a.id);
  });

  it('disconnect() is a leave: the next connect is a new Connection and nothing is resent', async () => {
    const network = createMemoryNetwork();
    const tab = newTab();
    const a = await openPage(network, tab, 'alice');
    const b = await openPage(network, undefined, 'bob');
    network.interruptLink(a.id, b.id);
    const held = a.session.signal({ to: connectionOf(a.session, b.session), data: 'dropped by the leave' }).catch((e) => e.code);
    await wait(20);
    a.session.disconnect();
    expect(await held).toBe(500);
    await wait(20);
    network.restoreLink(a.id, b.id);
    const a2 = await openPage(network, tab, 'alice');
    expect(a2.id).not.toBe(a.id);
    await wait(20);
    expect([a2.outbox, b.signals]).toEqual([[], []]);
  });

  it('other data after a reload is a new Connection; what the old one left unacknowledged is reported failed, not sent', async () => {
    const network = createMemoryNetwork();
    const tab = newTab();
    const a = await openPage(network, tab, 'alice');
    const b = await openPage(network, undefined, 'bob');
    network.interruptLink(a.id, b.id);
    void a.session.signal({ to: connectionOf(a.session, b.session), data: 'from old alice' }).catch(() => {});
    await wait(20);
    a.pagehide();
    const renamed = await openPage(network, tab, 'alice-2');
    expect(renamed.id).not.toBe(a.id);
    expect(renamed.session.connection!.data).toBe('alice-2');
    await expect.poll(() => renamed.outbox, { ...POLL, message: 'the old signal\'s outcome' }).toHaveLength(1);
    expect([renamed.outbox[0]!.signal.data, renamed.outbox[0]!.error?.code]).toEqual(['from old alice', 500]);
    renamed.pagehide();
    const again = await openPage(network, tab, 'alice-2'); // the new identity is the stored one now
    expect(again.id).toBe(renamed.id);
    await wait(20);
    expect([again.outbox, b.signals]).toEqual([[], []]);
  });

  it('connect() right after disconnect() stores the new identity, so a reload then resumes it', async () => {
    const network = createMemoryNetwork();
    const tab = newTab();
    const a = await openPage(network, tab, 'alice');
    a.session.disconnect();
    await a.session.connect({ data: 'alice' });
    const second = a.session.connection!.connectionId;
    expect(second).not.toBe(a.id);
    a.pagehide();
    const reloaded = await openPage(network, tab, 'alice');
    expect(reloaded.id).toBe(second);
  });

  it('a duplicated tab that connects with other data leaves the original\'s outbox alone', async () => {
    const network = createMemoryNetwork();
    const tab = newTab();
    const a = await openPage(network, tab, 'alice');
    const b = await openPage(network, undefined, 'bob');
    network.interruptLink(a.id, b.id);
    void a.session.signal({ to: connectionOf(a.session, b.session), data: 'still mine' }).catch(() => {});
    await wait(20);
    const duplicate = await openPage(network, { storage: tab.storage.copy(), idb: tab.idb }, 'someone else');
    expect(duplicate.outbox).toEqual([]);
    a.pagehide();
    network.restoreLink(a.id, b.id);
    const a2 = await openPage(network, tab, 'alice');
    expect(a2.id).toBe(a.id);
    await expect.poll(() => a2.outbox, { ...POLL, message: 'the outcome' }).toHaveLength(1);
    expect(a2.outbox[0]!.error).toBe(null);
    expect(datas(b.signals)).toEqual(['still mine']);
  });
});

describe('storage that is not there or fails', () => {
  it('no IndexedDB: a warning, signals still work, the identity still survives a reload (without the outbox)', async () => {
    const network = createMemoryNetwork();
    const tab = newTab(null);
    const a = await openPage(network, tab, 'alice');
    const b = await openPage(network, undefined, 'bob');
    expect(a.warnings.join()).toMatch(/IndexedDB is not available/);
    await a.session.signal({ to: connectionOf(a.session, b.session), data: 'fine' });
    a.pagehide();
    const a2 = await openPage(network, tab, 'alice');
    expect(a2.id).toBe(a.id);
    expect(datas(b.signals)).toEqual(['fine']);
  });

  it('the outbox cap: past OUTBOX_MAX_CHARS on disk, one warning; what fit is resent after a reload, once each', async () => {
    const network = createMemoryNetwork();
    const tab = newTab();
    const a = await openPage(network, tab, 'alice', 60_000);
    const b = await openPage(network, undefined, 'bob');
    network.interruptLink(a.id, b.id);
    const size = 8000;
    const count = Math.ceil(OUTBOX_MAX_CHARS / size) + 20;
    const sends = Array.from({ length: count }, (_, i) => a.session.signal({ to: connectionOf(a.session, b.session), data: String(i).padEnd(size, '.') }).catch(() => {}));
    await expect.poll(() => a.warnings, { ...POLL, timeout: 10_000, message: 'the cap warning' }).toContainEqual(expect.stringMatching(/outbox holds \d+ characters on disk/));
    await wait(50);
    a.pagehide();
    await Promise.all(sends);
    network.restoreLink(a.id, b.id);
    const a2 = await openPage(network, tab, 'alice', 60_000);
    const fit = Math.floor(OUTBOX_MAX_CHARS / (size + 16 + a2.id.length + 1 + 4)); // about: each entry's characters
    await vi.waitFor(() => {
      expect(a2.outbox.length, 'the outcomes').toBeGreaterThan(0);
      expect(a2.outbox, 'an outcome for each signal bob got').toHaveLength(b.signals.length);
    }, { ...POLL, timeout: 10_000 });
    expect(a.warnings.filter((w) => /on disk/.test(w))).toHaveLength(1);
    expect(a2.outbox.length).toBeLessThan(count);
    expect(Math.abs(a2.outbox.length - fit)).toBeLessThanOrEqual(2);
    expect(a2.outbox.every((e) => e.error === null)).toBe(true);
    expect(datas(b.signals)).toEqual(Array.from({ length: a2.outbox.length }, (_, i) => String(i).padEnd(size, '.')));
  }, 30_000);

  it('IndexedDB that throws (private mode, full quota): one warning, no crash, signals complete', async () => {
    const network = createMemoryNetwork();
    const broken: UseStore = () => Promise.reject(new DOMException('quota exceeded', 'QuotaExceededError'));
    const a = await openPage(network, newTab(broken), 'alice');
    const b = await openPage(network, undefined, 'bob');
    network.interruptLink(a.id, b.id); // pending long enough to be written
    const sends = seq('q', 3).map((data) => a.session.signal({ to: connectionOf(a.session, b.session), data }));
    await expect.poll(() => a.warnings, { ...POLL, message: 'the storage warning' }).toContainEqual(expect.stringMatching(/QuotaExceededError|quota exceeded/));
    network.restoreLink(a.id, b.id);
    await Promise.all(sends);
    expect(datas(b.signals)).toEqual(seq('q', 3));
    expect(a.warnings.filter((w) => /quota/.test(w))).toHaveLength(1);
  });
});
