import type { Browser } from 'playwright-core';
import type { SoftwareDevicesPage } from '@fleetdesk/api-types';
import { launchBrowser, screenshot, signIn, watchedContext } from './support/browser';
import { Fleet } from './support/fleet';
import { buildAll, buildConsole, waitFor } from './support/processes';

/**
 * The fleet software search page in a real browser, over a real agent whose inventory is this
 * machine's own dpkg package list (Debian in CI).
 */
describe('console: fleet software search', () => {
  let fleet: Fleet;
  let browser: Browser;
  let consoleDir: string;
  let deviceId: string;
  let bash: SoftwareDevicesPage;

  beforeAll(async () => {
    buildAll();
    consoleDir = buildConsole();
    fleet = await Fleet.start({ CONSOLE_DIR: consoleDir });
    browser = await launchBrowser();
    const agent = await fleet.enrollAgent();
    deviceId = agent.deviceId;
    fleet.runAgent(agent.stateDir);
    // bash is in every Debian install; its version is whatever dpkg says here.
    bash = await waitFor(async () => {
      const res = await fleet
        .api()
        .get('/api/software-inventory/devices?name=bash')
        .set('Authorization', fleet.admin);
      const page = res.body as SoftwareDevicesPage;
      return res.status === 200 && page.total === 1 ? page : undefined;
    }, 90_000);
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await fleet?.stop();
  });

  it('finds the devices that have a package, that lack one, and exports them', async () => {
    const { page, alarms } = await watchedContext(browser);
    await signIn(page, fleet.url, 'admin@example.com', 'admin-password-123');
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Software', exact: true })
      .click();
    // The suggestions list shares the input's label: the input is the one to type in.
    const names = page.getByLabel('Package names').and(page.locator('input'));
    await names.fill('bash');

    const row = page.getByTestId('software-device-row');
    await row.first().waitFor();
    expect(await row.count()).toBe(1);
    const text = await row.first().innerText();
    expect(text).toContain(bash.items[0]?.name ?? '?');
    expect(text).toContain(bash.items[0]?.versions[0] ?? '?');
    expect(text).toContain('dpkg');
    expect(await page.getByTestId('paging-summary').innerText()).toBe('Showing 1–1 of 1 devices');
    await screenshot(page, 'software-search');

    // The device has bash: nobody lacks it. (Escape closes the name suggestions first, which
    // would cover the switch.)
    await names.press('Escape');
    await page.getByText('Missing it', { exact: true }).click();
    await page.getByText('Every device that reported its inventory has it.').waitFor();

    // A name nobody has: the device lacks it, and the export link carries the same filters.
    await names.fill('no-such-package-fleetdesk, other-missing-one');
    await names.press('Escape');
    await row.first().waitFor();
    expect(await row.count()).toBe(1);
    const href = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
    expect(href).toBe(
      '/api/software-inventory/devices.csv?name=no-such-package-fleetdesk%2C+other-missing-one&match=exact&presence=missing',
    );
    const csv = await page.evaluate(async (url) => (await fetch(url)).text(), href as string);
    expect(csv.split('\r\n')[1]).toMatch(new RegExp(`^${deviceId},`));

    // Clicking the device leads to its page.
    await row.first().getByRole('link').click();
    await page.waitForURL(`**/devices/${deviceId}`);
    expect(alarms.pageErrors).toEqual([]);
    expect(alarms.cspViolations).toEqual([]);
  }, 90_000);
});
