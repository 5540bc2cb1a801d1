/**
 * The two browser engines of the e2e suite behind one small page driver, so every test runs in
 * both without a second copy: Chromium through playwright-core, Firefox ESR through
 * puppeteer-core over WebDriver BiDi (Playwright cannot drive a stock Firefox). Both binaries
 * come from Debian; nothing is ever downloaded.
 *
 * | network (`E2E_NETWORK`) | namespace                     | Chromium                          | Firefox |
 * |-------------------------|-------------------------------|-----------------------------------|---------|
 * | `lab` (scripts/lab.sh)  | `lo` + a veth "LAN", 10.99.0.1 | no flags: mDNS `.local` candidates | the same |
 * | `loopback` (default)    | `lo` only (scripts/loopback.sh) | loopback flag + mic permission: 127.0.0.1 | none gathered: refused |
 */
import { networkInterfaces } from 'node:os';
import { chromium, type Browser as PlaywrightBrowser, type Page as PlaywrightPage } from 'playwright-core';
import puppeteer, { type Browser as PuppeteerBrowser, type BrowserContext as PuppeteerContext, type Page as PuppeteerPage } from 'puppeteer-core';

export type Engine = 'chromium' | 'firefox';

/** Every engine the suite knows. */
export const ALL_ENGINES: readonly Engine[] = ['chromium', 'firefox'];

/**
 * The engines the suite runs: all, or a comma list in `E2E_ENGINES` (e.g. `E2E_ENGINES=firefox`
 * while working on one). `npm test` sets none: both run.
 */
export const ENGINES: readonly Engine[] = (() => {
  const wanted = process.env.E2E_ENGINES?.split(',').map((s) => s.trim()).filter(Boolean);
  if (!wanted?.length) return ALL_ENGINES;
  for (const name of wanted) if (!ALL_ENGINES.includes(name as Engine)) throw new Error(`E2E_ENGINES: unknown engine '${name}' (known: ${ALL_ENGINES.join(', ')})`);
  return wanted as Engine[];
})();

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/** The address scripts/lab.sh gives this test host on its veth "LAN". */
export const LAB_ADDRESS = '10.99.0.1';

export type Network = 'lab' | 'loopback';

/** Which namespace the suite runs in: scripts/lab.sh sets `E2E_NETWORK=lab`. */
export function network(): Network {
  if (process.env.E2E_NETWORK !== 'lab') return 'loopback';
  const lan = Object.values(networkInterfaces()).flat().some((a) => a?.address === LAB_ADDRESS);
  if (!lan) throw new Error(`E2E_NETWORK=lab but no interface has ${LAB_ADDRESS}: run the suite through scripts/lab.sh`);
  return 'lab';
}

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/**
 * With only `lo`, Chromium needs this flag AND a granted media permission to expose 127.0.0.1
 * candidates (see the testing reference). On the lab LAN it needs neither: it gathers mDNS
 * `.local` host candidates, as it does for real users.
 */
const CHROMIUM_LOOPBACK_ARG = '--allow-loopback-in-peer-connection';

/** Chromium as the suite launches it for the current network (for callers that want Playwright itself). */
export function launchPlaywrightChromium(): Promise<PlaywrightBrowser> {
  const args = network() === 'loopback' ? [...CHROMIUM_ARGS, CHROMIUM_LOOPBACK_ARG] : CHROMIUM_ARGS;
  return chromium.launch({ executablePath: CHROMIUM_PATH, args });
}

/** Options of a Playwright context for the current network (the media permission on loopback). */
export function chromiumContextOptions(): { permissions: string[] } {
  return { permissions: network() === 'loopback' ? ['microphone'] : [] };
}

export interface Viewport {
  width: number;
  height: number;
}

/**
 * What a test does with a page, in either engine. The argument orders are Playwright's
 * (`evaluate(fn, arg)`, `waitForFunction(fn, arg, options)`).
 */
