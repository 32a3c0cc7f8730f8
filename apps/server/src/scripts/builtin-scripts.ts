import type { BuiltinScript } from './builtin-script';
import { MAINTENANCE_SCRIPTS } from './builtin-maintenance-scripts';

export type { BuiltinScript } from './builtin-script';

/**
 * The bodies are written as they run: `sh` keeps every backslash as typed, so the only
 * escapes below are \${ and \` (to stay out of template interpolation). The bodies must not
 * contain a literal backslash-dollar or backslash-backtick of their own.
 *
 * Every body is POSIX-ish bash that runs on Debian and on macOS (bash 3.2, BSD tools), reads
 * its parameters only from environment variables, validates them first and exits 2 if one
 * is invalid. scripts/builtin-scripts.spec.ts runs each of them for real.
 */
function sh(strings: TemplateStringsArray): string {
  return strings.raw.join('').replace(/\\([`$])/g, '$1');
}

const DISK_USAGE = sh`#!/usr/bin/env bash
# Fleetdesk built-in: Disk usage report.
# Prints every mounted filesystem (df -h), then the 10 biggest directories directly under
# SCAN_PATH (du, staying on that filesystem, stopped after SCAN_TIMEOUT_SECONDS).
# Parameters arrive only as environment variables.
# Exit codes: 0 report printed (a stopped scan is marked PARTIAL), 2 invalid parameter.
set -u
export LC_ALL=C

fail() {
  printf 'error: %s\n' "$1" >&2
  exit 2
}

scan_path="\${SCAN_PATH:-/var}"
limit="\${SCAN_TIMEOUT_SECONDS:-120}"

case "$limit" in
  '' | *[!0-9]*) fail "SCAN_TIMEOUT_SECONDS must be a whole number of seconds, not '\${limit:0:40}'" ;;
esac
if [ "\${#limit}" -gt 4 ] || [ "$limit" -lt 1 ] || [ "$limit" -gt 3600 ]; then
  fail "SCAN_TIMEOUT_SECONDS must be from 1 to 3600"
fi
case "$scan_path" in
  /*) ;;
  *) fail "SCAN_PATH must be an absolute path, not '\${scan_path:0:200}'" ;;
esac
# The physical path: du does not follow a symlink given as its argument (macOS's /var is one).
resolved=$(cd -P -- "$scan_path" 2>/dev/null && pwd -P) ||
  fail "SCAN_PATH '\${scan_path:0:200}' is not a directory that can be entered"

# Runs a command for at most $1 seconds; returns 124 if it had to be stopped. Portable:
# macOS has no coreutils timeout(1). The watchdog leaves a mark before it kills: asking
# whether it is still alive races with its exit (an unreaped watchdog still answers kill -0).
run_limited() {
  local secs=$1 pid watchdog rc mark="$work/stopped"
  shift
  rm -f "$mark"
  "$@" &
  pid=$!
  # A separate sh, not a ( subshell ): a subshell killed before it could reset the EXIT trap
  # would run this script's clean-up and delete the work directory mid-scan.
  sh -c 'sleep "$1" & s=$!; trap "kill \$s 2>/dev/null; exit 0" TERM; wait "$s"; : >"$3"; kill -TERM "$2" 2>/dev/null; exit 0' \
    fleetdesk-watchdog "$secs" "$pid" "$mark" </dev/null >/dev/null 2>&1 &
  watchdog=$!
  wait "$pid"
  rc=$?
  kill -TERM "$watchdog" 2>/dev/null
  wait "$watchdog" 2>/dev/null
  if [ -e "$mark" ] && [ "$rc" -gt 128 ]; then
    rc=124
  fi
  return "$rc"
}

human() {
  awk '
    function human(kb,   units, i) {
      split("K M G T P", units, " ")
      i = 1
      while (kb >= 1024 && i < 5) { kb = kb / 1024; i++ }
      return (i == 1) ? sprintf("%d%s", kb, units[i]) : sprintf("%.1f%s", kb, units[i])
    }
    BEGIN { FS = "\t" }
    { printf "%8s  %s\n", human($1), $2 }
  '
}

work=$(mktemp -d "\${TMPDIR:-/tmp}/fleetdesk-du.XXXXXX") || {
  echo 'error: cannot create a temporary directory' >&2
  exit 1
}
# No EXIT trap here: bash runs it in a forked background child that is killed before it
# exec'd (the watchdog below, under load), which deleted this directory mid-scan. A killed
# run leaves it behind in TMPDIR instead.

echo '== Filesystems (df -h)'
df -hP || echo '(df reported errors)'
echo

run_limited "$limit" du -x -k -d 1 "$resolved" >"$work/du" 2>"$work/errors"
du_rc=$?

echo "== 10 biggest directories under $resolved"
ROOT="$resolved" awk 'BEGIN { FS = "\t"; root = ENVIRON["ROOT"] } $2 != root' "$work/du" |
  sort -t "$(printf '\t')" -k1,1nr | head -n 10 | human
ROOT="$resolved" awk 'BEGIN { FS = "\t"; root = ENVIRON["ROOT"] } $2 == root { print $1 "\t(total)" }' \
  "$work/du" | human

unreadable=$(grep -c '' "$work/errors")
if [ "$du_rc" -eq 124 ]; then
  echo "PARTIAL: du was stopped after \${limit}s; only directories it finished are listed."
elif [ "$unreadable" -gt 0 ]; then
  echo "note: $unreadable entries could not be read (permissions, or removed during the scan)."
fi
rm -rf "$work"
exit 0
`;

const TOP_PROCESSES = sh`#!/usr/bin/env bash
# Fleetdesk built-in: Top processes.
# Lists the N processes using the most CPU, then the N using the most memory (resident size).
# Parameters arrive only as environment variables.
# Exit codes: 0 listed, 1 ps failed, 2 invalid parameter.
set -u
export LC_ALL=C

n="\${N:-10}"
case "$n" in
  '' | *[!0-9]*) n_ok=no ;;
  *) n_ok=yes ;;
esac
if [ "$n_ok" != yes ] || [ "\${#n}" -gt 3 ] || [ "$n" -lt 1 ] || [ "$n" -gt 100 ]; then
  printf 'error: N must be a whole number from 1 to 100, not %s\n' "'\${n:0:40}'" >&2
  exit 2
fi

# One snapshot for both tables: pid, user, %cpu, %mem, rss (KiB), command.
snapshot=$(ps -A -o pid= -o user= -o pcpu= -o pmem= -o rss= -o comm=) || {
  echo 'error: ps failed' >&2
  exit 1
}

table() {
  printf '%s\n' "$snapshot" | sort -k"$1","$1"nr -k1,1n | head -n "$n" | awk '
    function human(kb,   units, i) {
      split("K M G T", units, " ")
      i = 1
      while (kb >= 1024 && i < 4) { kb = kb / 1024; i++ }
      return (i == 1) ? sprintf("%d%s", kb, units[i]) : sprintf("%.1f%s", kb, units[i])
    }
    BEGIN { printf "%8s %-12s %6s %6s %8s  %s\n", "PID", "USER", "%CPU", "%MEM", "RSS", "COMMAND" }
    {
      cmd = $6
      for (i = 7; i <= NF; i++) cmd = cmd " " $i
      printf "%8s %-12s %6s %6s %8s  %s\n", $1, substr($2, 1, 12), $3, $4, human($5), cmd
    }
  '
}

echo "== $(uname -n): $(uptime)"
echo
echo "== Top $n processes by CPU"
table 3
echo
echo "== Top $n processes by memory"
table 5
`;

const RESTART_SERVICE = sh`#!/usr/bin/env bash
# Fleetdesk built-in: Restart a service.
# SERVICE is a systemd unit on Linux (e.g. nginx, or nginx.service) or a launchd label in the
# system domain on macOS (e.g. com.openssh.sshd). The name is checked before anything runs.
# Parameters arrive only as environment variables.
# Exit codes: 0 restarted, 1 the service manager refused or failed, 2 invalid SERVICE,
# 3 no supported service manager on this machine.
set -u
export LC_ALL=C

service="\${SERVICE:-}"
# Letters, digits and @ . _ : - only, starting with a letter or digit, at most 128 characters:
# never an option, a path, a glob or anything a shell would expand.
pattern='^[A-Za-z0-9][A-Za-z0-9@._:-]{0,127}$'
if ! [[ $service =~ $pattern ]]; then
  printf 'error: SERVICE must be a service name: letters, digits and @ . _ : - (starting with a letter or digit, at most 128 characters). Refused: %s\n' "'\${service:0:80}'" >&2
  exit 2
fi

case "$(uname -s)" in
  Darwin)
    if ! command -v launchctl >/dev/null 2>&1; then
      echo 'error: launchctl not found; cannot manage services on this Mac' >&2
      exit 3
    fi
    echo "Restarting system/$service with: launchctl kickstart -k system/$service"
    if launchctl kickstart -k "system/$service"; then
      echo "Restarted $service."
      launchctl print "system/$service" 2>/dev/null | grep -E '^[[:space:]]*(state|pid) =' || true
      exit 0
    else
      rc=$?
      echo "error: launchctl kickstart failed (exit $rc): is system/$service a loaded launchd job, and does the agent run as root?" >&2
      exit 1
    fi
    ;;
  *)
    if ! command -v systemctl >/dev/null 2>&1; then
      echo 'error: no supported service manager: systemctl (systemd) was not found on this machine' >&2
      exit 3
    fi
    echo "Restarting $service with: systemctl restart $service"
    if systemctl --no-ask-password restart -- "$service"; then
      state=$(systemctl is-active -- "$service" 2>/dev/null)
      echo "Restarted $service; it is now \${state:-in an unknown state}."
      systemctl --no-pager --lines=5 status -- "$service" 2>/dev/null || true
      exit 0
    else
      rc=$?
      echo "error: systemctl restart $service failed (exit $rc)" >&2
      exit 1
    fi
    ;;
esac
`;

const CLEAR_TEMP = sh`#!/usr/bin/env bash
# Fleetdesk built-in: Clear temp files.
# Deletes regular files under /tmp and /var/tmp that nobody has modified or read for more than
# DAYS days, and reports how many files and bytes went. It never follows a symbolic link
# (find's default), never deletes one, never enters another filesystem mounted below (-xdev),
# keeps directories, sockets and X11/ICE lock files, and leaves systemd's private service
# directories alone. Then, unless PACKAGE_CACHES=false, empties the package manager's cache
# of downloaded packages (apt-get clean, dnf/yum clean packages, zypper clean, pacman -Sc,
# apk cache clean): only packages kept after installing, never its repository metadata or
# what is installed. DRY_RUN=true only lists what would go.
# Parameters arrive only as environment variables.
# Exit codes: 0 done (a warning is printed if some files could not be examined or deleted),
# 1 the package manager failed to clean its cache, 2 invalid parameter.
set -u
set -f
export LC_ALL=C

TMP_ROOTS='/tmp /var/tmp'

days="\${DAYS:-7}"
dry_run="\${DRY_RUN:-false}"
package_caches="\${PACKAGE_CACHES:-true}"

fail() {
  printf 'error: %s\n' "$1" >&2
  exit 2
}
case "$days" in
  '' | *[!0-9]*) fail "DAYS must be a whole number of days, not '\${days:0:40}'" ;;
esac
if [ "\${#days}" -gt 5 ] || [ "$days" -lt 1 ] || [ "$days" -gt 36500 ]; then
  fail 'DAYS must be from 1 to 36500'
fi
case "$dry_run" in
  true | false) ;;
  *) fail "DRY_RUN must be true or false, not '\${dry_run:0:40}'" ;;
esac
case "$package_caches" in
  true | false) ;;
  *) fail "PACKAGE_CACHES must be true or false, not '\${package_caches:0:40}'" ;;
esac

work=$(mktemp -d "\${TMPDIR:-/tmp}/fleetdesk-clear.XXXXXX") || {
  echo 'error: cannot create a temporary directory' >&2
  exit 1
}
trap 'rm -rf "$work"' EXIT

# Sums "find -ls" lines (size is field 7 on GNU and BSD) and shows the first few.
summarise() {
  awk -v shown="$1" '
    $1 ~ /^[0-9]+$/ && $2 ~ /^[0-9]+$/ && $3 ~ /^-/ {
      n++; bytes += $7
      if (n <= shown) print "  " $0
    }
    END {
      if (n > shown) printf "  ... and %d more\n", n - shown
      printf "%d %.0f\n", n, bytes > "/dev/stderr"
    }
  '
}

human_bytes() {
  awk -v b="$1" 'BEGIN {
    split("B KiB MiB GiB TiB", u, " "); i = 1
    while (b >= 1024 && i < 5) { b = b / 1024; i++ }
    printf (i == 1) ? "%d %s" : "%.1f %s", b, u[i]
  }'
}

if [ "$dry_run" = true ]; then verb='Would delete'; else verb='Deleted'; fi
total_files=0
total_bytes=0
warned=no
for root in $TMP_ROOTS; do
  if [ ! -d "$root" ]; then
    echo "$root: not present, skipped"
    continue
  fi
  # Only the directory itself, or its /private twin on macOS: never a root moved elsewhere.
  real=$(cd -P -- "$root" 2>/dev/null && pwd -P) || {
    echo "$root: cannot be entered, skipped"
    continue
  }
  case "$real" in
    "$root" | "/private$root") ;;
    *)
      echo "$root: resolves to $real, outside the temp directories; skipped"
      continue
      ;;
  esac
  # No -prune: -delete implies -depth. Excluded paths are still walked, never matched.
  set -- -xdev -type f -mtime +"$days" -atime +"$days" ! -name '.X*-lock' \
    ! \( -path "$real/systemd-private-*" -o -path "$real/snap-private-tmp/*" \
    -o -path "$real/.X11-unix/*" -o -path "$real/.ICE-unix/*" -o -path "$real/.XIM-unix/*" \
    -o -path "$real/.font-unix/*" -o -path "$real/.Test-unix/*" \)
  if [ "$dry_run" = true ]; then
    find "$real" "$@" -ls >"$work/list"
  else
    find "$real" "$@" -delete -ls >"$work/list"
  fi
  [ $? -eq 0 ] || warned=yes
  summarise 20 <"$work/list" 2>"$work/sum"
  read -r files bytes <"$work/sum"
  echo "$root: $verb $files files, $(human_bytes "$bytes")"
  total_files=$((total_files + files))
  total_bytes=$(awk -v a="$total_bytes" -v b="$bytes" 'BEGIN { printf "%.0f", a + b }')
done

echo "$verb $total_files files not modified or read for more than $days days, freeing $(human_bytes "$total_bytes") ($total_bytes bytes)."
if [ "$warned" = yes ]; then
  echo 'warning: some files could not be examined or deleted (see the errors above).'
fi

[ "$package_caches" = true ] || exit 0

cache_bytes() {
  if [ -d "$1" ]; then
    du -sk -- "$1" 2>/dev/null | awk '{ printf "%.0f", $1 * 1024 } END { if (NR == 0) print 0 }'
  else
    echo 0
  fi
}

# The system's own manager: the first found, in the same order as the updates script.
manager=''
for m in apt-get dnf yum zypper pacman apk; do
  if command -v "$m" >/dev/null 2>&1; then
    manager=$m
    break
  fi
done
case "$manager" in
  apt-get) cache=/var/cache/apt/archives && set -- apt-get clean ;;
  dnf) cache=/var/cache/dnf && set -- dnf -q clean packages ;;
  yum) cache=/var/cache/yum && set -- yum -q clean packages ;;
  zypper) cache=/var/cache/zypp/packages && set -- zypper --non-interactive clean ;;
  pacman) cache=/var/cache/pacman/pkg && set -- pacman -Sc --noconfirm ;;
  apk) cache=/var/cache/apk && set -- apk cache clean ;;
  '')
    if [ "$(uname -s)" = Darwin ]; then
      echo "Package caches: Homebrew's cache is left alone (brew refuses to run as root)."
    else
      echo 'Package caches: no supported package manager (apt-get, dnf, yum, zypper, pacman, apk); nothing to clean.'
    fi
    exit 0
    ;;
esac
if [ "$manager" = apk ] && [ ! -e /etc/apk/cache ]; then
  echo 'Package caches: apk keeps no package cache here (/etc/apk/cache is not set up).'
  exit 0
fi

before=$(cache_bytes "$cache")
if [ "$dry_run" = true ]; then
  echo "Package caches: would run '$*'; $cache holds $(human_bytes "$before")."
  exit 0
fi
"$@" >"$work/pm" 2>&1
rc=$?
if [ "$rc" -ne 0 ]; then
  echo "error: '$*' failed (exit $rc):" >&2
  tail -n 20 "$work/pm" >&2
  exit 1
fi
after=$(cache_bytes "$cache")
freed=$(awk -v a="$before" -v b="$after" 'BEGIN { d = a - b; printf "%.0f", (d > 0 ? d : 0) }')
echo "Package caches: ran '$*'; freed $(human_bytes "$freed") in $cache."
exit 0
`;

const FLUSH_DNS = sh`#!/usr/bin/env bash
# Fleetdesk built-in: Flush DNS cache.
# Flushes whichever local DNS cache this machine runs and says which: systemd-resolved
# (resolvectl, or systemd-resolve on older systems), nscd, or on macOS the directory service
# cache and mDNSResponder. A machine without a local cache has nothing to flush: that is
# explained and counts as success.
# Exit codes: 0 flushed, or nothing to flush; 1 a cache was found but flushing it failed.
set -u
export LC_ALL=C

flushed=''
failed=''

has() { command -v "$1" >/dev/null 2>&1; }

attempt() {
  local label=$1 rc
  shift
  echo "$label: running $*"
  if "$@"; then
    flushed="$flushed, $label"
  else
    rc=$?
    echo "$label: failed (exit $rc)" >&2
    failed="$failed, $label"
  fi
}

resolved_running() {
  [ -S /run/systemd/resolve/io.systemd.Resolve ] && return 0
  has systemctl && systemctl is-active --quiet systemd-resolved 2>/dev/null
}

nscd_running() {
  [ -S /run/nscd/socket ] || [ -S /var/run/nscd/socket ] || { has pgrep && pgrep -x nscd >/dev/null 2>&1; }
}

case "$(uname -s)" in
  Darwin)
    attempt 'macOS directory service cache' dscacheutil -flushcache
    attempt 'mDNSResponder' killall -HUP mDNSResponder
    ;;
  *)
    if resolved_running; then
      if has resolvectl; then
        attempt 'systemd-resolved' resolvectl flush-caches
      elif has systemd-resolve; then
        attempt 'systemd-resolved' systemd-resolve --flush-caches
      else
        echo 'systemd-resolved: running, but neither resolvectl nor systemd-resolve is installed' >&2
        failed="$failed, systemd-resolved"
      fi
    fi
    if nscd_running; then
      if has nscd; then
        attempt 'nscd' nscd -i hosts
      else
        echo 'nscd: running, but the nscd command is not installed' >&2
        failed="$failed, nscd"
      fi
    fi
    ;;
esac

if [ -n "$failed" ]; then
  echo "error: could not flush: \${failed#, }" >&2
  [ -z "$flushed" ] || echo "Flushed: \${flushed#, }"
  exit 1
fi
if [ -n "$flushed" ]; then
  echo "Flushed: \${flushed#, }"
  exit 0
fi
echo 'Nothing to flush: no local DNS cache runs here (no systemd-resolved, no nscd), so lookups already go straight to the servers in /etc/resolv.conf.'
exit 0
`;

export const BUILTIN_SCRIPTS: readonly BuiltinScript[] = [
  {
    name: 'Disk usage report',
    description:
      'Shows every mounted filesystem (df -h) and the 10 biggest directories directly under SCAN_PATH (du, staying on one filesystem, stopped after SCAN_TIMEOUT_SECONDS). Linux and macOS.',
    tags: ['disk', 'linux', 'macos'],
    language: 'bash',
    body: DISK_USAGE,
    parameters: [
      {
        name: 'SCAN_PATH',
        type: 'string',
        required: false,
        secret: false,
        default: '/var',
        description: 'Absolute path of the directory to look into (PATH itself is a reserved name)',
      },
      {
        name: 'SCAN_TIMEOUT_SECONDS',
        type: 'number',
        required: false,
        secret: false,
        default: 120,
        description: 'Stop du after this many seconds (1 to 3600) and show what it finished',
      },
    ],
    defaultTimeoutSeconds: 300,
  },
  {
    name: 'Top processes',
    description:
      'Lists the N processes using the most CPU and the N using the most memory. Linux and macOS.',
    tags: ['processes', 'performance', 'linux', 'macos'],
    language: 'bash',
    body: TOP_PROCESSES,
    parameters: [
      {
        name: 'N',
        type: 'number',
        required: false,
        secret: false,
        default: 10,
        description: 'How many processes to list in each table (1 to 100)',
      },
    ],
    defaultTimeoutSeconds: 60,
  },
  {
    name: 'Restart a service',
    description:
      'Restarts one service: systemctl restart on Linux, launchctl kickstart -k system/<label> on macOS. The name is checked strictly first (exit 2 if invalid).',
    tags: ['services', 'linux', 'macos'],
    language: 'bash',
    body: RESTART_SERVICE,
    parameters: [
      {
        name: 'SERVICE',
        type: 'string',
        required: true,
        secret: false,
        description:
          'systemd unit (e.g. nginx) or launchd label (e.g. com.openssh.sshd): letters, digits and @ . _ : -',
      },
    ],
    defaultTimeoutSeconds: 180,
  },
  {
    name: 'Clear temp files',
    description:
      "Deletes files under /tmp and /var/tmp not modified or read for more than DAYS days, then empties the package manager's cache of downloaded packages (PACKAGE_CACHES), and reports what was freed. Never follows symbolic links or leaves those directories. DRY_RUN lists without deleting.",
    tags: ['disk', 'cleanup', 'linux', 'macos'],
    language: 'bash',
    body: CLEAR_TEMP,
    parameters: [
      {
        name: 'DAYS',
        type: 'number',
        required: false,
        secret: false,
        default: 7,
        description: 'Only files untouched for more than this many days (1 to 36500)',
      },
      {
        name: 'DRY_RUN',
        type: 'boolean',
        required: false,
        secret: false,
        default: false,
        description: 'List what would be deleted, delete nothing',
      },
      {
        name: 'PACKAGE_CACHES',
        type: 'boolean',
        required: false,
        secret: false,
        default: true,
        description:
          "Also empty the package manager's cache of downloaded packages (apt-get, dnf, yum, zypper, pacman, apk)",
      },
    ],
    defaultTimeoutSeconds: 900,
  },
  {
    name: 'Flush DNS cache',
    description:
      'Flushes the local DNS cache: systemd-resolved (resolvectl or systemd-resolve), nscd, or dscacheutil and mDNSResponder on macOS, and says which ran. Succeeds with an explanation when there is no local cache.',
    tags: ['network', 'dns', 'linux', 'macos'],
    language: 'bash',
    body: FLUSH_DNS,
    parameters: [],
    defaultTimeoutSeconds: 60,
  },
  ...MAINTENANCE_SCRIPTS,
];
