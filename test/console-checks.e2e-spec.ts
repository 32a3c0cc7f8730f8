import type { Browser, Page } from 'playwright-core';
import { launchBrowser, PHONE, screenshot, signIn, watchedContext } from './support/browser';
import { Fleet } from './support/fleet';
import { buildAll, buildConsole, waitFor } from './support/processes';

/**
 * Agent checks in a real Chromium against a real server and a real agent process: a check
 * made in the form (validated by the rules the server uses) reaches the agent, whose verdict
 * shows per device; a policy made in the console carries a check to the agent; and the open
 * alerts show on the devices list and the overview, on a phone too.
 */
describe('console: agent checks', () => {
  let fleet: Fleet;
  let browser: Browser;
  let consoleDir: string;
  let deviceId: string;

  beforeAll(async () => {
    buildAll();
    consoleDir = buildConsole();
    fleet = await Fleet.start({
      CONSOLE_DIR: consoleDir,
      MONITOR_TICK_MS: '300',
      AGENT_CHECK_SUMMARY_SECONDS: '2',
    });
    browser = await launchBrowser();
    const token = (
      await fleet
        .api()
        .post('/api/enrollment-tokens')
        .set('Authorization', fleet.admin)
        .send({ name: 'checks', maxUses: 1, tags: ['web'] })
        .expect(201)
    ).body.token as string;
    const agent = await fleet.enrollAgent(token);
    deviceId = agent.deviceId;
    fleet.runAgent(agent.stateDir);
    await waitFor(
      async () =>
        (await fleet.api().get(`/api/devices/${deviceId}`).set('Authorization', fleet.admin)).body
          .status === 'online',
      30_000,
      200,
    );
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await fleet?.stop();
  });

  const nav = (page: Page, name: string) =>
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
  const stateRow = (page: Page, status: string) =>
    page.locator(`[data-testid="check-state-row"][data-status="${status}"]`);

  it('creates a process check in the form; the device’s verdict shows, then follows an edit', async () => {
    const { page, alarms } = await watchedContext(browser);
    await signIn(page, fleet.url, 'admin@example.com', 'admin-password-123');
    await nav(page, 'Agent checks');
    await page.getByText('No agent checks yet').waitFor();
    await page.getByRole('button', { name: 'New agent check' }).first().click();

    const dialog = page.getByRole('dialog', { name: 'New agent check' });
    await dialog.getByRole('textbox', { name: 'Name' }).fill('Web server process');
    await dialog.getByLabel('Kind', { exact: true }).click();
    await page.getByRole('option', { name: 'Process running' }).click();
    // The shared rules refuse what the server would, before anything is sent.
    await dialog.getByRole('button', { name: 'Create check' }).click();
    await dialog.getByText('a process check needs process').waitFor();
    await dialog.getByRole('textbox', { name: 'Process' }).fill('-9');
    await dialog.getByText('process must not start with "-" or hold control characters').waitFor();
    await dialog.getByRole('textbox', { name: 'Process' }).fill('fleetdesk-e2e-nope');
    await dialog.getByRole('textbox', { name: 'Fire after failures' }).fill('0');
    await dialog.getByText('failThreshold must be a whole number from 1 to 100').waitFor();
    await dialog.getByRole('textbox', { name: 'Fire after failures' }).fill('1');
    await dialog.getByRole('textbox', { name: 'Every (seconds)' }).fill('5');
    // The default timeout (30 s) is longer than that: the shared rule says so on its field.
    await dialog.getByText('timeoutSeconds must not exceed intervalSeconds').waitFor();
    await dialog.getByRole('textbox', { name: 'Timeout (seconds)' }).fill('5');
    await dialog.getByLabel('Tags', { exact: true }).click();
    await page.getByRole('option', { name: 'web (1)' }).click();
    await dialog.getByRole('textbox', { name: 'Name' }).click();
    const checks = () =>
      fleet.api().get('/api/agent-checks').set('Authorization', fleet.admin).expect(200);
    expect((await checks()).body.total).toBe(0);
    await dialog.getByRole('button', { name: 'Create check' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const [made] = (await checks()).body.items as Record<string, unknown>[];
    expect(made).toMatchObject({
      name: 'Web server process',
      kind: 'process',
      process: 'fleetdesk-e2e-nope',
      intervalSeconds: 5,
      failThreshold: 1,
      severity: 'critical',
      target: { all: false, deviceIds: [], groupIds: [], tags: ['web'] },
    });

    // The per-check view: the device, its verdict and message, linking to the device.
    const row = page.getByTestId('agent-check-row').filter({ hasText: 'Web server process' });
    expect(await row.innerText()).toMatch(/Process running[\s\S]*tag web[\s\S]*critical/i);
    await row.getByRole('link', { name: 'Web server process' }).click();
    await stateRow(page, 'critical').waitFor({ timeout: 30_000 });
    expect(await stateRow(page, 'critical').innerText()).toContain(
      'no fleetdesk-e2e-nope process running',
    );
    await screenshot(page, 'agent-check');
    await stateRow(page, 'critical').getByRole('link').click();
    await page.waitForURL(`**/devices/${deviceId}`);
    await page.getByRole('tab', { name: 'Checks' }).click();
    expect(await stateRow(page, 'critical').innerText()).toMatch(
      /Web server process[\s\S]*Process running[\s\S]*critical/i,
    );

    // Edited to a process that runs (the agent is a node process): the verdict follows.
    await page.goto(`${fleet.url}/agent-checks/${made.id as string}`);
    await page.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit Web server process' });
    expect(await edit.getByLabel('Kind', { exact: true }).isDisabled()).toBe(true);
    await edit.getByRole('textbox', { name: 'Process' }).fill('node');
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.waitFor({ state: 'hidden' });
    await stateRow(page, 'ok').waitFor({ timeout: 30_000 });
    expect(await stateRow(page, 'ok').innerText()).toMatch(/node process\(es\) running/);
    expect(alarms.pageErrors).toEqual([]);
    expect(alarms.cspViolations).toEqual([]);
  }, 150_000);

  it('a policy made in the console carries a check to the agent of a tagged device', async () => {
    await fleet
      .api()
      .post('/api/agent-checks')
      .set('Authorization', fleet.admin)
      // Naming no device: it runs only where a policy carries it.
      .send({ name: 'Agent alive', kind: 'process', process: 'node', target: {} })
      .expect(201);
    const { page, alarms } = await watchedContext(browser);
    await signIn(page, fleet.url, 'admin@example.com', 'admin-password-123');
    await page.goto(`${fleet.url}/agent-checks`);
    expect(
      await page.getByTestId('agent-check-row').filter({ hasText: 'Agent alive' }).innerText(),
    ).toContain('Only through automation policies');

    await nav(page, 'Automation policies');
    await page.getByRole('button', { name: 'New policy' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'New automation policy' });
    await dialog.getByLabel('Name').fill('Web baseline');
    await dialog.getByLabel('Attached to tags').click();
    await page.getByRole('option', { name: 'web (1)' }).click();
    await dialog.getByLabel('Agent checks').click();
    await page.getByRole('option', { name: 'Agent alive (Process running)' }).click();
    await dialog.getByLabel('Name').click();
    await dialog.getByRole('button', { name: 'Create policy' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByTestId('policy-checks').getByText('Agent alive').waitFor();

    // The agent got it through the policy and reports it.
    await page.goto(`${fleet.url}/devices/${deviceId}`);
    await page.getByRole('tab', { name: 'Checks' }).click();
    // The panel polls; the agent reports within its 2 s summary of getting the check.
    await stateRow(page, 'ok').filter({ hasText: 'Agent alive' }).waitFor({ timeout: 40_000 });
    await page.getByRole('tab', { name: 'Policies' }).click();
    expect(await page.getByTestId('device-policy-check').innerText()).toMatch(/Agent alive/);
    expect(alarms.pageErrors).toEqual([]);
  }, 120_000);

  it('shows open alerts by severity on the overview and on the devices list, on a phone', async () => {
    await fleet
      .api()
      .post('/api/agent-checks')
      .set('Authorization', fleet.admin)
      .send({
        name: 'Missing daemon',
        kind: 'process',
        process: 'fleetdesk-e2e-missing',
        intervalSeconds: 5,
        timeoutSeconds: 5,
        severity: 'warning',
        target: { deviceIds: [deviceId] },
      })
      .expect(201);
    await waitFor(
      async () =>
        (
          await fleet
            .api()
            .get(`/api/alerts/device-counts?deviceIds=${deviceId}`)
            .set('Authorization', fleet.admin)
        ).body[0]?.open === 1,
      30_000,
      250,
    );
    const { page, alarms } = await watchedContext(browser, PHONE);
    await signIn(page, fleet.url, 'admin@example.com', 'admin-password-123');
    await page.getByTestId('stat-open-alerts-value').waitFor();
    expect(await page.getByTestId('stat-open-alerts-value').innerText()).toBe('1');
    expect(await page.getByTestId('open-alerts-warning').getAttribute('data-count')).toBe('1');
    expect(await page.getByTestId('open-alerts-critical').getAttribute('data-count')).toBe('0');

    await page.goto(`${fleet.url}/devices`);
    const card = page.getByTestId('devices-cards').getByTestId('device-row');
    await card.waitFor();
    const badge = card.getByTestId('device-alerts');
    await badge.waitFor();
    expect(await badge.getAttribute('data-count')).toBe('1');
    expect(await badge.getAttribute('title')).toBe('1 open alert, worst warning');
    await screenshot(page, 'devices-phone-alerts');
    await badge.click();
    await page.waitForURL(`**/alerts?deviceId=${deviceId}`);
    expect(alarms.pageErrors).toEqual([]);
  }, 120_000);
});