export interface PageDriver {
  readonly engine: Engine;
  goto(url: string): Promise<void>;
  reload(): Promise<void>;
  url(): string;
  evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R>;
  waitForFunction<A>(fn: (arg: A) => unknown, arg: A, options: { timeout: number; polling?: number }): Promise<void>;
  on(event: 'pageerror', listener: (error: Error) => void): void;
  click(selector: string): Promise<void>;
  /** Sets a field's value as typing would end (an `input` event), in one step however long. */
  fill(selector: string, value: string): Promise<void>;
  screenshot(path: string, options?: { fullPage?: boolean }): Promise<void>;
  /**
   * Puts the page in a background tab (`document.hidden`), where browsers throttle its timers.
   * Firefox: a blank tab opened over it in its window. Absent for Chromium: headless Chromium
   * under Playwright keeps every page visible (even a minimized window).
   */
  hide?(): Promise<void>;
  /** Closes the page and its own context (storage). */
  close(): Promise<void>;
  /**
   * Closes the page as a user closes a tab: its unload steps run (`pagehide`) and its context
   * (the user's browser profile) stays until `close()`. Firefox's `close()` over WebDriver BiDi
   * discards the page without its unload steps, and closing the context right after the tab
   * can cut a goodbye the page sent on `pagehide` before it leaves the process.
   */
  closeTab(): Promise<void>;
}

/** One running browser of either engine. */
export interface EngineBrowser {
  readonly engine: Engine;
  /** A page in a context of its own (own storage, as a separate user would be). */
  newPage(options?: { viewport?: Viewport }): Promise<PageDriver>;
  close(): Promise<void>;
}

function fillInPage([selector, value]: readonly [string, string]): void {
  const field = document.querySelector(selector) as HTMLInputElement | HTMLTextAreaElement | null;
  if (!field) throw new Error(`no element matches ${selector}`);
  field.focus();
  field.value = value;
  field.dispatchEvent(new Event('input', { bubbles: true }));
  field.dispatchEvent(new Event('change', { bubbles: true }));
}

class PlaywrightDriver implements PageDriver {
  readonly engine = 'chromium' as const;
  constructor(
    private readonly page: PlaywrightPage,
    private readonly ownsContext: boolean,
  ) {}
  async goto(url: string) {
    await this.page.goto(url);
  }
  async reload() {
    await this.page.reload();
  }
  url() {
    return this.page.url();
  }
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R> {
    // (Playwright's own typing of the argument, Unboxed<A>, does not unify with a generic A.)
    return this.page.evaluate(fn as (arg: unknown) => R | Promise<R>, arg as unknown) as Promise<R>;
  }
  async waitForFunction<A>(fn: (arg: A) => unknown, arg: A, { timeout, polling = 50 }: { timeout: number; polling?: number }) {
    await this.page.waitForFunction(fn as (arg: unknown) => unknown, arg as unknown, { timeout, polling });
  }
  on(event: 'pageerror', listener: (error: Error) => void) {
    this.page.on(event, listener);
  }
  async click(selector: string) {
    await this.page.click(selector);
  }
  async fill(selector: string, value: string) {
    await this.page.evaluate(fillInPage, [selector, value] as const);
  }
  async screenshot(path: string, { fullPage = false } = {}) {
    await this.page.screenshot({ path, fullPage });
  }
  async close() {
    await (this.ownsContext ? this.page.context().close() : this.page.close());
  }
  async closeTab() {
    const closed = new Promise<void>((resolve) => this.page.once('close', () => resolve()));
    await this.page.close({ runBeforeUnload: true }); // does not wait for the unload to finish
    await closed;
  }
}

const FIREFOX_WEBSOCKET_NOISE = /^(Firefox can.t establish a connection to the server at ws:|The connection to ws:\S+ was interrupted while the page was loading)/;

