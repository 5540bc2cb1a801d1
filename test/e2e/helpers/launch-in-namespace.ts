/**
 * Starts the suite's browser of an engine (engines.ts: its flags, prefs and page drivers) inside a
 * lab namespace (browser-lab.ts), so one browser's network can be taken away.
 *
 * engines.ts takes no executable per launch, so for this one launch the driver library's own
 * `launch` is wrapped: its executable becomes the namespace's wrapper script, and Firefox's
 * debugging port (Puppeteer connects to it over TCP) one forwarded into the namespace. Launch
 * nothing else meanwhile (the wrap is undone when the launch settles).
 */
import { chromium, type Browser } from 'playwright-core';
import puppeteer from 'puppeteer-core';
import { launchEngine, launchPlaywrightChromium, type EngineBrowser, type LaunchOptions } from '../engines.js';
import type { LabNamespace } from './browser-lab.js';

type Launch<O> = (options?: O) => Promise<unknown>;

async function withLaunchWrapped<O extends { executablePath?: string }, R>(owner: { launch: Launch<O> }, change: (options: O) => Promise<O>, start: () => Promise<R>): Promise<R> {
  const original = owner.launch;
  owner.launch = async (options?: O) => original.call(owner, await change(options ?? ({} as O)));
  try {
    return await start();
  } finally {
    owner.launch = original;
  }
}

export function launchInNamespace(engine: 'chromium', host: LabNamespace): Promise<Browser>;
export function launchInNamespace(engine: 'firefox', host: LabNamespace, options?: LaunchOptions): Promise<EngineBrowser>;
export function launchInNamespace(engine: 'chromium' | 'firefox', host: LabNamespace, options: LaunchOptions = {}): Promise<Browser | EngineBrowser> {
  if (engine === 'chromium') {
    // Playwright drives Chromium over a pipe: the namespace does not come between them.
    return withLaunchWrapped(chromium as unknown as { launch: Launch<{ executablePath?: string }> }, async (o) => ({ ...o, executablePath: host.wrap(o.executablePath!) }), launchPlaywrightChromium);
  }
  return withLaunchWrapped(
    puppeteer as unknown as { launch: Launch<{ executablePath?: string; debuggingPort?: number }> },
    async (o) => ({ ...o, executablePath: host.wrap(o.executablePath!), debuggingPort: await host.forward() }),
    () => launchEngine('firefox', options),
  );
}
