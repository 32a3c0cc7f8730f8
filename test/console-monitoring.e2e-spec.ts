import type { Browser, Page } from 'playwright-core';
import { launchBrowser, screenshot, signIn, watchedContext } from './support/browser';
import { Fleet } from './support/fleet';
import { type Local, startHttp, startReceiver, validSignature } from './support/monitoring';
import { buildAll, buildConsole, waitFor } from './support/processes';

/**
 * The monitoring pages in a real browser, against a real server whose website checks probe
 * real local HTTP servers and whose webhook channel posts to a real local receiver.
 */
describe('console: alerts, website checks, notification channels', () => {
  let fleet: Fleet;
  let browser: Browser;
  let consoleDir: string;
  let failing: Local;
  let healthy: Local;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    buildAll();
    consoleDir = buildConsole();
    fleet = await Fleet.start({ CONSOLE_DIR: consoleDir, MONITOR_TICK_MS: '500' });
    browser = await launchBrowser();
    failing = await startHttp((_req, res) => res.writeHead(500).end('down'));
    // A few milliseconds of work, so the chart has response times to draw.
    healthy = await startHttp((_req, res) => {
      setTimeout(() => res.writeHead(200).end('all good'), 5 + Math.random() * 20);
    });
    receiver = await startReceiver();
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await fleet?.stop();
    await Promise.all([failing?.close(), healthy?.close(), receiver?.close()]);
  });

  const nav = (page: Page, name: string) =>
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();

  it('shows a firing alert live in the inbox and acknowledges it', async () => {
    const { page, alarms } = await watchedContext(browser);
    await signIn(page, fleet.url, 'admin@example.com', 'admin-password-123');
    await nav(page, 'Alerts');
    await page.getByText('No open alerts').waitFor();

    // The check is made over the API; the alert arrives in the open page on its own.
    await fleet
      .api()
      .post('/api/website-checks')
      .set('Authorization', fleet.admin)
      .send({ name: 'Shop', url: `${failing.url}/`, intervalSeconds: 2, failThreshold: 1 })
      .expect(201);
    const row = page.getByTestId('alert-row').filter({ hasText: 'Website down: Shop' });
    await row.waitFor({ timeout: 45_000 });
    expect(await row.getAttribute('data-state')).toBe('firing');
    expect(await row.innerText()).toContain('HTTP 500');
    await screenshot(page, 'alerts-inbox');

    await row.getByRole('button', { name: 'Acknowledge Website down: Shop' }).click();
    // The open filter keeps acknowledged alerts: the row stays, its state changes.
    await page
      .locator('[data-testid="alert-row"][data-state="acknowledged"]')
      .filter({ hasText: 'Website down: Shop' })
      .waitFor();
    expect(await row.innerText()).toContain('by admin@example.com');
    const [alert] = (
      await fleet.api().get('/api/alerts?state=acknowledged').set('Authorization', fleet.admin)
    ).body.items as { title: string; acknowledgedBy: { email: string } }[];
    expect(alert).toMatchObject({
      title: 'Website down: Shop',
      acknowledgedBy: { email: 'admin@example.com' },
    });

    // Resolved in bulk from a selection: it leaves the open view.
    await page.getByRole('checkbox', { name: 'Select all open alerts on this page' }).check();
    await page.getByRole('button', { name: 'Resolve selected' }).click();
    await page.getByText('No open alerts').waitFor();

    // The overview counts open alerts.
    await nav(page, 'Overview');
    await page.getByTestId('stat-open-alerts-value').waitFor();
    expect(await page.getByTestId('stat-open-alerts-value').innerText()).toMatch(/^[01]$/);
    expect(alarms.pageErrors).toEqual([]);
  }, 120_000);

  it('creates a website check from the form and draws its response times', async () => {
    const { page, alarms } = await watchedContext(browser);
    await signIn(page, fleet.url, 'admin@example.com', 'admin-password-123');
    await nav(page, 'Website checks');
    await page.getByRole('button', { name: 'New website check' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Name' }).fill('Intranet');
    // The shared rule refuses a scheme the server would refuse, before anything is sent.
    await dialog.getByRole('textbox', { name: 'URL' }).fill('ftp://127.0.0.1/');
    await dialog.getByRole('button', { name: 'Create check' }).click();
    await dialog.getByText('The URL uses ftp; only http and https are allowed').waitFor();
    await dialog.getByRole('textbox', { name: 'URL' }).fill(`${healthy.url}/health`);
    await dialog.getByRole('textbox', { name: 'Every (seconds)' }).fill('2');
    await dialog.getByRole('textbox', { name: 'Latency limit (ms)' }).fill('2000');
    await dialog.getByRole('button', { name: 'Create check' }).click();
    await dialog.waitFor({ state: 'hidden' });

    await page.getByRole('link', { name: 'Intranet' }).click();
    const chart = page.getByTestId('response-chart');
    await waitFor(
      async () =>
        Number(await chart.getAttribute('data-points').catch(() => '0')) >= 3 || undefined,
      60_000,
    );
    expect(await chart.locator('path').count()).toBe(1);
    expect(await page.getByTestId('response-chart-limit').count()).toBe(1);
    expect(await page.getByTestId('check-outcome').innerText()).toMatch(/ok/i);
    const checks = (await fleet.api().get('/api/website-checks').set('Authorization', fleet.admin))
      .body.items as {
      name: string;
      url: string;
      intervalSeconds: number;
      latencyLimitMs: number;
    }[];
    expect(checks.find((c) => c.name === 'Intranet')).toMatchObject({
      url: `${healthy.url}/health`,
      intervalSeconds: 2,
      latencyLimitMs: 2000,
    });
    await screenshot(page, 'website-check');
    expect(alarms.pageErrors).toEqual([]);
  }, 120_000);

  it("creates a webhook channel and its 'send test' reaches a real receiver, signed", async () => {
    const { page, alarms } = await watchedContext(browser);
    await signIn(page, fleet.url, 'admin@example.com', 'admin-password-123');
    await nav(page, 'Notification channels');
    await page.getByRole('button', { name: 'New channel' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Name' }).fill('On-call hook');
    await dialog.getByRole('textbox', { name: 'Webhook URL' }).fill(`${receiver.url}/hook`);
    await dialog.getByRole('button', { name: 'Create channel' }).click();
    const secret = (await page.getByTestId('signing-secret').innerText()).trim();
    expect(secret.length).toBeGreaterThan(20);
    await page.getByRole('button', { name: 'I have stored it' }).click();

    await page.getByRole('button', { name: 'Send test to On-call hook' }).click();
    const got = await waitFor(() => Promise.resolve(receiver.on('/hook')[0]), 30_000);
    expect(got.body.test).toBe(true);
    expect(validSignature(got, secret)).toBe(true);
    // The deliveries open after the test, with the attempt that reached the receiver.
    await page
      .locator('[data-testid="delivery-row"][data-status="delivered"]')
      .first()
      .waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('delivery-attempt').first().innerText()).toContain('(200)');
    await screenshot(page, 'notification-channels');
    expect(alarms.pageErrors).toEqual([]);
  }, 120_000);
});
