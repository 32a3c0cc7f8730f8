import type { BuiltinScript } from './builtin-scripts';

// Scheduled-maintenance built-ins (issue 14). Same conventions as builtin-scripts.ts: bash
// that runs on Debian and macOS, parameters only from the environment, validated first (exit
// 2), each run for real by builtin-maintenance-scripts.spec.ts.

function sh(strings: TemplateStringsArray): string {
  return strings.raw.join('').replace(/\\([`$])/g, '$1');
}

const BACKUP_DIRECTORY = sh`#!/usr/bin/env bash
# Fleetdesk built-in: Back up a directory.
# Writes SOURCE_DIR into DEST_DIR as <name>-YYYYmmdd-HHMMSS.tar.gz (to a temporary name first,
# renamed when complete, so a failed run never leaves a truncated archive that rotation would
# count), then keeps only the KEEP newest archives of that name.
# Parameters arrive only as environment variables.
# Exit codes: 0 archive written, 1 tar or the rename failed, 2 invalid parameter.
set -u
export LC_ALL=C

fail() {
  printf 'error: %s\n' "$1" >&2
  exit 2
}

source_dir="\${SOURCE_DIR:-}"
dest_dir="\${DEST_DIR:-}"
keep="\${KEEP:-7}"

case "$keep" in
  '' | *[!0-9]*) fail "KEEP must be a whole number of archives, not '\${keep:0:40}'" ;;
esac
if [ "\${#keep}" -gt 3 ] || [ "$keep" -lt 1 ] || [ "$keep" -gt 365 ]; then
  fail 'KEEP must be from 1 to 365'
fi
for pair in "SOURCE_DIR:$source_dir" "DEST_DIR:$dest_dir"; do
  name=\${pair%%:*}
  value=\${pair#*:}
  case "$value" in
    /*) ;;
    *) fail "$name must be an absolute path, not '\${value:0:200}'" ;;
  esac
done
src=$(cd -P -- "$source_dir" 2>/dev/null && pwd -P) ||
  fail "SOURCE_DIR '\${source_dir:0:200}' is not a directory that can be entered"
[ "$src" = / ] && fail 'SOURCE_DIR must not be / (back up a directory, not the whole system)'
mkdir -p -- "$dest_dir" 2>/dev/null || fail "DEST_DIR '\${dest_dir:0:200}' cannot be created"
dest=$(cd -P -- "$dest_dir" && pwd -P) || fail "DEST_DIR '\${dest_dir:0:200}' cannot be entered"
case "$dest/" in
  "$src"/*) fail 'DEST_DIR must not be inside SOURCE_DIR (the backup would contain itself)' ;;
esac

base=$(basename -- "$src")
stamp=$(date -u +%Y%m%d-%H%M%S)
archive="$dest/$base-$stamp.tar.gz"
partial="$dest/.$base-$stamp.tar.gz.partial"

if ! tar -czf "$partial" -C "$(dirname -- "$src")" -- "$base"; then
  rm -f -- "$partial"
  echo "error: tar failed; no archive written" >&2
  exit 1
fi
mv -f -- "$partial" "$archive" || {
  echo "error: could not rename the archive into place" >&2
  exit 1
}
size=$(wc -c <"$archive" | tr -d ' ')
echo "Wrote $archive ($size bytes)."

# Rotation: the stamps sort by time, so the oldest come first in name order.
removed=0
count=0
for f in "$dest/$base"-[0-9]*-[0-9]*.tar.gz; do
  [ -f "$f" ] && count=$((count + 1))
done
for f in "$dest/$base"-[0-9]*-[0-9]*.tar.gz; do
  [ "$count" -le "$keep" ] && break
  [ -f "$f" ] || continue
  rm -f -- "$f" && removed=$((removed + 1)) && count=$((count - 1))
  echo "Removed old archive $f"
done
echo "Kept $count archive(s) of $base in $dest (KEEP=$keep); removed $removed."
`;

const DISK_HEALTH = sh`#!/usr/bin/env bash
# Fleetdesk built-in: Check disk health.
# Asks every disk smartctl finds (smartmontools) for its SMART overall health. Where smartctl
# is not installed, or no disk answers, the health is UNKNOWN and the script says why; it
# never guesses healthy.
# Parameters: none.
# Exit codes: 0 every disk passed, 1 a disk failed its self-assessment, 3 health unknown.
set -u
export LC_ALL=C

if ! command -v smartctl >/dev/null 2>&1; then
  echo 'UNKNOWN: smartctl (smartmontools) is not installed, so SMART health cannot be read.'
  echo 'Install smartmontools (apt install smartmontools, brew install smartmontools) and run again.'
  exit 3
fi

devices=$(smartctl --scan 2>/dev/null | awk 'substr($1, 1, 1) == "/" { print $1 }')
if [ -z "$devices" ]; then
  echo 'UNKNOWN: smartctl found no disk that reports SMART (a virtual machine or container has none).'
  exit 3
fi

failed=0
unknown=0
passed=0
for dev in $devices; do
  out=$(smartctl -H -- "$dev" 2>&1)
  rc=$?
  if printf '%s\n' "$out" | grep -Eq 'self-assessment test result: PASSED|SMART Health Status: OK'; then
    echo "PASSED  $dev"
    passed=$((passed + 1))
  elif printf '%s\n' "$out" | grep -Eq 'self-assessment test result: FAILED|SMART Health Status: (FAILURE|[A-Z ]*FAIL)'; then
    echo "FAILED  $dev"
    printf '%s\n' "$out" | sed 's/^/        /'
    failed=$((failed + 1))
  else
    echo "UNKNOWN $dev (smartctl exit $rc)"
    printf '%s\n' "$out" | tail -n 3 | sed 's/^/        /'
    unknown=$((unknown + 1))
  fi
done
echo "Disks: $passed passed, $failed failed, $unknown unknown."
[ "$failed" -gt 0 ] && exit 1
[ "$passed" -eq 0 ] && exit 3
exit 0
`;

export const MAINTENANCE_SCRIPTS: readonly BuiltinScript[] = [
  {
    name: 'Back up a directory',
    description:
      'Archives SOURCE_DIR to DEST_DIR as <name>-<UTC time>.tar.gz and keeps only the KEEP newest archives of it. A failed run leaves no partial archive. Linux and macOS.',
    tags: ['backup', 'maintenance', 'linux', 'macos'],
    language: 'bash',
    body: BACKUP_DIRECTORY,
    parameters: [
      {
        name: 'SOURCE_DIR',
        type: 'string',
        required: true,
        secret: false,
        description: 'Absolute path of the directory to back up',
      },
      {
        name: 'DEST_DIR',
        type: 'string',
        required: true,
        secret: false,
        description: 'Absolute path of the directory the archives go to (created if missing)',
      },
      {
        name: 'KEEP',
        type: 'number',
        required: false,
        secret: false,
        default: 7,
        description: 'How many archives to keep (1 to 365); older ones are deleted',
      },
    ],
    defaultTimeoutSeconds: 3600,
  },
  {
    name: 'Check disk health',
    description:
      "Reads every disk's SMART overall health with smartctl. Exit 1 when a disk fails; exit 3 (UNKNOWN, with the reason) when smartctl is missing or no disk reports SMART. Linux and macOS.",
    tags: ['disk', 'health', 'maintenance', 'linux', 'macos'],
    language: 'bash',
    body: DISK_HEALTH,
    parameters: [],
    defaultTimeoutSeconds: 300,
  },
];
