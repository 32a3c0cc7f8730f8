// The e2e files' test environment: Node's, plus one flag a hook can read to know whether the
// test it runs after failed (jest gives afterEach no such thing). test/support/browser.ts uses
// it to print what a failed test's page was doing.
const { TestEnvironment } = require('jest-environment-node');

class E2eEnvironment extends TestEnvironment {
  handleTestEvent(event) {
    if (event.name === 'test_start') this.global.__fleetdeskTestFailed = false;
    if (event.name === 'test_fn_failure') this.global.__fleetdeskTestFailed = true;
  }
}

module.exports = E2eEnvironment;
