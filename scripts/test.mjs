// `npm test`: unit + integration tests on the embedded engine, then the integration suite
// again on PostgreSQL when TEST_DATABASE_URL is set. Ends with one "N passed, N failed" line.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';

/**
 * The browser tests: e2e files that drive Chromium through test/support/browser.ts. They
 * check the console's pages, whose data comes through the same server code the int-specs and
 * the agent e2e files exercise on both engines, so they run once, in the embedded run (the
 * engine `npm start` gives): on PostgreSQL they would add ~7 minutes of CI for no new query.
 */
const browserTests = readdirSync('test')
  .filter((f) => f.endsWith('.e2e-spec.ts'))
  .filter((f) => readFileSync(`test/${f}`, 'utf8').includes("from './support/browser'"));

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Integration and e2e files under `dir`, recursively, as paths from the repository root. */
function specFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory())
      return e.name === 'node_modules' || e.name === 'dist' ? [] : specFiles(path);
    return /\.(int|e2e)-spec\.ts$/.test(e.name) ? [path] : [];
  });
}

/**
 * Files that start no Fleetdesk database at all (no TestDatabase, no test app, no Fleet):
 * building the agent's executables, PGlite's own listener, the apt adapter. They test nothing
 * that depends on the engine, so the PostgreSQL run leaves them out too (~2 minutes).
 */
const engineFree = ['apps', 'libs', 'test']
  .flatMap(specFiles)
  .filter((f) => !/TestDatabase|test-app'|support\/fleet/.test(readFileSync(f, 'utf8')));

const extra = process.argv.slice(2);
const runs = [{ engine: 'embedded', args: [] }];
if (process.env.TEST_DATABASE_URL) {
  // Unit tests (`*.spec.ts`) left out by an ignore pattern rather than a second path pattern:
  // jest ORs path patterns, so a caller's --testPathPatterns would have widened this run to
  // every int/e2e file; ignore patterns AND with it.
  const ignored = [
    '/node_modules/',
    '\\.spec\\.ts$',
    ...browserTests.map((f) => `/test/${escape(f)}$`),
    ...engineFree.map((f) => `/${escape(f)}$`),
  ];
  runs.push({ engine: 'postgres', args: ['--testPathIgnorePatterns', ignored.join('|')] });
}

// Every PostgreSQL test database of this run is named fleetdesk_t_<run>_…; jest's global
// teardown (scripts/jest-global-teardown.js) drops whichever a failed test file left behind.
const testRun = Date.now().toString(36) + randomBytes(3).toString('hex');

mkdirSync('tmp', { recursive: true });
let passed = 0;
let failed = 0;
let ok = true;
for (const run of runs) {
  const out = `tmp/jest-${run.engine}.json`;
  rmSync(out, { force: true });
  console.log(`\n=== tests on the ${run.engine} database engine ===`);
  const res = spawnSync(
    'npx',
    ['jest', '--maxWorkers=2', '--json', `--outputFile=${out}`, ...run.args, ...extra],
    {
      stdio: 'inherit',
      env: {
        ...process.env,
        FLEETDESK_TEST_ENGINE: run.engine,
        FLEETDESK_TEST_RUN: testRun,
        // PGlite loads its WASM build through dynamic import(), which Jest's VM needs this for.
        NODE_OPTIONS:
          `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules --no-warnings=ExperimentalWarning`.trim(),
      },
    },
  );
  try {
    const report = JSON.parse(readFileSync(out, 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    if (!report.success) ok = false;
  } catch {
    ok = false;
    console.error(`no test report for the ${run.engine} run (jest exited with ${res.status})`);
  }
  if (res.status !== 0) ok = false;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(ok && failed === 0 ? 0 : 1);
