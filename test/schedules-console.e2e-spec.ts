import type { Browser } from 'playwright-core';
import { launchBrowser, signIn, watchedContext } from './support/browser';
import { Fleet } from './support/fleet';
import { buildAll, buildConsole } from './support/processes';

const TECH = { email: 'tech@example.com', password: 'technician-password-123' };

/** The schedules page in a real Chromium against a real server process and database. */
describe('console: schedules', () => {
  let fleet: Fleet;
  let browser: Browser;
  let consoleDir: string;
  let scriptId: string;

  beforeAll(async () => {
    buildAll();
    consoleDir = buildConsole();
    fleet = await Fleet.start({ CONSOLE_DIR: consoleDir });
    browser = await launchBrowser();
    await fleet
      .api()
      .post('/api/users')
      .set('Authorization', fleet.admin)
      .send({ ...TECH, displayName: 'Tess Technician', role: 'technician' })
      .expect(201);
    scriptId = (
      await fleet
        .api()
        .post('/api/scripts')
        .set('Authorization', fleet.admin)
        .send({ name: 'Nightly cleanup', language: 'bash', body: 'echo cleaning' })
        .expect(201)
    ).body.id as string;
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await fleet?.stop();
  });

  it('a technician creates a nightly schedule from a script and sees its next occurrences', async () => {
    const { page, alarms } = await watchedContext(browser);
    await signIn(page, fleet.url, TECH.email, TECH.password);
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Schedules', exact: true })
      .click();
    await page.getByText('No schedules yet').waitFor();
    await page.getByRole('button', { name: 'New schedule' }).first().click();

    const dialog = page.getByRole('dialog', { name: 'New schedule' });
    await dialog.getByLabel('Name').fill('Nightly cleanup');
    await dialog.getByLabel('Script').click();
    await page.getByRole('option', { name: 'Nightly cleanup' }).click();
    await dialog.getByText('All devices', { exact: true }).click();
    await dialog.getByLabel('I understand: run on all devices').check();
    expect(await dialog.getByLabel('Cron expression').inputValue()).toBe('0 2 * * *');
    await dialog.getByLabel('Time zone mode').click();
    await page.getByRole('option', { name: 'One fixed zone' }).click();
    await dialog.getByLabel('Time zone', { exact: true }).fill('Europe/Paris');

    // What the form shows is the server's preview for that timing, five nights at 02:00 Paris.
    const expected = (
      await fleet
        .api()
        .post('/api/schedules/preview')
        .set('Authorization', fleet.admin)
        .send({ cron: '0 2 * * *', zoneMode: 'fixed', timeZone: 'Europe/Paris', count: 5 })
        .expect(200)
    ).body.occurrences as { at: string; zone: string }[];
    expect(expected).toHaveLength(5);
    const items = dialog.getByTestId('schedule-preview-item');
    await page.waitForFunction(
      () =>
        Array.from(document.querySelectorAll('[data-testid="schedule-preview-item"]')).filter((e) =>
          e.textContent?.includes('(Europe/Paris)'),
        ).length === 5,
    );
    const shown = await items.allInnerTexts();
    const local = await page.evaluate(
      (ats) => ats.map((at) => new Date(at).toLocaleString()),
      expected.map((o) => o.at),
    );
    expect(shown.map((t) => t.replace(/\s*\(Europe\/Paris\)\s*$/, ''))).toEqual(local);
    for (const o of expected)
      expect(
        new Intl.DateTimeFormat('en-GB', {
          timeZone: 'Europe/Paris',
          hour: '2-digit',
          minute: '2-digit',
        }).format(new Date(o.at)),
      ).toBe('02:00');

    await dialog.getByRole('button', { name: 'Create schedule' }).click();
    const row = page.getByTestId('schedule-row');
    await row.waitFor();
    expect(await row.innerText()).toContain('Every night at 02:00 · Europe/Paris');

    const saved = (
      await fleet.api().get('/api/schedules').set('Authorization', fleet.admin).expect(200)
    ).body.items as Record<string, unknown>[];
    expect(saved).toEqual([
      expect.objectContaining({
        name: 'Nightly cleanup',
        cron: '0 2 * * *',
        zoneMode: 'fixed',
        timeZone: 'Europe/Paris',
        nextDueAt: expected[0].at,
        job: expect.objectContaining({ script: { id: scriptId }, target: { all: true } }),
        createdBy: expect.objectContaining({ email: TECH.email }),
      }),
    ]);

    await row.getByRole('button', { name: 'History' }).click();
    await page.getByText('Nothing has fired yet').waitFor();
    await page.keyboard.press('Escape');
    await row.getByRole('button', { name: 'Pause Nightly cleanup' }).click();
    await row.getByText('Paused').waitFor();
    await row.getByRole('button', { name: 'Resume Nightly cleanup' }).click();
    await row.getByRole('button', { name: 'Pause Nightly cleanup' }).waitFor();
    expect(alarms.pageErrors).toEqual([]);
    expect(alarms.cspViolations).toEqual([]);
  }, 90_000);
});
