import type { Browser } from 'playwright-core';
import { oneLiners } from '../apps/console/src/features/enrollment/commands';
import { launchBrowser, screenshot, signIn, watchedContext } from './support/browser';
import { Fleet } from './support/fleet';
import { buildAll, buildConsole } from './support/processes';

/** The enroll page in a real browser: a new token comes with the one-line installs. */
describe('console: one-line install on the enroll page', () => {
  let fleet: Fleet;
  let browser: Browser;
  let consoleDir: string;

  beforeAll(async () => {
    buildAll();
    consoleDir = buildConsole();
    fleet = await Fleet.start({ CONSOLE_DIR: consoleDir });
    browser = await launchBrowser();
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await fleet?.stop();
  });

  it('shows the Linux/macOS and Windows one-liners for a new token, each with a copy button', async () => {
    const { page, alarms } = await watchedContext(browser);
    await signIn(page, fleet.url, 'admin@example.com', 'admin-password-123');
    await page.goto(`${fleet.url}/enroll`);
    await page.getByLabel('Name').fill('Paris office');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = (await page.getByTestId('new-token-secret').innerText()).trim();
    const fingerprint = (await page.getByTestId('server-key-sha256').innerText()).trim();
    const [unix, windows] = oneLiners(fleet.url, secret, fingerprint);

    const shown = page.getByTestId('one-line-install-unix');
    await shown.waitFor();
    expect((await shown.innerText()).trim()).toBe(unix.command);
    expect(unix.command).toBe(
      `curl -fsSL '${fleet.url}/install.sh' | sudo sh -s -- --token '${secret}' --server-key-sha256 ${fingerprint}`,
    );
    await page.getByRole('button', { name: 'Copy Linux and macOS command' }).waitFor();
    await screenshot(page, 'enroll-one-line');

    await page.getByRole('tab', { name: 'Windows' }).first().click();
    const win = page.getByTestId('one-line-install-windows');
    await win.waitFor();
    expect((await win.innerText()).trim()).toBe(windows.command);
    expect(windows.command).toContain(`irm '${fleet.url}/install.ps1'`);
    await page.getByRole('button', { name: 'Copy Windows command' }).waitFor();
    expect(alarms.pageErrors).toEqual([]);
    expect(alarms.cspViolations).toEqual([]);
  }, 60_000);
});