class PuppeteerDriver implements PageDriver {
  readonly engine = 'firefox' as const;
  constructor(
    private readonly page: PuppeteerPage,
    private readonly context: PuppeteerContext,
  ) {}
  async goto(url: string) {
    await this.page.goto(url);
  }
  async reload() {
    await this.page.reload();
  }
  url() {
    return this.page.url();
  }
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R> {
    return this.page.evaluate(fn as (arg: unknown) => R | Promise<R>, arg as unknown) as Promise<R>;
  }
  async waitForFunction<A>(fn: (arg: A) => unknown, arg: A, { timeout, polling = 50 }: { timeout: number; polling?: number }) {
    await this.page.waitForFunction(fn as (arg: unknown) => unknown, { timeout, polling }, arg as unknown);
  }
  on(event: 'pageerror', listener: (error: Error) => void) {
    this.page.on('pageerror', (error) => {
      const message = error instanceof Error ? error.message : String(error);
      // Firefox also reports a refused or interrupted WebSocket as an error entry (Chromium does
      // not call those page errors): a claim of a taken rendezvous id is refused by design.
      if (FIREFOX_WEBSOCKET_NOISE.test(message)) return;
      listener(error instanceof Error ? error : new Error(message));
    });
  }
  async click(selector: string) {
    await this.page.click(selector);
  }
  async fill(selector: string, value: string) {
    await this.page.evaluate(fillInPage, [selector, value] as const);
  }
  async screenshot(path: string, { fullPage = false } = {}) {
    await this.page.screenshot({ path: path as `${string}.png`, fullPage });
  }
  async hide() {
    // A new tab opens in the window that was last active: make that this page's window first.
    await this.page.bringToFront();
    const cover = await this.context.newPage();
    await cover.goto('about:blank');
  }
  async close() {
    await this.context.close();
  }
  async closeTab() {
    const closed = new Promise<void>((resolve) => this.page.once('close', () => resolve()));
    await this.page.close({ runBeforeUnload: true }); // does not wait for the unload to finish
    await closed;
  }
}

/** The common driver over a Playwright page; `close()` closes its context too. */
export function playwrightDriver(page: PlaywrightPage): PageDriver {
  return new PlaywrightDriver(page, true);
}

/** Chromium through Playwright: one context per page. */
export function chromiumBrowser(browser: PlaywrightBrowser): EngineBrowser {
  return {
    engine: 'chromium',
    async newPage({ viewport } = {}) {
      const context = await browser.newContext({ ...chromiumContextOptions(), ...(viewport ? { viewport } : {}) });
      return new PlaywrightDriver(await context.newPage(), true);
    },
    close: () => browser.close(),
  };
}

/**
 * Firefox ESR through Puppeteer over WebDriver BiDi. Each page gets its own user context and its
 * own window: pages opened as tabs of one window are hidden but for the last, and Firefox clamps
 * a hidden page's timers to 1 s — each test page stands for a user looking at their own screen.
 */
function firefoxBrowser(browser: PuppeteerBrowser): EngineBrowser {
  return {
    engine: 'firefox',
    async newPage({ viewport } = {}) {
      const context = await browser.createBrowserContext();
      const page = await context.newPage({ type: 'window' });
      if (viewport) await page.setViewport(viewport);
      return new PuppeteerDriver(page, context);
    },
    close: () => browser.close(),
  };
}

export interface LaunchOptions {
  /**
   * Firefox only: `'address'` makes it show its peers its real host address instead of an mDNS
   * name (`media.peerconnection.ice.obfuscate_host_addresses` off). Default `'mdns'`, as users
   * have it. Mixed-engine sessions need `'address'` for now: see docs/e2e.md, "Chromium and
   * Firefox mDNS names".
   */
  firefoxHostCandidates?: 'mdns' | 'address';
}

/** Starts one browser of `engine`, set up for the current network. */
export async function launchEngine(engine: Engine, { firefoxHostCandidates = 'mdns' }: LaunchOptions = {}): Promise<EngineBrowser> {
  if (engine === 'chromium') return chromiumBrowser(await launchPlaywrightChromium());
  if (network() !== 'lab') {
    throw new Error('Firefox gathers no ICE candidates in a namespace with only lo: run the e2e suite through scripts/lab.sh');
  }
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    // Nothing to fetch on an offline LAN; the profile is a fresh temporary one per launch.
    extraPrefsFirefox: {
      'network.captive-portal-service.enabled': false,
      'network.connectivity-service.enabled': false,
      ...(firefoxHostCandidates === 'address' ? { 'media.peerconnection.ice.obfuscate_host_addresses': false } : {}),
    },
  });
  return firefoxBrowser(browser);
}
