import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import type { JobResponse, LogBundleResponse } from '@fleetdesk/api-types';
import { LOG_COLLECTION_RULES } from '@fleetdesk/api-types';
import { launchBrowser, PHONE, screenshot, signIn, watchedContext } from './support/browser';
import { Fleet } from './support/fleet';
import { buildAll, buildConsole, waitFor } from './support/processes';
import { untar } from './support/tar';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** 40 lines, levels mixed; "needle" on lines 7, 21 and 33 (1-based). */
const APP_LINES = Array.from({ length: 40 }, (_, i) => {
  const n = i + 1;
  const level = n % 10 === 3 ? 'ERROR' : n % 10 === 5 ? 'WARN' : 'INFO';
  const needle = n === 7 || n === 21 || n === 33 ? ' found the needle here' : '';
  return `2026-11-20T10:${String(i).padStart(2, '0')}:00.000Z ${level} request ${n} served${needle}\n`;
});
const NEEDLE_LINES = [7, 21, 33];

/**
 * The log pages in a real browser, over a real server and a real agent reading real files:
 * collect from a device page, the bundle's files, the viewer (search, jump, levels, download),
 * several bundles in one .tar.gz, a 50 MB log that stays a window of rows, and a fleet search
 * whose answers arrive grouped by device (one device matched, one offline).
 */
