import { mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchBrowser, signIn, watchedContext } from './support/browser';
import { Fleet } from './support/fleet';
import { buildAll, buildConsole, waitFor } from './support/processes';

/**
 * The device page's Files tab in a real browser, over a real agent: list a fixture folder,
 * enter a subfolder by clicking, go back by the breadcrumb, download a file (a fetch job whose
 * stored copy is offered) and upload one into the folder (a push job).
 */
describe('console: the file browser on the device page', () => {
  let fleet: Fleet;
  let browser: Browser;
  let consoleDir: string;
  let work: string;
  let files: string;
  let deviceId: string;

  beforeAll(async () => {
    buildAll();
    consoleDir = buildConsole();
    fleet = await Fleet.start({ CONSOLE_DIR: consoleDir });
    browser = await launchBrowser();
    work = await realpath(await mkdtemp(join(tmpdir(), 'fleetdesk-console-files-')));
    files = join(work, 'files');
    await mkdir(join(files, 'sub'), { recursive: true });
    await writeFile(join(files, 'app.log'), 'hello from the device\n');
    await writeFile(join(files, 'server.key'), 'secret\n');
    await writeFile(join(files, 'sub', 'deep.log'), 'deep\n');
    await mkdir(join(work, 'outside'));
    await symlink(join(work, 'outside'), join(files, 'out'));
    await fleet
      .api()
      .put('/api/log-collections/settings')
      .set('Authorization', fleet.admin)
      .send({ allow: [`${files}/**`] })
      .expect(200);
    const agent = await fleet.enrollAgent();
    deviceId = agent.deviceId;
    fleet.runAgent(agent.stateDir);
    await waitFor(
      async () =>
        (await fleet.api().get(`/api/devices/${deviceId}`).set('Authorization', fleet.admin)).body
          .status === 'online',
      90_000,
      250,
    );
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await fleet?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('lists, enters, downloads and uploads', async () => {
    const { page, alarms } = await watchedContext(browser);
    await signIn(page, fleet.url, 'admin@example.com', 'admin-password-123');
    await page.goto(`${fleet.url}/devices/${deviceId}`);
    await page.getByRole('tab', { name: 'Files' }).click();
    // The allowed folder is offered as a starting point.
    await page.getByRole('button', { name: files, exact: true }).click();
    const row = (name: string) => page.locator(`[data-testid="file-row"][data-name="${name}"]`);
    await row('app.log').waitFor();
    expect(await page.getByTestId('file-row').count()).toBe(4);
    expect((await row('server.key').innerText()).toLowerCase()).toContain('denied');
    expect((await row('out').innerText()).toLowerCase()).toContain('not allowed');

    await row('sub').getByRole('button', { name: 'sub/' }).click();
    await row('deep.log').waitFor();
    await page
      .getByTestId('files-breadcrumb')
      .getByRole('button', { name: 'files', exact: true })
      .click();
    await row('app.log').waitFor();

    await row('app.log').getByRole('button', { name: 'Download' }).click();
    const ready = page.getByTestId('download-ready');
    await ready.waitFor({ timeout: 90_000 });
    const href = await ready.getAttribute('href');
    expect(await ready.getAttribute('download')).toBe('app.log');
    const body = await page.evaluate(async (url) => (await fetch(url)).text(), href as string);
    expect(body).toBe('hello from the device\n');

    await page.getByRole('button', { name: 'Upload here' }).click();
    await page.locator('input[type="file"]').setInputFiles({
      name: 'uploaded.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('from the browser\n'),
    });
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByText('uploaded.txt is on the device.').waitFor({ timeout: 90_000 });
    expect(await readFile(join(files, 'uploaded.txt'), 'utf8')).toBe('from the browser\n');
    await page.getByRole('button', { name: 'Close' }).click();
    await row('uploaded.txt').waitFor();

    expect(alarms.pageErrors).toEqual([]);
    expect(alarms.cspViolations).toEqual([]);
  }, 300_000);
});
