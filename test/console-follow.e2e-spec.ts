import { appendFile, readdir, readlink, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { AuditEventResponse } from '@fleetdesk/api-types';
import { launchBrowser, screenshot, signIn, watchedContext } from './support/browser';
import { Fleet } from './support/fleet';
import { buildAll, buildConsole, type Proc, waitFor } from './support/processes';

/** Whether process `pid` holds `path` open (Linux /proc): the agent's reader, seen from outside. */
async function holds(pid: number, path: string): Promise<boolean> {
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
  for (const fd of fds) {
    if ((await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')) === path) return true;
  }
  return false;
}

/**
 * Live follow (`tail -f`) in a real browser, over a real server and a real agent: lines
 * appended to a file appear on screen; closing the page stops the agent's reader (it lets go
 * of the file and logs why); a path the admin's deny-list covers is refused with its reason
 * and audited.
 */
describe('console: live follow of a log file', () => {
  let fleet: Fleet;
  let browser: Browser;
  let consoleDir: string;
  let deviceId: string;
  let agent: Proc;
  let dir: string;
  let log: string;

  beforeAll(async () => {
    buildAll();
    consoleDir = buildConsole();
    fleet = await Fleet.start({ CONSOLE_DIR: consoleDir });
    browser = await launchBrowser();
    const enrolled = await fleet.enrollAgent();
    deviceId = enrolled.deviceId;
    agent = fleet.runAgent(enrolled.stateDir);
    await waitFor(async () => {
      const res = await fleet
        .api()
        .get(`/api/devices/${deviceId}`)
        .set('Authorization', fleet.admin);
      return res.body.status === 'online';
    }, 90_000);
    // The default allow-list takes any *.log; the deny-list refuses *.key.
    dir = await realpath(await fleet.tempDir('fleetdesk-follow-'));
    log = join(dir, 'app.log');
    await writeFile(log, Array.from({ length: 80 }, (_, i) => `old line ${i}`).join('\n') + '\n');
    await writeFile(join(dir, 'server.key'), 'PRIVATE KEY MATERIAL\n');
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await fleet?.stop();
  });

  async function openLiveLog(page: Page, path: string) {
    await page.goto(`${fleet.url}/devices/${deviceId}`);
    await page.getByRole('tab', { name: 'Live log' }).click();
    await page.getByLabel('Path').fill(path);
    await page.getByTestId('live-log-start').click();
  }

  it('shows appended lines live, and closing the page stops the agent reading', async () => {
    const { context, page, alarms } = await watchedContext(browser);
    await signIn(page, fleet.url, 'admin@example.com', 'admin-password-123');
    await openLiveLog(page, log);
    await page.locator('[data-testid="live-log-status"][data-state="following"]').waitFor();
    // The last 50 lines first.
    const lines = page.getByTestId('follow-line');
    await lines.filter({ hasText: 'old line 79' }).waitFor();
    expect(await lines.count()).toBe(50);
    expect(await lines.first().innerText()).toBe('old line 30');

    // Appended lines appear, in order, markup shown as text.
    await appendFile(log, 'fresh line 1\n<img src=x onerror="window.__xss(1)">\nfresh line 3\n');
    await lines.filter({ hasText: 'fresh line 3' }).waitFor({ timeout: 10_000 });
    const texts = await lines.allInnerTexts();
    expect(texts.slice(-3)).toEqual([
      'fresh line 1',
      '<img src=x onerror="window.__xss(1)">',
      'fresh line 3',
    ]);
    const pid = agent.child.pid as number;
    expect(await holds(pid, log)).toBe(true);
    await page.getByTestId('live-log').scrollIntoViewIfNeeded();
    await screenshot(page, 'live-log');

    // Closing the page closes its socket: the server tells the agent, which lets go of the file.
    expect(await alarms.xss()).toEqual([]);
    expect(alarms.pageErrors).toEqual([]);
    await page.close();
    await context.close();
    await waitFor(async () => !(await holds(pid, log)), 20_000, 100);
    await waitFor(
      () => Promise.resolve(/follow \S+ of .*app\.log ended \(stopped\)/.test(agent.output())),
      10_000,
    );

    // The start was audited: who, which device, what.
    const audit = await fleet
      .api()
      .get('/api/audit?action=log_follow.start')
      .set('Authorization', fleet.admin)
      .expect(200);
    const starts = (audit.body as { items: AuditEventResponse[] }).items;
    expect(starts[0]).toMatchObject({
      actor: { kind: 'user', email: 'admin@example.com' },
      target: { type: 'device', id: deviceId },
      details: { source: 'file', what: log },
    });
  }, 120_000);

  it('refuses a denied path with its reason, and audits the refusal', async () => {
    const { context, page } = await watchedContext(browser);
    await signIn(page, fleet.url, 'admin@example.com', 'admin-password-123');
    const key = join(dir, 'server.key');
    await openLiveLog(page, key);
    const status = page.locator('[data-testid="live-log-status"][data-state="ended"]');
    await status.waitFor();
    expect(await status.innerText()).toMatch(
      /denied[\s\S]*server\.key matches deny \*\*\/\*\.key/i,
    );
    expect(await page.getByTestId('follow-line').count()).toBe(0);
    expect(await page.locator('body').innerText()).not.toContain('PRIVATE KEY MATERIAL');
    // A `..` route to the same file is judged where it really leads.
    await openLiveLog(page, `${dir}/../${dir.split('/').pop()}/server.key`);
    await page.locator('[data-testid="live-log-status"][data-state="ended"]').waitFor();
    expect(await page.getByTestId('live-log-status').innerText()).toMatch(/denied/i);
    await context.close();

    const audit = await waitFor(async () => {
      const res = await fleet
        .api()
        .get('/api/audit?action=log_follow.refused')
        .set('Authorization', fleet.admin);
      const items = (res.body as { items: AuditEventResponse[] }).items;
      return items.length >= 2 ? items : undefined;
    }, 10_000);
    expect(audit[0]).toMatchObject({
      actor: { email: 'admin@example.com' },
      target: { type: 'device', id: deviceId },
      details: { reason: 'denied', realPath: key },
    });
    expect(agent.output()).not.toContain('PRIVATE KEY MATERIAL');
  }, 120_000);
});
