import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  launchBrowser,
  type PageAlarms,
  screenshot,
  signIn,
  watchedContext,
} from './support/browser';
import { Fleet } from './support/fleet';
import {
  AGENT_BUNDLE,
  buildAll,
  buildConsole,
  type Proc,
  spawnCommand,
  waitFor,
} from './support/processes';

const VIEWER = { email: 'viewer@example.com', password: 'viewer-password-123' };
// Every payload calls window.__xss, which the page hook records: a call means it ran.
const HOSTILE_HOSTNAME = `<img src=x onerror=__xss('host')>`;
const HOSTILE_OS = `<script>__xss('os')</script>`;
const HOSTILE_OUTPUT = [
  `<img src=x onerror=__xss('stdout')>`,
  `<script>__xss('script')</script>`,
  `<svg onload=__xss('svg')></svg>`,
];

/**
 * The console in a real Chromium, against a real server process, a real database and real
 * agent processes.
 */
describe('web console end to end', () => {
  let fleet: Fleet;
  let browser: Browser;
  let agent: { stateDir: string; deviceId: string };
  let hostname: string;
  let consoleDir: string;
  const scripts: Record<string, string> = {};

  const api = () => fleet.api();
  const auth = (req: ReturnType<ReturnType<typeof api>['get']>) =>
    req.set('Authorization', fleet.admin);
  const device = async (id: string) =>
    (await auth(api().get(`/api/devices/${id}`)).expect(200)).body as {
      status: string;
      hostname: string;
      os: { distro: string } | null;
    };

  async function createScript(name: string, body: string): Promise<string> {
    const res = await auth(api().post('/api/scripts'))
      .send({ name, language: 'bash', body, defaultTimeoutSeconds: 600 })
      .expect(201);
    scripts[name] = res.body.id as string;
    return res.body.id as string;
  }

  beforeAll(async () => {
    buildAll();
    consoleDir = buildConsole();
    fleet = await Fleet.start({ CONSOLE_DIR: consoleDir });
    browser = await launchBrowser();
    // Two seconds a tick: when "tick 2" shows the run has 8 s to go, room for a slow page on a
    // loaded machine (with 1 s ticks, a CI run once saw the run end before the page drew tick 2).
    await createScript('Count slowly', 'for i in 1 2 3 4 5 6; do echo "tick $i"; sleep 2; done');
    await createScript('Wait a long time', 'echo started; sleep 600; echo never');
    await createScript('Echo hostile output', HOSTILE_OUTPUT.map((p) => `echo "${p}"`).join('\n'));
    await auth(api().post('/api/users'))
      .send({ ...VIEWER, displayName: 'Vera Viewer', role: 'viewer' })
      .expect(201);
    agent = await fleet.enrollAgent();
    hostname = (await device(agent.deviceId)).hostname;
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await fleet?.stop();
  });

  async function adminPage(): Promise<{ page: Page; alarms: PageAlarms }> {
    const { page, alarms } = await watchedContext(browser);
    await signIn(page, fleet.url, 'admin@example.com', 'admin-password-123');
    return { page, alarms };
  }

  /** Follows a link in the side menu, as a technician moves around: no page load. */
  const nav = (page: Page, name: string) =>
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();

  const deviceRow = (page: Page, id: string) =>
    page.locator(`[data-testid="device-row"][data-device-id="${id}"]`);

  /** Waits for the device page's title, which must read exactly `name` (as text). */
  async function deviceName(page: Page, name: string): Promise<void> {
    const title = page.getByTestId('device-name');
    await title.waitFor();
    expect(await title.innerText()).toBe(name);
  }

  /** The text xterm.js shows for the selected run (its DOM renderer keeps rows as text). */
  const terminalText = (page: Page) =>
    page
      .getByTestId('run-output')
      .locator('.xterm-rows')
      .innerText()
      .catch(() => '');

  async function expectClean(page: Page, alarms: PageAlarms): Promise<void> {
    expect(await alarms.xss()).toEqual([]);
    expect(alarms.cspViolations).toEqual([]);
    expect(alarms.dialogs).toEqual([]);
    expect(alarms.pageErrors).toEqual([]);
    expect(await page.locator('img[src="x"], svg[onload]').count()).toBe(0);
  }

  it('signs in, and shows a device come online without a reload', async () => {
    const { page, alarms } = await adminPage();
    let loads = 0;
    page.on('load', () => (loads += 1));
    await nav(page, 'Devices');
    const row = deviceRow(page, agent.deviceId);
    await row.getByRole('img', { name: 'offline' }).waitFor();

    fleet.runAgent(agent.stateDir);
    await row.getByRole('img', { name: 'online' }).waitFor({ timeout: 15_000 });
    expect(loads).toBe(0);
    await screenshot(page, 'devices');

    await nav(page, 'Overview');
    await waitFor(
      async () => (await page.getByTestId('stat-online-value').innerText()) === '1',
      10_000,
    );
    await screenshot(page, 'overview');
    await expectClean(page, alarms);
    await page.context().close();
  });

  it('runs a script on the device from its page and streams the output live', async () => {
    const { page, alarms } = await adminPage();
    await page.goto(`${fleet.url}/devices/${agent.deviceId}`);
    await deviceName(page, hostname);
    await page.getByRole('button', { name: 'Run script' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Script').click();
    await page.getByRole('option', { name: 'Count slowly' }).click();
    await dialog.getByRole('button', { name: 'Run', exact: true }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);

    // Output arrives while the run is still going: live, not loaded at the end.
    await waitFor(async () => (await terminalText(page)).includes('tick 2'), 15_000);
    const runRow = page.getByTestId('run-row').first();
    expect(await runRow.getAttribute('data-state')).toBe('running');
    expect(await terminalText(page)).not.toContain('tick 6');
    await waitFor(async () => (await runRow.getAttribute('data-state')) === 'succeeded', 30_000);
    const text = await terminalText(page);
    for (let i = 1; i <= 6; i += 1) expect(text.split(`tick ${i}`).length - 1).toBe(1);
    await screenshot(page, 'job');

    await page.goto(`${fleet.url}/devices/${agent.deviceId}`);
    await deviceName(page, hostname);
    await page.waitForTimeout(2500); // a few heartbeats for the health chart
    await screenshot(page, 'device-detail');
    await expectClean(page, alarms);
    await page.context().close();
  }, 90_000);

  it('cancels a long run from the job page', async () => {
    const res = await auth(api().post('/api/jobs'))
      .send({
        script: { id: scripts['Wait a long time'] },
        target: { deviceIds: [agent.deviceId] },
      })
      .expect(201);
    const jobId = res.body.id as string;
    const { page, alarms } = await adminPage();
    await page.goto(`${fleet.url}/jobs/${jobId}`);
    await waitFor(async () => (await terminalText(page)).includes('started'), 15_000);
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await page.getByRole('button', { name: 'Yes, cancel job' }).click();
    const runRow = page.getByTestId('run-row').first();
    await waitFor(async () => (await runRow.getAttribute('data-state')) === 'cancelled', 15_000);
    const job = (await auth(api().get(`/api/jobs/${jobId}`)).expect(200)).body as {
      status: string;
    };
    expect(job.status).toBe('cancelled');
    await expectClean(page, alarms);
    await page.context().close();
  });

  it('gives a viewer no run button, the API refuses the run anyway, and sign-out ends the session', async () => {
    const { page, alarms } = await watchedContext(browser);
    await signIn(page, fleet.url, VIEWER.email, VIEWER.password);
    await page.goto(`${fleet.url}/devices/${agent.deviceId}`);
    await deviceName(page, hostname);
    expect(await page.getByRole('button', { name: 'Run script' }).count()).toBe(0);
    await page.goto(`${fleet.url}/jobs`);
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    expect(await page.getByRole('button', { name: 'Run script' }).count()).toBe(0);

    // The same session cookie, straight at the API: the server decides, not the page.
    const status = await page.evaluate(
      async ([scriptId, deviceId]) =>
        (
          await fetch('/api/jobs', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ script: { id: scriptId }, target: { deviceIds: [deviceId] } }),
          })
        ).status,
      [scripts['Count slowly'], agent.deviceId],
    );
    expect(status).toBe(403);

    // Signing out ends the session on the server, not just in the page.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const me = await page.evaluate(async () => (await fetch('/api/auth/me')).status);
    expect(me).toBe(401);
    await expectClean(page, alarms);
    await page.context().close();
  });

  it('shows hostile hostnames, OS names and output as text, and runs none of them', async () => {
    const hostile = await startHostileAgent(fleet);
    try {
      await waitFor(async () => (await device(hostile.deviceId)).status === 'online', 20_000);
      const reported = await device(hostile.deviceId);
      expect(reported.hostname).toBe(HOSTILE_HOSTNAME);
      expect(JSON.stringify(reported)).toContain(HOSTILE_OS);
      const res = await auth(api().post('/api/jobs'))
        .send({
          script: { id: scripts['Echo hostile output'] },
          target: { deviceIds: [hostile.deviceId] },
        })
        .expect(201);

      const { page, alarms } = await adminPage();
      await nav(page, 'Devices');
      await deviceRow(page, hostile.deviceId).getByText(HOSTILE_HOSTNAME).waitFor();
      await page.goto(`${fleet.url}/devices/${hostile.deviceId}`);
      await deviceName(page, HOSTILE_HOSTNAME);
      await page.getByText(HOSTILE_OS).first().waitFor();
      await page.goto(`${fleet.url}/jobs/${res.body.id as string}`);
      await waitFor(async () => (await terminalText(page)).includes(HOSTILE_OUTPUT[2]), 20_000);
      const text = await terminalText(page);
      for (const payload of HOSTILE_OUTPUT) expect(text).toContain(payload);
      await page.getByTestId('run-row').getByText(HOSTILE_HOSTNAME).waitFor();
      await expectClean(page, alarms);
      await page.context().close();
    } finally {
      hostile.proc.child.kill('SIGKILL');
      await hostile.proc.exited;
      await rm(hostile.dir, { recursive: true, force: true });
    }
    // 21 s alone at load 8; a CI run at load 5–7 beside another worker went past the default 60 s.
  }, 120_000);
});

