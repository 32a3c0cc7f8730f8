import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchBrowser, signIn, watchedContext } from './support/browser';
import { Fleet } from './support/fleet';
import { buildAll, buildConsole, waitFor } from './support/processes';

/**
 * The console side of agent updates, in a real Chromium against a real server and a real
 * agent process: the devices list marks the agent outdated, an admin starts an update for the
 * selected device, and the job page shows that this agent (the Node.js bundle, not a
 * single-file executable) refused it with its reason.
 */
describe('agent updates in the console', () => {
  let fleet: Fleet;
  let browser: Browser;
  let consoleDir: string;
  let buildsDir: string;
  let deviceId: string;

  beforeAll(async () => {
    buildAll();
    consoleDir = buildConsole();
    buildsDir = await mkdtemp(join(tmpdir(), 'fleetdesk-console-builds-'));
    const binary = Buffer.from('a stand-in for the linux-x64 executable');
    await writeFile(join(buildsDir, 'fleetdesk-agent-linux-x64'), binary);
    await writeFile(
      join(buildsDir, 'manifest.json'),
      JSON.stringify({
        version: '9.0.0',
        platforms: [
          {
            platform: 'linux-x64',
            file: 'fleetdesk-agent-linux-x64',
            size: binary.length,
            sha256: createHash('sha256').update(binary).digest('hex'),
          },
        ],
      }),
    );
    fleet = await Fleet.start({ CONSOLE_DIR: consoleDir, AGENT_BINARIES_DIR: buildsDir });
    browser = await launchBrowser();
    const agent = await fleet.enrollAgent();
    deviceId = agent.deviceId;
    fleet.runAgent(agent.stateDir);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await fleet?.stop();
    if (buildsDir) await rm(buildsDir, { recursive: true, force: true });
  });

  it('shows the outdated badge, and an admin updates the selected device from the list', async () => {
    const { page, alarms } = await watchedContext(browser);
    await signIn(page, fleet.url, 'admin@example.com', 'admin-password-123');
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Devices', exact: true })
      .click();
    const row = page.locator(`[data-testid="device-row"][data-device-id="${deviceId}"]`);
    await row.getByRole('img', { name: 'online' }).waitFor({ timeout: 15_000 });
    await row.getByTestId('agent-outdated').waitFor();

    await row.getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Update agents' }).click();
    const dialog = page.getByRole('dialog', { name: 'Update agents' });
    await dialog.getByText('9.0.0').waitFor();
    await dialog.getByRole('button', { name: 'Update agents' }).click();

    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    const jobId = /\/jobs\/([0-9a-f-]{36})$/.exec(page.url())?.[1] as string;
    const run = await waitFor(async () => {
      const res = await fleet
        .api()
        .get(`/api/jobs/${jobId}/runs`)
        .set('Authorization', fleet.admin)
        .expect(200);
      const first = (res.body as { items: { status: string; error: string | null }[] }).items[0];
      return first?.status === 'failed' ? first : undefined;
    }, 20_000);
    expect(run.error).toMatch(/runs from a Node\.js bundle; update it with your package manager/);
    await page.getByText('Update agents to 9.0.0').first().waitFor();
    expect(alarms.pageErrors).toEqual([]);
    await page.context().close();
  }, 120_000);
});
