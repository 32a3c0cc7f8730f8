import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page,
} from 'playwright-core';
import { ROOT } from './processes';

/** Where the e2e run leaves its screenshots; the README shows them to newcomers. */
export const SCREENSHOTS = process.env.FLEETDESK_SCREENSHOTS ?? join(ROOT, 'docs', 'screenshots');

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// With pages allowed 60 s (watchedContext), a browser test's own default is raised to match;
// a test that names its timeout keeps it.
jest.setTimeout(150_000);

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