describe('console: log collection, viewer and fleet search', () => {
  let fleet: Fleet;
  let browser: Browser;
  let consoleDir: string;
  let work: string;
  let logs: string;
  let deviceId: string;
  let offlineId: string;
  /** A bundle of app.log, for the phone check. */
  let smallBundleId = '';
  const appLog = () => join(logs, 'app.log');

  beforeAll(async () => {
    buildAll();
    consoleDir = buildConsole();
    fleet = await Fleet.start({ CONSOLE_DIR: consoleDir });
    browser = await launchBrowser();
    work = await realpath(await mkdtemp(join(tmpdir(), 'fleetdesk-console-logs-')));
    logs = join(work, 'logs');
    await mkdir(logs);
    await writeFile(appLog(), APP_LINES.join(''));
    await writeFile(join(logs, 'other.log'), 'ERROR another file\nINFO fine\n');
    await fleet
      .api()
      .put('/api/log-collections/settings')
      .set('Authorization', fleet.admin)
      .send({ allow: [`${logs}/**`] })
      .expect(200);
    const agent = await fleet.enrollAgent();
    deviceId = agent.deviceId;
    fleet.runAgent(agent.stateDir);
    // Enrolled, never started: offline for the fleet search.
    offlineId = (await fleet.enrollAgent()).deviceId;
    await waitFor(async () => {
      const res = await fleet
        .api()
        .get(`/api/devices/${deviceId}`)
        .set('Authorization', fleet.admin);
      return (res.body as { status: string }).status === 'online';
    }, 30_000);
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await fleet?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function bundlesOf(jobId: string): Promise<LogBundleResponse[]> {
    const res = await fleet
      .api()
      .get(`/api/log-bundles?jobId=${jobId}`)
      .set('Authorization', fleet.admin)
      .expect(200);
    return res.body as LogBundleResponse[];
  }

  /** A collection through the API, for the bundles the UI test does not make itself. */
  async function collectByApi(path: string, extra: Record<string, unknown> = {}) {
    const job = (
      await fleet
        .api()
        .post('/api/log-collections')
        .set('Authorization', fleet.admin)
        .send({ target: { deviceIds: [deviceId] }, sources: [{ type: 'file', path }], ...extra })
        .expect(201)
    ).body as JobResponse;
    return waitFor(
      async () => {
        const [b] = await bundlesOf(job.id);
        return b?.status === 'complete' && b;
      },
      120_000,
      250,
    );
  }

  const counter = (page: Page) => page.getByTestId('match-counter');
  const currentLine = (page: Page) =>
    page.locator('[data-testid="log-line"]:has(mark[data-current])').getAttribute('data-line');

  it('collects a file from the device page, views it, finds and jumps, downloads it', async () => {
    const { page, alarms, context } = await watchedContext(browser);
    await signIn(page, fleet.url, 'admin@example.com', 'admin-password-123');
    await page.goto(`${fleet.url}/devices/${deviceId}`);
    await page.getByRole('button', { name: 'Collect logs' }).click();
    const dialog = page.getByRole('dialog', { name: 'Collect logs' });
    await dialog.getByTestId('preset-target').waitFor();
    // The form applies the server's rules before sending anything.
    await dialog.getByLabel('Path or glob').fill('relative.log');
    await dialog.getByRole('button', { name: 'Collect', exact: true }).click();
    await dialog.getByText('The path must be absolute').waitFor();
    await dialog.getByLabel('Path or glob').fill(appLog());
    await dialog.getByRole('button', { name: 'Collect', exact: true }).click();

    // The job page shows the device's progress; then its bundle.
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    const jobId = page.url().split('/').pop()!;
    await page.locator('[data-testid="job-progress"][data-done="1"][data-total="1"]').waitFor({
      timeout: 60_000,
    });
    await page.getByRole('link', { name: 'Collected logs' }).click();
    await page.waitForURL(new RegExp(`/logs\\?jobId=${jobId}$`));
    const row = page.locator('[data-testid="bundle-row"][data-status="complete"]');
    await row.waitFor({ timeout: 60_000 });
    await row.getByRole('button', { name: /1 file/ }).click();
    const file = page.getByTestId('bundle-file');
    expect(await file.getAttribute('data-path')).toBe(appLog());
    const onDisk = await readFile(appLog());
    expect(await file.getByTestId('file-sha256').getAttribute('data-sha256')).toBe(sha256(onDisk));
    expect(await file.innerText()).toContain(`${(onDisk.length / 1024).toFixed(1)} KB`);
    await screenshot(page, 'log-bundles');

    // The viewer: every line, numbered, coloured by level.
    await file.getByRole('link', { name: 'View' }).click();
    await page.getByTestId('line-count').waitFor();
    expect(await page.getByTestId('line-count').innerText()).toBe('40 lines');
    expect(
      await page.locator('[data-testid="log-line"][data-line="3"]').getAttribute('data-level'),
    ).toBe('error');
    expect(
      await page.locator('[data-testid="log-line"][data-line="5"]').getAttribute('data-level'),
    ).toBe('warn');
    expect(
      await page.locator('[data-testid="log-line"][data-line="1"]').getAttribute('data-level'),
    ).toBe('info');

    // Find: highlighted, counted; Enter, Shift+Enter and F3 step between the matches.
    const find = page.getByLabel('Find in log');
    await find.fill('NEEDLE');
    await waitFor(async () => (await counter(page).innerText()) === '1 of 3', 10_000);
    expect(await page.locator('mark[data-match]').count()).toBe(3);
    expect(await currentLine(page)).toBe(String(NEEDLE_LINES[0]));
    await find.press('Enter');
    await waitFor(async () => (await counter(page).innerText()) === '2 of 3', 5_000);
    expect(await currentLine(page)).toBe(String(NEEDLE_LINES[1]));
    await find.press('Shift+Enter');
    await waitFor(async () => (await counter(page).innerText()) === '1 of 3', 5_000);
    await page.keyboard.press('Shift+F3');
    await waitFor(async () => (await counter(page).innerText()) === '3 of 3', 5_000);
    expect(await currentLine(page)).toBe(String(NEEDLE_LINES[2]));
    await page.keyboard.press('F3');
    await waitFor(async () => (await counter(page).innerText()) === '1 of 3', 5_000);
    // Match case: the file says "needle", not "NEEDLE".
    await page.getByLabel('Match case').check();
    await waitFor(async () => (await counter(page).innerText()) === 'No matches', 5_000);
    await page.getByLabel('Match case').uncheck();
    // A regular expression, and a broken one explained in a sentence.
    await page.getByLabel('Regex').check();
    await find.fill('request (7|21) ');
    await waitFor(async () => (await counter(page).innerText()) === '1 of 2', 5_000);
    await find.fill('request (');
    await page.getByText(/The pattern is not a regular expression/).waitFor();
    await find.fill('needle');
    await waitFor(async () => (await counter(page).innerText()) === '1 of 3', 5_000);
    await screenshot(page, 'log-viewer');

    // Download: the bytes the device has.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download' }).click(),
    ]);
    expect(await readFile((await download.path())!)).toEqual(onDisk);

    // Stored bundles searched on the server, from the Logs page.
    await page.goto(`${fleet.url}/logs?jobId=${jobId}`);
    const bundleSearch = page.getByTestId('bundle-search');
    await bundleSearch.getByLabel('Search for').fill('needle');
    await bundleSearch.getByRole('button', { name: 'Search bundles' }).click();
    const hit = page.getByTestId('bundle-search-result');
    await hit.waitFor();
    expect(await hit.getByTestId('search-match-line').count()).toBe(3);
    expect(await hit.locator('mark').first().innerText()).toBe('needle');

    expect(alarms.pageErrors).toEqual([]);
    expect(alarms.cspViolations).toEqual([]);
    await context.close();
  }, 240_000);

  it('downloads several bundles as one .tar.gz, audited, within the limit', async () => {
    const a = await collectByApi(appLog());
    smallBundleId = a.id;
    const b = await collectByApi(join(logs, 'other.log'));
    const { page, alarms, context } = await watchedContext(browser);
    await signIn(page, fleet.url, 'admin@example.com', 'admin-password-123');
    await page.goto(`${fleet.url}/logs`);
    for (const bundle of [a, b]) {
      await page
        .locator(`[data-testid="bundle-row"][data-bundle-id="${bundle.id}"]`)
        .getByRole('checkbox')
        .check();
    }
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('download-selected').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^log-bundles-\d{4}-\d{2}-\d{2}-2\.tar\.gz$/);
    const files = untar(gunzipSync(await readFile((await download.path())!)));
    expect(files.get(`bundle-${a.id.slice(0, 8)}/000-app.log`)).toEqual(await readFile(appLog()));
    expect(files.get(`bundle-${b.id.slice(0, 8)}/000-other.log`)?.toString()).toBe(
      'ERROR another file\nINFO fine\n',
    );
    const audit = await fleet
      .api()
      .get('/api/audit?action=log_bundles.downloaded&pageSize=200')
      .set('Authorization', fleet.admin)
      .expect(200);
    const together = (audit.body.items as { details: { bundleId: string; together?: number } }[])
      .filter((e) => e.details.together === 2)
      .map((e) => e.details.bundleId)
      .sort();
    expect(together).toEqual([a.id, b.id].sort());

    // Past the limit, or a bundle that does not exist: refused with a reason.
    const ids = Array.from(
      { length: LOG_COLLECTION_RULES.archiveBundles + 1 },
      (_, i) => a.id.slice(0, -3) + String(i).padStart(3, '0'),
    );
    const tooMany = await fleet
      .api()
      .get(`/api/log-bundles/archive?ids=${ids.join(',')}`)
      .set('Authorization', fleet.admin)
      .expect(400);
    expect(JSON.stringify(tooMany.body)).toMatch(/ids/);
    await fleet
      .api()
      .get(`/api/log-bundles/archive?ids=${a.id},00000000-0000-4000-8000-000000000000`)
      .set('Authorization', fleet.admin)
      .expect(404);
    expect(alarms.pageErrors).toEqual([]);
    await context.close();
  }, 300_000);

  it('keeps a 50 MB log to a window of rows and scrolls to its last line', async () => {
    // ~100 bytes a line, 50 MiB: about 520,000 lines, taller than browsers let an element be.
    const lines: string[] = [];
    let size = 0;
    for (let n = 1; size < 50 * 1024 * 1024; n++) {
      const level = n % 100 === 0 ? 'ERROR' : n % 10 === 0 ? 'WARN' : 'INFO';
      const line = `2026-11-20T10:00:00.000Z ${level} worker ${String(n).padStart(7, '0')} handled a request in ${n % 997} ms ok\n`;
      lines.push(line);
      size += line.length;
    }
    lines.push('2026-11-20T11:00:00.000Z INFO the very last line\n');
    const total = lines.length;
    const big = join(logs, 'big.log');
    await writeFile(big, lines.join(''));
    lines.length = 0;
    const bundle = await collectByApi(big, { maxBytesPerSource: 64 * 1024 * 1024 });
    expect(bundle.files[0]!.size).toBeGreaterThanOrEqual(50 * 1024 * 1024);

    const { page, alarms, context } = await watchedContext(browser);
    await signIn(page, fleet.url, 'admin@example.com', 'admin-password-123');
    await page.goto(`${fleet.url}/logs/bundles/${bundle.id}/files/0`);
    await page.getByTestId('line-count').waitFor({ timeout: 90_000 });
    expect(await page.getByTestId('line-count').innerText()).toBe(
      `${total.toLocaleString('en-US')} lines`,
    );
    const rows = page.getByTestId('log-line');
    expect(await rows.count()).toBeLessThan(120);
    expect(await page.locator('[data-testid="log-line"][data-line="1"]').count()).toBe(1);

    // To the end with the scrollbar: the last line is drawn, and still only a window.
    const box = page.getByTestId('log-lines');
    await box.evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    await page.locator(`[data-testid="log-line"][data-line="${total}"]`).waitFor();
    expect(await rows.count()).toBeLessThan(120);
    expect(await page.locator('[data-testid="log-line"][data-line="1"]').count()).toBe(0);
    const lastBox = await page
      .locator(`[data-testid="log-line"][data-line="${total}"]`)
      .boundingBox();
    const viewBox = await box.boundingBox();
    expect(lastBox!.y + lastBox!.height).toBeLessThanOrEqual(viewBox!.y + viewBox!.height + 1);
    expect(lastBox!.y).toBeGreaterThanOrEqual(viewBox!.y);

    // Search all of it in the worker; jump back to the top for the first of 5,000-odd errors.
    await page.getByLabel('Find in log').fill('ERROR worker');
    const errors = Math.floor((total - 1) / 100);
    await waitFor(
      async () => (await counter(page).innerText()) === `1 of ${errors.toLocaleString('en-US')}`,
      60_000,
    );
    await page.locator('[data-testid="log-line"][data-line="100"] mark[data-current]').waitFor();
    expect(
      await page.locator('[data-testid="log-line"][data-line="100"]').getAttribute('data-level'),
    ).toBe('error');
    await page.keyboard.press('Shift+F3');
    await page
      .locator(`[data-testid="log-line"][data-line="${errors * 100}"] mark[data-current]`)
      .waitFor();
    expect(await rows.count()).toBeLessThan(120);
    expect(alarms.pageErrors).toEqual([]);
    await context.close();
  }, 300_000);

  it('runs a fleet search whose answers arrive grouped by device', async () => {
    const { page, alarms, context } = await watchedContext(browser);
    await signIn(page, fleet.url, 'admin@example.com', 'admin-password-123');
    await page.goto(`${fleet.url}/logs`);
    await page.getByRole('link', { name: 'Fleet search' }).click();
    // The Logs page has a "Search for" field of its own (stored bundles): wait for the form.
    await page.waitForURL(/\/logs\/search$/);
    await page.getByRole('heading', { name: 'Fleet search' }).waitFor();
    await page.getByLabel('Search for').fill('needle');
    await page.getByLabel('Path or glob').fill(appLog());
    await page.getByText('All devices', { exact: true }).click();
    await page.getByLabel('I understand: run on all devices').check();
    await page.getByRole('button', { name: 'Search devices' }).click();
    // The results page; if the form or the server refused, the failure shows the page's words.
    await page.waitForURL(/\/logs\/search\/[0-9a-f-]{36}$/).catch(async (err: Error) => {
      throw new Error(`${err.message}\n${await page.locator('main').innerText()}`);
    });

    const matched = page.locator(`[data-testid="search-device"][data-device-id="${deviceId}"]`);
    await page
      .locator(`[data-testid="search-device"][data-device-id="${deviceId}"][data-state="matched"]`)
      .waitFor({ timeout: 60_000 });
    // The device that never connected is offline, not "no match": it has not searched.
    const offline = page.locator(`[data-testid="search-device"][data-device-id="${offlineId}"]`);
    expect(await offline.getAttribute('data-state')).toBe('offline');
    expect(await offline.innerText()).toContain('Offline');
    expect(await matched.innerText()).toContain('3 matches');
    const counts = page.getByTestId('search-counts');
    expect(await counts.locator('[data-count-state="matched"]').getAttribute('data-count')).toBe(
      '1',
    );
    expect(await counts.locator('[data-count-state="offline"]').getAttribute('data-count')).toBe(
      '1',
    );
    expect(await page.locator('[data-testid="search-group"][data-state="matched"]').count()).toBe(
      1,
    );
    expect(await page.locator('[data-testid="search-group"][data-state="offline"]').count()).toBe(
      1,
    );

    // Expanded: the matching lines with their context, the match marked.
    await matched.getByRole('button', { expanded: false }).click();
    const lines = matched.getByTestId('search-match-line');
    await lines.first().waitFor();
    expect(await lines.count()).toBe(3);
    expect(await lines.first().innerText()).toContain('request 7 served found the needle here');
    expect(await lines.first().locator('mark').innerText()).toBe('needle');
    expect(await matched.getByTestId('search-context-line').count()).toBe(12);
    await screenshot(page, 'log-fleet-search');
    expect(alarms.pageErrors).toEqual([]);
    await context.close();
  }, 180_000);

  it('fits the log pages on a phone', async () => {
    expect(smallBundleId).not.toBe('');
    const { page, alarms, context } = await watchedContext(browser, PHONE);
    await signIn(page, fleet.url, 'admin@example.com', 'admin-password-123');
    for (const path of ['/logs', '/logs/search', `/logs/bundles/${smallBundleId}/files/0`]) {
      await page.goto(`${fleet.url}${path}`);
      await page.getByRole('heading', { level: 2 }).first().waitFor();
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width).toBeLessThanOrEqual(PHONE.viewport!.width);
    }
    await page.getByTestId('line-count').waitFor();
    expect(alarms.pageErrors).toEqual([]);
    await context.close();
  }, 120_000);
});
