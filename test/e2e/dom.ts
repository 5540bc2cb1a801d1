/**
 * Reading and waiting on a page's DOM through the common page driver, the same in both engines
 * (the demo test and anything else that drives a page through its UI).
 */
import type { PageDriver } from './engines.js';
import { WAIT_MS } from './harness.js';

/**
 * Elements matching `selector`, optionally only those whose text contains `hasText`. (The
 * functions below run inside the page, so each spells out this filter: they cannot call Node's.)
 */
export interface Match {
  selector: string;
  hasText?: string;
}

/** How many elements match. */
export function count(page: PageDriver, match: Match | string): Promise<number> {
  const m = typeof match === 'string' ? { selector: match } : match;
  return page.evaluate((arg) => {
    const { selector, hasText } = arg;
    return [...document.querySelectorAll(selector)].filter((e) => hasText === undefined || (e.textContent ?? '').includes(hasText)).length;
  }, m);
}

/** The text of the first match, or null when none. */
export function text(page: PageDriver, selector: string): Promise<string | null> {
  return page.evaluate((s) => document.querySelector(s)?.textContent ?? null, selector);
}

/** The value of an input, select or textarea. */
export function value(page: PageDriver, selector: string): Promise<string> {
  return page.evaluate((s) => (document.querySelector(s) as HTMLInputElement | null)?.value ?? '(no such field)', selector);
}

export function attribute(page: PageDriver, selector: string, name: string): Promise<string | null> {
  return page.evaluate(([s, n]) => document.querySelector(s)?.getAttribute(n) ?? null, [selector, name] as const);
}

export function isEnabled(page: PageDriver, selector: string): Promise<boolean> {
  return page.evaluate((s) => !(document.querySelector(s) as HTMLButtonElement | null)?.disabled, selector);
}

/** Waits until at least `n` elements match (or, with `gone`, none); fails saying `what`. */
export async function waitFor(page: PageDriver, what: string, match: Match | string, { n = 1, gone = false, ms = WAIT_MS } = {}): Promise<void> {
  const m = typeof match === 'string' ? { selector: match } : match;
  try {
    await page.waitForFunction(
      ([arg, want, none]) => {
        const { selector, hasText } = arg;
        const found = [...document.querySelectorAll(selector)].filter((e) => hasText === undefined || (e.textContent ?? '').includes(hasText)).length;
        return none ? found === 0 : found >= want;
      },
      [m, n, gone] as const,
      { timeout: ms, polling: 50 },
    );
  } catch (error) {
    throw new Error(`timed out after ${ms} ms waiting for ${what}: ${(error as Error).message.split('\n')[0]}`);
  }
}

/**
 * Clicks the first element matching `inside` within the first element matching `match` — e.g.
 * the button of the list entry that names Bob — with a real click on a selector for it.
 */
export async function clickWithin(page: PageDriver, match: Match, inside: string): Promise<void> {
  const marker = `e2e-click-${Math.random().toString(36).slice(2, 8)}`;
  const found = await page.evaluate(
    ([arg, sel, mark]) => {
      const { selector, hasText } = arg;
      const outer = [...document.querySelectorAll(selector)].find((e) => hasText === undefined || (e.textContent ?? '').includes(hasText));
      const target = outer?.querySelector(sel);
      target?.setAttribute('data-e2e-click', mark);
      return target !== undefined && target !== null;
    },
    [match, inside, marker] as const,
  );
  if (!found) throw new Error(`no ${inside} inside ${match.selector}${match.hasText ? ` with text '${match.hasText}'` : ''}`);
  await page.click(`[data-e2e-click="${marker}"]`);
}
