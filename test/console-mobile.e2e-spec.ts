import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  launchBrowser,
  type PageAlarms,
  PHONE as PHONE_CONTEXT,
  screenshot,
  signIn,
  watchedContext,
} from './support/browser';
import { Fleet } from './support/fleet';
import { buildAll, buildConsole, waitFor } from './support/processes';

const PHONE = { width: 390, height: 844 };

interface Run {
  id: string;
  status: string;
  device: { id: string };
}

/**
 * The console on a phone-sized screen (390 × 844) and the fixes a day of use asked for: job
 * outcomes, same-named devices told apart. A real Chromium, a real server, a real database
 * and two real agent processes on this machine, so both devices carry the same hostname.
 */
describe('web console on a phone, outcomes and same-named devices', () => {
  let fleet: Fleet;
  let browser: Browser;
  let consoleDir: string;
  const agents: { stateDir: string; deviceId: string }[] = [];
  const scripts: Record<string, string> = {};

  const auth = (req: ReturnType<ReturnType<Fleet['api']>['get']>) =>
    req.set('Authorization', fleet.admin);

  async function createScript(name: string, body: string): Promise<void> {
    const res = await auth(fleet.api().post('/api/scripts'))
      .send({ name, language: 'bash', body, defaultTimeoutSeconds: 120 })
      .expect(201);
    scripts[name] = res.body.id as string;
  }

  async function startJob(script: string, deviceIds: string[]): Promise<string> {
    const res = await auth(fleet.api().post('/api/jobs'))
      .send({ script: { id: scripts[script] }, target: { deviceIds } })
      .expect(201);
    return res.body.id as string;
  }

  async function finishedRuns(jobId: string, count: number): Promise<Run[]> {
    let runs: Run[] = [];
    await waitFor(async () => {
      const res = await auth(fleet.api().get(`/api/jobs/${jobId}/runs`)).expect(200);
      runs = res.body.items as Run[];
      return (
        runs.length === count &&
        runs.every((r) => !['pending', 'dispatched', 'running'].includes(r.status))
      );
    }, 30_000);
    return runs;
  }

  /** A run's first output line as the API stores it: what its terminal must show. */
  async function firstLine(runId: string): Promise<string> {
    const res = await auth(fleet.api().get(`/api/runs/${runId}`)).expect(200);
    const text = (res.body.output as { data: string }[]).map((c) => c.data).join('');
    return text.split('\n')[0];
  }

  beforeAll(async () => {
    buildAll();
    consoleDir = buildConsole();
    fleet = await Fleet.start({ CONSOLE_DIR: consoleDir });
    browser = await launchBrowser();
    // $$ differs per run: each device's output is its own, so a switch shows other text.
    await createScript('Say hello', 'echo "hello from process $$"; echo "second line"');
    await createScript('Fail', 'echo "about to fail"; exit 3');
    await createScript('Tick', 'for i in 1 2 3 4; do echo "tick $i"; sleep 1; done');
    // Two agents on this one machine: two devices with the same hostname, LAN address and OS.
    for (let i = 0; i < 2; i += 1) {
      const a = await fleet.enrollAgent();
      agents.push(a);
      fleet.runAgent(a.stateDir);
    }
    await waitFor(async () => {
      const res = await auth(fleet.api().get('/api/devices?status=online')).expect(200);
      return res.body.total === 2;
    }, 30_000);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await fleet?.stop();
  });

  async function phonePage(): Promise<{ page: Page; alarms: PageAlarms; context: BrowserContext }> {
    const { context, page, alarms } = await watchedContext(browser, PHONE_CONTEXT);
    await signIn(page, fleet.url, 'admin@example.com', 'admin-password-123');
    return { context, page, alarms };
  }

  /** Nothing is wider than the screen: no sideways scrolling of the whole page. */
  async function expectFits(page: Page): Promise<void> {
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(PHONE.width);
  }

  /** The element is on screen horizontally, whole (not cut like "Sign ou"). */
  async function expectWhollyVisible(page: Page, name: string): Promise<void> {
    const box = await page.getByRole('button', { name, exact: true }).boundingBox();
    expect(box).not.toBeNull();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
  }

  const terminal = (page: Page, runId: string) =>
    page.locator(`[data-testid="run-output"][data-run-id="${runId}"]`);
  const terminalText = (page: Page, runId: string) =>
    terminal(page, runId)
      .locator('.xterm-rows')
      .innerText()
      .catch(() => '');

  async function expectTerminalShows(page: Page, runId: string, text: string): Promise<void> {
    // On a phone the output is below the runs list: scroll to it as a technician would (xterm
    // pauses drawing while it is off screen).
    await terminal(page, runId).scrollIntoViewIfNeeded();
    await waitFor(async () => (await terminalText(page, runId)).includes(text), 15_000);
    // Visible, not only in the DOM: the terminal has a real size on the phone's screen.
    const box = await terminal(page, runId).boundingBox();
    expect(box!.width).toBeGreaterThan(200);
    expect(box!.height).toBeGreaterThan(100);
    expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
  }

  it('fits the header, the menu and every page on a 390 px screen', async () => {
    const { page, alarms, context } = await phonePage();
    await expectWhollyVisible(page, 'Sign out');
    await expectFits(page);
    // The menu is behind the burger, and works.
    await page.getByRole('button', { name: 'Menu' }).click();
    const menu = page.getByRole('navigation', { name: 'Main' });
    await menu.getByRole('link', { name: 'Devices', exact: true }).click();
    await page.getByRole('heading', { name: 'Devices' }).waitFor();
    for (const path of ['/', '/enroll', '/scripts', '/jobs', '/tokens', '/users', '/audit']) {
      await page.goto(`${fleet.url}${path}`);
      await page.getByRole('heading', { level: 2 }).first().waitFor();
      await expectFits(page);
    }
    expect(alarms.pageErrors).toEqual([]);
    await context.close();
  });

  it('lists devices as cards and shows a device page on a phone', async () => {
    const { page, alarms, context } = await phonePage();
    await page.goto(`${fleet.url}/devices`);
    const rows = page.getByTestId('device-row');
    await waitFor(async () => (await rows.count()) === 2, 10_000);
    for (const a of agents) {
      const row = page.locator(`[data-testid="device-row"][data-device-id="${a.deviceId}"]`);
      await row.getByRole('img', { name: 'online' }).waitFor();
      // Same hostname, same address: the short id tells them apart.
      await row.getByText(`#${a.deviceId.slice(0, 8)}`).waitFor();
      const box = await row.boundingBox();
      expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
    }
    await expectFits(page);
    await screenshot(page, 'mobile-devices');

    await page.goto(`${fleet.url}/devices/${agents[0].deviceId}`);
    await page.getByTestId('device-summary').waitFor();
    await page.getByTestId('device-summary').getByText(agents[0].deviceId).waitFor();
    await expectWhollyVisible(page, 'Run script');
    await expectFits(page);
    await screenshot(page, 'mobile-device');

    // Rename it from the console, then give it its hostname back (an empty name).
    const title = page.getByTestId('device-name');
    const hostname = await title.innerText();
    for (const name of ['front-desk', '']) {
      await page.getByRole('button', { name: 'Edit', exact: true }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByRole('textbox', { name: 'Name' }).fill(name);
      await dialog.getByRole('button', { name: 'Save' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await waitFor(async () => (await title.innerText()) === (name || hostname), 10_000);
    }
    expect(alarms.pageErrors).toEqual([]);
    await context.close();
  });

  it('shows job output in the terminal on a phone: on load, after a device switch, after a reload', async () => {
    const jobId = await startJob(
      'Say hello',
      agents.map((a) => a.deviceId),
    );
    const runs = await finishedRuns(jobId, 2);
    const lines = await Promise.all(runs.map((r) => firstLine(r.id)));
    expect(lines[0]).toMatch(/^hello from process \d+$/);
    expect(lines[1]).not.toBe(lines[0]);

    const { page, alarms, context } = await phonePage();
    await page.goto(`${fleet.url}/jobs/${jobId}`);
    await expectTerminalShows(page, runs[0].id, lines[0]);
    await expectFits(page);
    await screenshot(page, 'mobile-job');

    await page
      .locator(`[data-testid="run-row"][data-run-id="${runs[1].id}"]`)
      .getByRole('link')
      .click();
    await expectTerminalShows(page, runs[1].id, lines[1]);
    expect(await terminalText(page, runs[1].id)).not.toContain(lines[0]);

    await page.reload();
    await expectTerminalShows(page, runs[1].id, lines[1]);

    // Combined: both devices' lines, each with its device prefix (the same name, so the short id).
    await page.getByText('Combined', { exact: true }).click();
    const combined = page.getByTestId('combined-text');
    await waitFor(async () => {
      const text = await combined.innerText();
      return runs.every((r, i) => text.includes(`#${r.device.id.slice(0, 8)}] ${lines[i]}`));
    }, 15_000);
    await expectFits(page);
    expect(alarms.pageErrors).toEqual([]);
    await context.close();
  });

  it('shows output that streamed in while the terminal was off screen on a phone', async () => {
    const { page, alarms, context } = await phonePage();
    const jobId = await startJob('Tick', [agents[0].deviceId]);
    await page.goto(`${fleet.url}/jobs/${jobId}`);
    const run = page.getByTestId('run-row').first();
    await run.waitFor();
    const runId = (await run.getAttribute('data-run-id'))!;
    // Chunks arrive live while the terminal is below the fold, then the technician scrolls.
    await waitFor(async () => (await run.getAttribute('data-state')) === 'succeeded', 20_000);
    await expectTerminalShows(page, runId, 'tick 4');
    const text = await terminalText(page, runId);
    for (let i = 1; i <= 4; i += 1) expect(text.split(`tick ${i}`).length - 1).toBe(1);
    expect(alarms.pageErrors).toEqual([]);
    await context.close();
  });

  it('labels a job whose only run failed "Failed", in the list and on its page', async () => {
    const jobId = await startJob('Fail', [agents[0].deviceId]);
    await finishedRuns(jobId, 1);
    await waitFor(async () => {
      const res = await auth(fleet.api().get(`/api/jobs/${jobId}`)).expect(200);
      return res.body.status === 'completed';
    }, 15_000);
    const { page, alarms } = await watchedContext(browser);
    await signIn(page, fleet.url, 'admin@example.com', 'admin-password-123');
    await page.goto(`${fleet.url}/jobs`);
    const badge = page
      .locator(`[data-testid="job-row"][data-job-id="${jobId}"]`)
      .getByTestId('job-status');
    await badge.waitFor();
    expect(await badge.innerText()).toBe('Failed');
    expect(await badge.getAttribute('data-job-outcome')).toBe('failed');

    await page.goto(`${fleet.url}/jobs/${jobId}`);
    const header = page.getByTestId('job-status').first();
    await header.waitFor();
    expect(await header.innerText()).toBe('Failed');
    expect(await page.getByText('COMPLETED', { exact: true }).count()).toBe(0);
    await screenshot(page, 'job-failed');
    expect(alarms.pageErrors).toEqual([]);
    await page.context().close();
  });

  it('names audit targets instead of ids, and offers quick time ranges', async () => {
    const id = agents[1].deviceId;
    await auth(fleet.api().patch(`/api/devices/${id}`))
      .send({ name: 'reception-pc' })
      .expect(200);
    const { page, alarms } = await watchedContext(browser);
    await signIn(page, fleet.url, 'admin@example.com', 'admin-password-123');
    await page.goto(`${fleet.url}/audit?targetType=device&targetId=${id}`);
    const targets = page.getByTestId('audit-target');
    await targets.first().waitFor();
    // Every event of the device (its enrollment too) names it as it is called now.
    for (const text of await targets.allInnerTexts()) {
      expect(text).toContain('reception-pc');
      expect(text).not.toContain(id.slice(0, 8));
    }
    await page.getByRole('button', { name: 'Last hour' }).click();
    await page.waitForURL(/[?&]since=/);
    expect(await targets.count()).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Yesterday' }).click();
    await page.waitForURL(/[?&]until=/);
    await page.getByTestId('empty-state').waitFor();
    await auth(fleet.api().patch(`/api/devices/${id}`))
      .send({ name: null })
      .expect(200);
    expect(alarms.pageErrors).toEqual([]);
    await page.context().close();
  });

  it('tells two devices with the same hostname apart in the run dialog’s picker', async () => {
    const hostname = (await auth(fleet.api().get(`/api/devices/${agents[0].deviceId}`)).expect(200))
      .body.hostname as string;
    const { page, alarms } = await watchedContext(browser);
    await signIn(page, fleet.url, 'admin@example.com', 'admin-password-123');
    await page.goto(`${fleet.url}/jobs`);
    await page.getByRole('button', { name: 'Run script' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Devices', { exact: true }).fill(hostname);
    const options = page.getByTestId('device-option');
    await waitFor(async () => (await options.count()) === 2, 10_000);
    const identities = await page.getByTestId('device-option-identity').allInnerTexts();
    expect(new Set(identities).size).toBe(2);
    for (const a of agents) {
      const option = page.locator(`[data-testid="device-option"][data-device-id="${a.deviceId}"]`);
      expect(await option.innerText()).toContain(`#${a.deviceId.slice(0, 8)}`);
    }
    // The identity line carries the OS and the LAN address too.
    expect(identities[0]).toMatch(/\d+\.\d+\.\d+\.\d+ · .+ · #[0-9a-f]{8} · online/);
    await screenshot(page, 'picker-same-hostname');

    // The one-off command box is there for an admin.
    await dialog.getByText('One-off command', { exact: true }).click();
    await dialog.getByRole('textbox', { name: 'Command' }).waitFor();
    expect(alarms.pageErrors).toEqual([]);
    await page.context().close();
  });
});
