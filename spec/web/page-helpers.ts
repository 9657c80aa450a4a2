/// <reference lib="dom" />
/**
 * Driving and checking the chat page (web/) from playwright: what a spec types, what it waits for
 * (always bounded), and a watch on what must never happen in the page (CSP violations, uncaught
 * errors, dialogs). Shared by the page's own spec and any end-to-end browser spec.
 */
import type { BrowserContext, Page } from 'playwright-core';

/** Every wait on a page is bounded by this. */
export const PAGE_WAIT_MS = 5_000;

/** What must never happen in the page, recorded as it happens. */
export interface PageWatch {
  /** Uncaught exceptions in the page's script. */
  readonly pageErrors: string[];
  /** Dialogs the page opened (alert, confirm, ...), dismissed at once. */
  readonly dialogs: string[];
  /** Console messages about the Content-Security-Policy. */
  readonly cspConsole: string[];
  /** The `securitypolicyviolation` events so far, read from the page. */
  violations(): Promise<string[]>;
  /** Everything at once, for one `toEqual` against the empty record. */
  record(): Promise<{ violations: string[]; csp: string[]; errors: string[]; dialogs: string[] }>;
}

/** The empty record of `PageWatch.record()`. */
export const NOTHING_WRONG = { violations: [], csp: [], errors: [], dialogs: [] };

/**
 * Starts watching a page of `context`. Call before the page loads: the CSP listener is an init
 * script, which runs through the DevTools protocol, outside the page's own CSP.
 */
export async function watchPage(context: BrowserContext, page: Page): Promise<PageWatch> {
  await context.addInitScript(() => {
    const violations: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = violations;
    document.addEventListener('securitypolicyviolation', (event) =>
      violations.push(`${event.violatedDirective} blocked ${event.blockedURI || 'inline'}`),
    );
  });
  const watch: PageWatch = {
    pageErrors: [],
    dialogs: [],
    cspConsole: [],
    violations: () => cspViolations(page),
    async record() {
      const violations = await cspViolations(page).catch(() => ['(could not read the violations)']);
      return { violations, csp: [...watch.cspConsole], errors: [...watch.pageErrors], dialogs: [...watch.dialogs] };
    },
  };
  page.on('pageerror', (error) => watch.pageErrors.push(error.message));
  page.on('dialog', (dialog) => {
    watch.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('console', (message) => {
    if (/content.security.policy/i.test(message.text())) watch.cspConsole.push(message.text());
  });
  return watch;
}

export function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);
}

/** Types `text` into the input and presses Enter. */
export async function typeAndSend(page: Page, text: string): Promise<void> {
  await page.fill('#input', text);
  await page.press('#input', 'Enter');
}

/** The text of every log entry, oldest first. */
export function logTexts(page: Page): Promise<string[]> {
  return page.locator('#log .entry').allTextContents();
}

/** The text of the newest log entry. */
export async function lastLog(page: Page): Promise<string | undefined> {
  return (await logTexts(page)).at(-1);
}

/** Waits (bounded) until the last log entry is `expected`, failing with the log so far. */
export async function expectLastLog(page: Page, expected: string | RegExp): Promise<void> {
  let last: string | undefined;
  const matches = () => last !== undefined && (typeof expected === 'string' ? last === expected : expected.test(last));
  await waitUntilAsync(
    async () => {
      last = await lastLog(page);
      return matches();
    },
    `the last log entry to be ${String(expected)}`,
    async () => `log: ${JSON.stringify((await logTexts(page)).slice(-8), null, 1)}`,
  );
}

/** Waits (bounded) until the list of who is online reads `expected` (yourself as `NAME (you)`). */
export async function expectPeople(page: Page, expected: readonly string[]): Promise<void> {
  let people: string[] = [];
  await waitUntilAsync(
    async () => {
      people = await page.locator('#people li').allTextContents();
      return JSON.stringify(people) === JSON.stringify(expected);
    },
    `the list of people to be ${JSON.stringify(expected)}`,
    async () => `people: ${JSON.stringify(people)}`,
  );
}

/** Waits (bounded) for the connection state: connecting, connected, waiting or stopped. */
export async function waitForState(page: Page, state: string): Promise<void> {
  await page.waitForSelector(`body[data-state="${state}"]`, { state: 'attached', timeout: PAGE_WAIT_MS });
}

/** Polls a condition that needs the page, bounded by PAGE_WAIT_MS; the failure says what and shows `details`. */
export async function waitUntilAsync(
  condition: () => Promise<boolean>,
  what: string,
  details: () => Promise<string>,
): Promise<void> {
  const deadline = Date.now() + PAGE_WAIT_MS;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${PAGE_WAIT_MS} ms waiting for ${what}\n${await details()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
