import { rm } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { TestDatabase } from '../apps/server/src/test-support/test-app';
import { launchBrowser, watchedContext } from './support/browser';
import {
  buildAll,
  buildConsole,
  freePort,
  type Proc,
  SERVER_MAIN,
  spawnNode,
  waitFor,
  waitHealthy,
} from './support/processes';

/**
 * First start with no administrator: the server prints a one-time setup token and the
 * console's first page turns it into the first admin.
 */
describe('web console first-admin setup', () => {
  let db: TestDatabase;
  let server: Proc;
  let url: string;
  let browser: Browser;
  let consoleDir: string;

  beforeAll(async () => {
    buildAll();
    consoleDir = buildConsole();
    db = await TestDatabase.create();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    server = spawnNode([SERVER_MAIN], {
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DATA_DIR: db.dataDir,
      CONSOLE_DIR: consoleDir,
      ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
    });
    await waitHealthy(url, server);
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    server?.child.kill('SIGTERM');
    await server?.exited;
    await db?.destroy();
    if (consoleDir) await rm(consoleDir, { recursive: true, force: true });
  });

  it('refuses a wrong token in words, then creates the admin from the logged one', async () => {
    const token = await waitFor(
      () => Promise.resolve(/One-time setup token: ([A-Za-z0-9_-]+)/.exec(server.output())?.[1]),
      10_000,
    );
    const { page, alarms } = await watchedContext(browser);
    await page.goto(url);
    await page.getByRole('heading', { name: 'Set up Fleetdesk' }).waitFor();
    const fill = async (setupToken: string) => {
      await page.getByLabel(/^Setup token/).fill(setupToken);
      await page.getByLabel(/^Your name/).fill('Ada Admin');
      await page.getByLabel(/^Email/).fill('ada@example.com');
      await page.getByLabel(/^Password/).fill('a-long-admin-password');
      await page.getByLabel(/^Confirm password/).fill('a-long-admin-password');
      await page.getByRole('button', { name: 'Create administrator' }).click();
    };

    await fill('not-the-token');
    await page
      .getByRole('alert')
      .getByText(/setup token is wrong/i)
      .waitFor();

    await fill(` ${token} `);
    await page.getByTestId('current-user').getByText('Ada Admin').waitFor();
    expect(await alarms.xss()).toEqual([]);
    expect(alarms.pageErrors).toEqual([]);

    // The token is spent: the setup page is gone for good.
    const status = await page.evaluate(async () => (await fetch('/api/setup')).json() as unknown);
    expect(status).toEqual({ needsSetup: false });
    await page.context().close();
  });
});
