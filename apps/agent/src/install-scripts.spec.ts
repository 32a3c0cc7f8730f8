import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join(__dirname, '..', 'install');
const placeholders = (file: string) =>
  [...new Set(readFileSync(join(DIR, file), 'utf8').match(/@@[^@]+@@/g))].sort();

/**
 * The installers as files: install.sh is POSIX sh (dash parses it, shellcheck finds nothing
 * in sh mode); both carry only the placeholders the server fills in
 * (agent-downloads/install-scripts.service.ts). install.ps1 cannot run here (no PowerShell):
 * what it is served with is checked in agent-downloads.int-spec.ts.
 */
describe('install scripts', () => {
  it('install.sh parses under dash and passes shellcheck as POSIX sh', () => {
    execFileSync('dash', ['-n', join(DIR, 'install.sh')]);
    execFileSync('shellcheck', ['--shell=sh', '--severity=info', join(DIR, 'install.sh')], {
      stdio: 'pipe',
    });
  });

  it('carries exactly the values the server fills in', () => {
    expect(placeholders('install.sh')).toEqual([
      '@@SERVER_KEY_SHA256@@',
      '@@SERVER_URL@@',
      '@@SHA256_darwin-x64@@',
      '@@SHA256_linux-arm64@@',
      '@@SHA256_linux-x64@@',
      '@@VERSION@@',
    ]);
    expect(placeholders('install.ps1')).toEqual([
      '@@SERVER_KEY_SHA256@@',
      '@@SERVER_URL@@',
      '@@SHA256_win-x64@@',
      '@@VERSION@@',
    ]);
  });
});