/**
 * A real agent process whose machine really is hostile: a private UTS namespace with the
 * payload as its hostname, and a private mount namespace whose os-release names a payload.
 */
async function startHostileAgent(
  fleet: Fleet,
): Promise<{ deviceId: string; proc: Proc; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetdesk-hostile-'));
  const osRelease = join(dir, 'os-release');
  await writeFile(osRelease, `NAME="${HOSTILE_OS}"\nID=hostile\nVERSION_ID="1"\n`);
  const inNamespace = (agentArgs: string[]) =>
    spawnCommand(
      'unshare',
      [
        '--uts',
        '--mount',
        '--',
        'sh',
        '-c',
        'printf %s "$HN" > /proc/sys/kernel/hostname && mount --bind "$OSR" /etc/os-release && exec "$NODE" "$@"',
        'agent',
        AGENT_BUNDLE,
        ...agentArgs,
      ],
      { HN: HOSTILE_HOSTNAME, OSR: osRelease, NODE: process.execPath },
    );
  const enroll = inNamespace([
    'enroll',
    '--server',
    fleet.url,
    '--token',
    await fleet.token(),
    '--state-dir',
    dir,
  ]);
  if ((await enroll.exited) !== 0) throw new Error(`hostile enroll failed: ${enroll.output()}`);
  const { deviceId } = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as {
    deviceId: string;
  };
  return { deviceId, proc: inNamespace(['run', '--state-dir', dir]), dir };
}
