import type { BuiltinScript } from './builtin-script';

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

const APPLY_UPDATES = sh`#!/usr/bin/env bash
# Fleetdesk built-in: Apply updates and reboot if required.
# Installs every pending package update with the system's package manager (apt-get, dnf, yum,
# zypper; softwareupdate on macOS). When the system then needs a restart and REBOOT is true,
# it schedules one REBOOT_DELAY_MINUTES later with shutdown(8), which warns logged-in users
# with MESSAGE (wall). DRY_RUN=true lists what would be installed and whether a restart would
# be needed, changing nothing (no package list refresh either).
# Parameters arrive only as environment variables.
# Exit codes: 0 done (or dry run), 1 the update failed, 2 invalid parameter,
# 3 no supported package manager or not run as root.
set -u
export LC_ALL=C

fail() {
  printf 'error: %s\n' "$1" >&2
  exit 2
}

dry_run="\${DRY_RUN:-false}"
reboot="\${REBOOT:-true}"
delay="\${REBOOT_DELAY_MINUTES:-5}"
message="\${MESSAGE:-}"

case "$dry_run" in true | false) ;; *) fail "DRY_RUN must be true or false" ;; esac
case "$reboot" in true | false) ;; *) fail "REBOOT must be true or false" ;; esac
case "$delay" in
  '' | *[!0-9]*) fail "REBOOT_DELAY_MINUTES must be a whole number of minutes, not '\${delay:0:40}'" ;;
esac
if [ "\${#delay}" -gt 4 ] || [ "$delay" -lt 1 ] || [ "$delay" -gt 1440 ]; then
  fail 'REBOOT_DELAY_MINUTES must be from 1 to 1440'
fi
[ "\${#message}" -le 200 ] || fail 'MESSAGE must be at most 200 characters'
case "$message" in *[![:print:]]*) fail 'MESSAGE must be one line of printable text' ;; esac
[ -n "$message" ] ||
  message="Fleetdesk: this computer restarts in $delay minutes to finish installing updates. Please save your work."

manager=''
if [ "$(uname -s)" = Darwin ]; then
  command -v softwareupdate >/dev/null 2>&1 && manager=softwareupdate
else
  for m in apt-get dnf yum zypper; do
    if command -v "$m" >/dev/null 2>&1; then
      manager=$m
      break
    fi
  done
fi
if [ -z "$manager" ]; then
  echo 'error: no supported package manager (apt-get, dnf, yum, zypper, softwareupdate)' >&2
  exit 3
fi
if [ "$dry_run" = false ] && [ "$(id -u)" != 0 ]; then
  echo 'error: installing updates needs root; the agent runs jobs as root by default' >&2
  exit 3
fi

# Does the system need a restart now? Prints yes or no.
restart_needed() {
  case "$manager" in
    apt-get) [ -f /var/run/reboot-required ] && echo yes || echo no ;;
    dnf | yum)
      if command -v needs-restarting >/dev/null 2>&1; then
        needs-restarting -r >/dev/null 2>&1 && echo no || echo yes
      else
        echo no
      fi
      ;;
    zypper)
      zypper needs-rebooting >/dev/null 2>&1
      [ $? -eq 102 ] && echo yes || echo no
      ;;
    softwareupdate) [ "\${mac_restart:-no}" = yes ] && echo yes || echo no ;;
  esac
}

log="\${TMPDIR:-/tmp}/fleetdesk-updates.$$"
echo "Package manager: $manager"
if [ "$dry_run" = true ]; then
  case "$manager" in
    apt-get) apt-get -s -o Debug::NoLocking=1 upgrade >"$log" 2>&1; rc=$?
      n=$(grep -c '^Inst ' "$log") ;;
    dnf | yum) "$manager" -q check-update >"$log" 2>&1; rc=$?
      [ "$rc" -eq 100 ] && rc=0
      n=$(grep -c '^[^ ]' "$log") ;;
    zypper) zypper --non-interactive list-updates >"$log" 2>&1; rc=$?
      n=$(grep -c '^v ' "$log") ;;
    softwareupdate) softwareupdate -l >"$log" 2>&1; rc=$?
      n=$(grep -c '^\* ' "$log") ;;
  esac
  tail -n 50 "$log"
  rm -f "$log"
  [ "$rc" -eq 0 ] || { echo "error: $manager could not list updates (exit $rc)" >&2; exit 1; }
  echo "DRY RUN: $n update(s) would be installed; nothing was changed."
  echo "Restart needed now: $(restart_needed)."
  exit 0
fi

case "$manager" in
  apt-get)
    apt-get -q update && DEBIAN_FRONTEND=noninteractive apt-get -q -y \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold upgrade ;;
  dnf | yum) "$manager" -y upgrade ;;
  zypper) zypper --non-interactive update ;;
  softwareupdate)
    softwareupdate -i -a 2>&1 | tee "$log"
    grep -qi 'restart' "$log" && mac_restart=yes
    rm -f "$log" ;;
esac
rc=$?
[ "$rc" -eq 0 ] || { echo "error: $manager failed (exit $rc)" >&2; exit 1; }
echo 'Updates installed.'

if [ "$(restart_needed)" = no ]; then
  echo 'No restart needed.'
  exit 0
fi
if [ "$reboot" = false ]; then
  echo 'A restart is needed to finish; REBOOT=false, so none was scheduled.'
  exit 0
fi
shutdown -r "+$delay" "$message" || { echo 'error: shutdown could not schedule the restart' >&2; exit 1; }
echo "A restart is needed: scheduled in $delay minute(s); logged-in users were told."
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
  {
    name: 'Apply updates and reboot if required',
    description:
      'Installs pending updates (apt-get, dnf, yum, zypper, softwareupdate). If the system then needs a restart and REBOOT is true, schedules one after REBOOT_DELAY_MINUTES and warns logged-in users with MESSAGE. DRY_RUN lists what would be installed and changes nothing.',
    tags: ['updates', 'maintenance', 'linux', 'macos'],
    language: 'bash',
    body: APPLY_UPDATES,
    parameters: [
      {
        name: 'DRY_RUN',
        type: 'boolean',
        required: false,
        secret: false,
        default: false,
        description: 'List the updates and whether a restart is needed; change nothing',
      },
      {
        name: 'REBOOT',
        type: 'boolean',
        required: false,
        secret: false,
        default: true,
        description: 'Restart when the updates need it',
      },
      {
        name: 'REBOOT_DELAY_MINUTES',
        type: 'number',
        required: false,
        secret: false,
        default: 5,
        description: 'Minutes between the warning and the restart (1 to 1440)',
      },
      {
        name: 'MESSAGE',
        type: 'string',
        required: false,
        secret: false,
        default: '',
        description: 'What logged-in users are told before the restart (one line, 200 characters)',
      },
    ],
    defaultTimeoutSeconds: 3600,
  },
];
