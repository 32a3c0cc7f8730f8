import type { Browser } from 'playwright-core';
import { launchBrowser, watchedContext } from './support/browser';
import { Fleet } from './support/fleet';
import { buildAll, buildConsole, waitFor } from './support/processes';

/**
 * First start with no administrator: the server prints a one-time setup token and the
 * console's first page turns it into the first admin.
 */
describe('web console first-admin setup', () => {
  let fleet: Fleet;
  let browser: Browser;
  let consoleDir: string;

  beforeAll(async () => {
    buildAll();
    consoleDir = buildConsole();
    // Empty values unset the bootstrap admin the harness gives every other fleet.
    fleet = await Fleet.boot({
      CONSOLE_DIR: consoleDir,
      FLEETDESK_ADMIN_EMAIL: '',
      FLEETDESK_ADMIN_PASSWORD: '',
    });
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await fleet?.stop();
  });

  it('refuses a wrong token in words, then creates the admin from the logged one', async () => {
    const token = await waitFor(
      () =>
        Promise.resolve(
          /One-time setup token: ([A-Za-z0-9_-]+)/.exec(fleet.server?.output() ?? '')?.[1],
        ),
      10_000,
    );
    const { page, alarms } = await watchedContext(browser);
    await page.goto(fleet.url);
    await page.getByRole('heading', { name: 'Set up Fleetdesk' }).waitFor();
    const fill = async (setupToken: string) => {
      await page.getByLabel(/^Setup token/).fill(setupToken);
      await page.getByLabel(/^Your name/).fill('Ada Admin');
      await page.getByLabel(/^Email/).fill('ada@example.com');
      await page.getByLabel(/^Password/).fill('a-long-admin-password');
      await page.getByLabel(/^Confirm password/).fill('a-long-admin-password');
      await page.getByRole('button', { name: 'Create administrator' }).click();
    };

    await fill('not-the-token');
    await page
      .getByRole('alert')
      .getByText(/setup token is wrong/i)
      .waitFor();

    await fill(` ${token} `);
    await page.getByTestId('current-user').getByText('Ada Admin').waitFor();
    expect(await alarms.xss()).toEqual([]);
    expect(alarms.pageErrors).toEqual([]);

    // The token is spent: the setup page is gone for good.
    const status = await page.evaluate(async () => (await fetch('/api/setup')).json() as unknown);
    expect(status).toEqual({ needsSetup: false });
    await page.context().close();
  });
});
