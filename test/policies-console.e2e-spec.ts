import type { Browser } from 'playwright-core';
import { enroll } from '../apps/server/src/test-support/agent-client';
import { launchBrowser, signIn, watchedContext } from './support/browser';
import { Fleet } from './support/fleet';
import { buildAll, buildConsole } from './support/processes';

const TECH = { email: 'tech@example.com', password: 'technician-password-123' };

/**
 * Automation policies in a real Chromium against a real server process and database: a
 * technician bundles a schedule into a policy attached to a group, and the device page of a
 * device in that group says the policy applies and why. And a schedule made from a script
 * with parameters carries the values typed in the form.
 */
describe('console: automation policies', () => {
  let fleet: Fleet;
  let browser: Browser;
  let consoleDir: string;
  let groupId: string;
  let deviceId: string;
  let scheduleId: string;

  beforeAll(async () => {
    buildAll();
    consoleDir = buildConsole();
    fleet = await Fleet.start({ CONSOLE_DIR: consoleDir });
    browser = await launchBrowser();
    const admin = () => fleet.api();
    await admin()
      .post('/api/users')
      .set('Authorization', fleet.admin)
      .send({ ...TECH, displayName: 'Tess Technician', role: 'technician' })
      .expect(201);
    groupId = (
      await admin()
        .post('/api/groups')
        .set('Authorization', fleet.admin)
        .send({ name: 'Berlin office' })
        .expect(201)
    ).body.id as string;
    deviceId = (await enroll(fleet.url, await fleet.token(), 'berlin-ws-01')).deviceId;
    await admin()
      .patch(`/api/devices/${deviceId}`)
      .set('Authorization', fleet.admin)
      .send({ groupId })
      .expect(200);
    await admin()
      .post(`/api/devices/${deviceId}/tags`)
      .set('Authorization', fleet.admin)
      .send({ tags: ['workstation'] })
      .expect(200);
    scheduleId = (
      await admin()
        .post('/api/schedules')
        .set('Authorization', fleet.admin)
        .send({
          name: 'Sunday updates',
          job: { command: { language: 'bash', body: 'echo updates' }, target: { tags: ['none'] } },
          cron: '0 3 * * 0',
          zoneMode: 'device',
        })
        .expect(201)
    ).body.id as string;
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await fleet?.stop();
  });

  it('a technician attaches a policy to a group; the device page shows it applies and why', async () => {
    const { page, alarms } = await watchedContext(browser);
    await signIn(page, fleet.url, TECH.email, TECH.password);
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Automation policies', exact: true })
      .click();
    await page.getByText('No automation policies yet').waitFor();
    await page.getByRole('button', { name: 'New policy' }).first().click();

    const dialog = page.getByRole('dialog', { name: 'New automation policy' });
    await dialog.getByRole('button', { name: 'Create policy' }).click();
    await dialog.getByText('Give the policy a name').waitFor();
    await dialog.getByText('Attach it to at least one group or tag').first().waitFor();

    await dialog.getByLabel('Name').fill('Workstation baseline');
    await dialog.getByLabel('Description').fill('Updates for every office machine');
    await dialog.getByLabel('Attached to groups').click();
    await page.getByRole('option', { name: 'Berlin office (1)' }).click();
    await dialog.getByLabel('Schedules', { exact: true }).click();
    await page.getByRole('option', { name: 'Sunday updates' }).click();
    // An open dropdown covers the buttons: a click elsewhere in the form closes it.
    await dialog.getByLabel('Name').click();
    await dialog.getByRole('button', { name: 'Create policy' }).click();

    const row = page.getByTestId('policy-row');
    await row.waitFor();
    expect(await row.innerText()).toMatch(
      /Workstation baseline[\s\S]*group Berlin office[\s\S]*Sunday updates/,
    );
    const saved = (
      await fleet.api().get('/api/policies').set('Authorization', fleet.admin).expect(200)
    ).body.items as Record<string, unknown>[];
    expect(saved).toEqual([
      expect.objectContaining({
        name: 'Workstation baseline',
        description: 'Updates for every office machine',
        target: { tags: [], groups: [{ id: groupId, name: 'Berlin office' }] },
        schedules: [expect.objectContaining({ id: scheduleId, name: 'Sunday updates' })],
        createdBy: expect.objectContaining({ email: TECH.email }),
      }),
    ]);

    // Attach it by tag too: the device then matches twice, and the page says both.
    await row.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit policy: Workstation baseline' });
    await edit.getByLabel('Attached to tags').click();
    await page.getByRole('option', { name: 'workstation (1)' }).click();
    await edit.getByLabel('Name').click();
    await edit.getByRole('button', { name: 'Save policy' }).click();
    await row.getByText('tag workstation').waitFor();

    await page.goto(`${fleet.url}/devices/${deviceId}`);
    await page.getByRole('tab', { name: 'Policies' }).click();
    const card = page.getByTestId('device-policy');
    await card.waitFor();
    expect(await card.getByText('Workstation baseline').count()).toBe(1);
    expect(await card.getByTestId('device-policy-why').innerText()).toMatch(
      /applies through\s*group Berlin office\s*tag workstation/,
    );
    expect(await card.getByTestId('device-policy-schedule').innerText()).toMatch(
      /^Sunday updates\s+next /,
    );

    // Deleted, it no longer applies.
    await page.goto(`${fleet.url}/policies`);
    await page.getByRole('button', { name: 'Delete Workstation baseline' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.getByText('No automation policies yet').waitFor();
    await page.goto(`${fleet.url}/devices/${deviceId}`);
    await page.getByRole('tab', { name: 'Policies' }).click();
    await page.getByText('No automation policy applies').waitFor();
    expect(alarms.pageErrors).toEqual([]);
    expect(alarms.cspViolations).toEqual([]);
  }, 120_000);

  it("the schedule form asks for the script's parameters and the schedule keeps them", async () => {
    await fleet
      .api()
      .post('/api/scripts')
      .set('Authorization', fleet.admin)
      .send({
        name: 'Rotate logs',
        language: 'bash',
        body: 'echo "$KEEP"',
        parameters: [
          { name: 'KEEP', type: 'number', required: true, description: 'Archives to keep' },
        ],
      })
      .expect(201);
    const { page, alarms } = await watchedContext(browser);
    await signIn(page, fleet.url, TECH.email, TECH.password);
    await page.goto(`${fleet.url}/schedules`);
    await page.getByRole('button', { name: 'New schedule' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'New schedule' });
    await dialog.getByLabel('Name').fill('Nightly rotation');
    await dialog.getByLabel('Script').click();
    await page.getByRole('option', { name: 'Rotate logs' }).click();
    await dialog.getByText('All devices', { exact: true }).click();
    await dialog.getByLabel('I understand: run on all devices').check();
    // Required and empty: the form refuses before sending anything.
    await dialog.getByRole('button', { name: 'Create schedule' }).click();
    await dialog
      .getByTestId('param-values')
      .getByText(/required/i)
      .waitFor();
    await dialog.getByLabel('KEEP').fill('14');
    await dialog.getByRole('button', { name: 'Create schedule' }).click();
    await page.getByRole('dialog', { name: 'New schedule' }).waitFor({ state: 'detached' });

    const saved = (
      await fleet.api().get('/api/schedules').set('Authorization', fleet.admin).expect(200)
    ).body.items as { name: string; job: { script?: unknown } }[];
    expect(saved.find((s) => s.name === 'Nightly rotation')?.job.script).toEqual({
      id: expect.any(String),
      params: { KEEP: 14 },
    });
    expect(alarms.pageErrors).toEqual([]);
    expect(alarms.cspViolations).toEqual([]);
  }, 90_000);
});
