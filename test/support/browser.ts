import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page,
  type Request,
} from 'playwright-core';
import { ROOT } from './processes';

/** Where the e2e run leaves its screenshots; the README shows them to newcomers. */
export const SCREENSHOTS = process.env.FLEETDESK_SCREENSHOTS ?? join(ROOT, 'docs', 'screenshots');

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// With pages allowed 60 s (watchedContext), a browser test's own default is raised to match;
// a test that names its timeout keeps it.
jest.setTimeout(150_000);
// Three CI runs in a row each failed one different console test on a page that loads in 2 s
// alone (at load 5–9, beside the heaviest e2e files); never the same test twice. A failed
// browser test runs once more, and its first failure is printed all the same (with what its
// page was doing, below), so a real fault still fails and a slow moment is still seen.
jest.retryTimes(1, { logErrorsBeforeRetry: true });

/**
 * What each open page did lately, to say why a test failed: after a failed test (the e2e
 * environment, test/support/environment.js, sets the flag), each page still open prints its
 * URL, its text, the requests still unanswered and its last API calls and console errors.
 * Three CI runs failed waiting for a page that took 2 s alone; this is what tells why. Every
 * context still open after a test is closed.
 */
interface PageRecord {
  page: Page;
  events: string[];
  /** Requests not answered yet, with when they were sent. */
  waiting: Map<Request, number>;
}
const openContexts = new Map<BrowserContext, PageRecord>();
const RECENT_EVENTS = 40;

function recordPageEvents(context: BrowserContext, page: Page): void {
  const events: string[] = [];
  const started = Date.now();
  const note = (line: string) => {
    events.push(`+${((Date.now() - started) / 1000).toFixed(1)} s ${line}`);
    if (events.length > RECENT_EVENTS) events.shift();
  };
  const asked = new Map<Request, number>();
  page.on('request', (r) => asked.set(r, Date.now()));
  page.on('requestfinished', (r) => {
    const ms = Date.now() - (asked.get(r) ?? Date.now());
    asked.delete(r);
    // Static files answered in time only crowd out the API calls that matter.
    if (r.url().includes('/assets/') && ms < 5000) return;
    void r
      .response()
      .then((res) => note(`${r.method()} ${r.url()} → ${res?.status() ?? '?'} in ${ms} ms`))
      .catch(() => undefined);
  });
  page.on('requestfailed', (r) => {
    asked.delete(r);
    note(`${r.method()} ${r.url()} failed: ${r.failure()?.errorText ?? '?'}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') note(`console ${m.type()}: ${m.text()}`);
  });
  page.on('framenavigated', (f) => {
    if (f === page.mainFrame()) note(`navigated to ${f.url()}`);
  });
  openContexts.set(context, { page, events, waiting: asked });
  context.on('close', () => openContexts.delete(context));
}

afterEach(async () => {
  const failed = (globalThis as { __fleetdeskTestFailed?: boolean }).__fleetdeskTestFailed;
  for (const [context, { page, events, waiting }] of openContexts) {
    openContexts.delete(context);
    if (!failed) {
      await context.close().catch(() => undefined);
      continue;
    }
    // Requests still waiting when the test gave up are the likeliest culprits.
    const pending = [...waiting].map(
      ([r, t]) => `${r.method()} ${r.url()} waiting ${Date.now() - t} ms`,
    );
    const text = await page
      .evaluate(() => document.body?.innerText ?? '')
      .then((t) => t.replace(/\s+/g, ' ').slice(0, 600))
      .catch((e: unknown) => `(unreadable: ${(e as Error).message})`);
    process.stderr.write(
      [
        `--- a browser page of the failed test "${expect.getState().currentTestName ?? '?'}" ---`,
        `url: ${page.url()}`,
        `text: ${text}`,
        `pending: ${pending.length ? `\n  ${pending.join('\n  ')}` : 'none'}`,
        `last events:\n  ${events.join('\n  ')}`,
        '',
      ].join('\n'),
    );
    await context.close().catch(() => undefined);
  }
});

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // This machine's network is closed: without the background-networking flags Chromium
    // keeps trying to reach Google and fills the log with refused connections.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A phone as a technician holds it: 390 × 844 CSS pixels, a 3× screen, touch, mobile layout. */
export const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 3,
  isMobile: true,
  hasTouch: true,
};

/** What a page did that it never should: run injected script, or trip the CSP. */
export interface PageAlarms {
  /** Calls to window.__xss: only an injected payload calls it. */
  xss: () => Promise<unknown[]>;
  cspViolations: string[];
  dialogs: string[];
  pageErrors: string[];
}

/**
 * A browser context whose pages carry a tripwire: window.__xss records any call (every test
 * payload calls it), CSP violations and dialogs are collected, and uncaught page errors too.
 */
export async function watchedContext(
  browser: Browser,
  options: BrowserContextOptions = { viewport: { width: 1280, height: 800 } },
): Promise<{ context: BrowserContext; page: Page; alarms: PageAlarms }> {
  const context = await browser.newContext(options);
  await context.addInitScript(() => {
    const w = window as unknown as { __xss: (...a: unknown[]) => void; __xssCalls: unknown[] };
    w.__xssCalls = [];
    w.__xss = (...args: unknown[]) => void w.__xssCalls.push(args);
    document.addEventListener('securitypolicyviolation', (e) => {
      w.__xssCalls.push(['csp', e.violatedDirective, e.blockedURI]);
    });
  });
  // Every browser test now runs in the embedded-engine run only, beside the heaviest e2e files
  // (twenty real agents): a page that is ready in 2 s alone took over 30 s there (CI, load 5–9).
  context.setDefaultTimeout(60_000);
  const page = await context.newPage();
  recordPageEvents(context, page);
  const alarms: PageAlarms = {
    xss: () => page.evaluate(() => (window as unknown as { __xssCalls: unknown[] }).__xssCalls),
    cspViolations: [],
    dialogs: [],
    pageErrors: [],
  };
  page.on('console', (message) => {
    if (/Content[- ]Security[- ]Policy/i.test(message.text())) {
      alarms.cspViolations.push(message.text());
    }
  });
  page.on('dialog', (dialog) => {
    alarms.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => alarms.pageErrors.push(error.message));
  return { context, page, alarms };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

export async function signIn(page: Page, url: string, email: string, password: string) {
  await page.goto(url);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Attached, not visible: a phone-sized header has no room for the user's name.
  await page.getByTestId('current-user').waitFor({ state: 'attached' });
}
