#!/bin/sh
# Fleetdesk agent installer for Linux and macOS. The server serves it at /install.sh with the
# values below filled in (its address, the agent version, the SHA-256 of each executable and
# its own key's fingerprint), so the script trusts only what that server published:
#
#   curl -fsSL https://rmm.example.com/install.sh | sudo sh -s -- --token fde_… --server-key-sha256 …
#
# It downloads the agent for this machine, checks its SHA-256, enrolls with the token while
# pinning the server's key, installs the executable and starts the service (systemd or
# launchd). Run again on an enrolled machine it changes nothing unless --force.
# POSIX sh: runs under dash, bash, busybox ash and macOS sh.
set -u

FLEETDESK_SERVER='@@SERVER_URL@@'
FLEETDESK_VERSION='@@VERSION@@'
FLEETDESK_SERVER_KEY_SHA256='@@SERVER_KEY_SHA256@@'
SHA256_LINUX_X64='@@SHA256_linux-x64@@'
SHA256_LINUX_ARM64='@@SHA256_linux-arm64@@'
SHA256_DARWIN_X64='@@SHA256_darwin-x64@@'

# Exit codes, one per kind of failure, so a deployment tool can tell them apart.
E_FAIL=1
E_USAGE=2
E_NOT_ROOT=3
E_UNREACHABLE=4
E_TOKEN=5
E_HASH=6
E_SERVER_KEY=7
E_PLATFORM=8

usage() {
  cat <<EOF
Usage: install.sh --token TOKEN [options]

  --token TOKEN             enrollment token from the console (fde_…)
  --server-key-sha256 HEX   the server key fingerprint the console shows (default: the one
                            this server put in the script)
  --prefix DIR              install under DIR (DIR/bin/fleetdesk-agent, state in DIR/state)
                            instead of /usr/local/bin and /var/lib/fleetdesk-agent
  --no-service              do not install or start the service (start the agent yourself:
                            fleetdesk-agent run --state-dir …)
  --force                   reinstall and enroll again as a new device
  --uninstall               stop and remove the service, the executable and the state
  --insecure                allow an http:// server that is not this machine
  --help                    this text
EOF
}

fail() {
  code=$1
  shift
  printf 'fleetdesk install: %s\n' "$*" >&2
  exit "$code"
}

say() {
  printf 'fleetdesk install: %s\n' "$*"
}

TOKEN=''
KEY=''
PREFIX=''
NO_SERVICE=0
FORCE=0
UNINSTALL=0
INSECURE=''
while [ $# -gt 0 ]; do
  case $1 in
    --token) [ $# -ge 2 ] || fail $E_USAGE '--token needs a value.'; TOKEN=$2; shift 2 ;;
    --token=*) TOKEN=${1#*=}; shift ;;
    --server-key-sha256) [ $# -ge 2 ] || fail $E_USAGE '--server-key-sha256 needs a value.'; KEY=$2; shift 2 ;;
    --server-key-sha256=*) KEY=${1#*=}; shift ;;
    --prefix) [ $# -ge 2 ] || fail $E_USAGE '--prefix needs a folder.'; PREFIX=$2; shift 2 ;;
    --prefix=*) PREFIX=${1#*=}; shift ;;
    --no-service) NO_SERVICE=1; shift ;;
    --force) FORCE=1; shift ;;
    --uninstall) UNINSTALL=1; shift ;;
    --insecure) INSECURE='--insecure'; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; fail $E_USAGE "unknown option '$1'." ;;
  esac
done

case $(uname -s) in
  Linux) OS=linux ;;
  Darwin) OS=darwin ;;
  *) fail $E_PLATFORM "this script installs on Linux and macOS; $(uname -s) is neither (on Windows, use install.ps1)." ;;
esac

if [ -n "$PREFIX" ]; then
  case $PREFIX in /*) ;; *) PREFIX=$(pwd)/$PREFIX ;; esac
  BIN=$PREFIX/bin/fleetdesk-agent
  STATE=$PREFIX/state
elif [ "$OS" = darwin ]; then
  BIN=/usr/local/bin/fleetdesk-agent
  STATE='/Library/Application Support/Fleetdesk/agent'
else
  BIN=/usr/local/bin/fleetdesk-agent
  STATE=/var/lib/fleetdesk-agent
fi

# Root is needed for the service and for the default folders; a writable --prefix with
# --no-service is enough otherwise.
if [ "$(id -u)" -ne 0 ]; then
  if [ -z "$PREFIX" ] || [ "$NO_SERVICE" -eq 0 ]; then
    fail $E_NOT_ROOT 'must run as root: use sudo (or --prefix DIR with --no-service to install for this user only).'
  fi
  { mkdir -p "$PREFIX" 2>/dev/null && [ -w "$PREFIX" ]; } ||
    fail $E_NOT_ROOT "cannot write to $PREFIX; run as root or choose another --prefix."
fi

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d ' ' -f 1
  elif command -v openssl >/dev/null 2>&1; then
    openssl dgst -sha256 -r "$1" | cut -d ' ' -f 1
  else
    fail $E_FAIL 'no sha256sum, shasum or openssl here to check the download with.'
  fi
}

if [ "$UNINSTALL" -eq 1 ]; then
  if [ "$NO_SERVICE" -eq 0 ]; then
    if [ -x "$BIN" ]; then
      "$BIN" uninstall-service || fail $E_FAIL 'could not remove the service; see the message above.'
    elif [ "$OS" = linux ] && [ -f /etc/systemd/system/fleetdesk-agent.service ]; then
      systemctl disable --now fleetdesk-agent >/dev/null 2>&1 || true
      rm -f /etc/systemd/system/fleetdesk-agent.service
      systemctl daemon-reload >/dev/null 2>&1 || true
    elif [ "$OS" = darwin ] && [ -f /Library/LaunchDaemons/com.fleetdesk.agent.plist ]; then
      launchctl bootout system/com.fleetdesk.agent >/dev/null 2>&1 || true
      rm -f /Library/LaunchDaemons/com.fleetdesk.agent.plist
    fi
  fi
  rm -f "$BIN"
  rm -rf "$STATE"
  say "removed the agent ($BIN) and its state ($STATE). The device stays listed in the console until a technician removes it."
  exit 0
fi

# Which executable: macOS on Apple silicon runs the x64 build under Rosetta 2.
case $(uname -m) in
  x86_64 | amd64) ARCH=x64 ;;
  aarch64 | arm64)
    if [ "$OS" = darwin ]; then
      ARCH=x64
      arch -x86_64 /usr/bin/true 2>/dev/null ||
        fail $E_PLATFORM 'this Mac needs Rosetta 2 for the agent: run softwareupdate --install-rosetta --agree-to-license, then this again.'
    else
      ARCH=arm64
    fi
    ;;
  *) fail $E_PLATFORM "there is no agent for $(uname -m) processors (only x86-64 and ARM64)." ;;
esac
PLATFORM=$OS-$ARCH
case $PLATFORM in
  linux-x64) EXPECTED=$SHA256_LINUX_X64 ;;
  linux-arm64) EXPECTED=$SHA256_LINUX_ARM64 ;;
  darwin-x64) EXPECTED=$SHA256_DARWIN_X64 ;;
  *) EXPECTED='' ;;
esac
[ -n "$EXPECTED" ] ||
  fail $E_PLATFORM "the server at $FLEETDESK_SERVER offers no agent for $PLATFORM; build it there with npm run build:agent."

# Checked before anything is fetched or enrolled: a fingerprint other than this server's
# means the wrong server (or someone in between), and the token must not go to it.
if [ -z "$KEY" ]; then
  KEY=$FLEETDESK_SERVER_KEY_SHA256
fi
KEY=$(printf '%s' "$KEY" | tr -d ' :' | tr 'ABCDEF' 'abcdef')
case $KEY in
  *[!0-9a-f]*) fail $E_USAGE '--server-key-sha256 must be the 64 hex digits the console shows.' ;;
esac
[ ${#KEY} -eq 64 ] || fail $E_USAGE '--server-key-sha256 must be the 64 hex digits the console shows.'
[ "$KEY" = "$FLEETDESK_SERVER_KEY_SHA256" ] ||
  fail $E_SERVER_KEY "the server at $FLEETDESK_SERVER has key fingerprint $FLEETDESK_SERVER_KEY_SHA256, not $KEY; nothing was installed or enrolled (wrong server, or someone in between)."

# Idempotent: an enrolled machine with its agent in place is left alone.
if [ "$FORCE" -eq 0 ] && [ -f "$STATE/state.json" ] && [ -x "$BIN" ]; then
  say "already installed and enrolled (state in $STATE); nothing changed. Pass --force to reinstall and enroll again as a new device."
  exit 0
fi

[ -n "$TOKEN" ] ||
  fail $E_USAGE 'no enrollment token: pass --token fde_… (create one in the console under Enroll devices).'

WORK=$(mktemp -d 2>/dev/null || mktemp -d -t fleetdesk) || fail $E_FAIL 'cannot create a temporary folder.'
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
DOWNLOAD=$WORK/fleetdesk-agent
URL=$FLEETDESK_SERVER/api/agent/downloads/$PLATFORM

command -v curl >/dev/null 2>&1 || command -v wget >/dev/null 2>&1 ||
  fail $E_FAIL 'neither curl nor wget is installed; install one of them and run this again.'

# Sets STATUS to the HTTP status of the download (000 when the server was not reached); the
# body goes to $DOWNLOAD either way, so a refusal's message can be shown.
fetch() {
  if command -v curl >/dev/null 2>&1; then
    STATUS=$(curl -sS -L -o "$DOWNLOAD" -w '%{http_code}' -H "X-Enrollment-Token: $TOKEN" \
      "$URL" 2>"$WORK/err") || STATUS=000
  else
    wget -q -S --content-on-error -O "$DOWNLOAD" --header "X-Enrollment-Token: $TOKEN" "$URL" \
      2>"$WORK/err"
    STATUS=$(sed -n 's/^ *HTTP\/[0-9.]* \([0-9][0-9][0-9]\).*/\1/p' "$WORK/err" | tail -n 1)
  fi
  [ -n "$STATUS" ] || STATUS=000
}

# The server's own sentence from an error body ({"message": "…"}).
server_message() {
  sed -n 's/.*"message":"\([^"]*\)".*/\1/p' "$DOWNLOAD" 2>/dev/null | head -n 1
}

say "downloading the agent $FLEETDESK_VERSION for $PLATFORM from $FLEETDESK_SERVER"
fetch
case $STATUS in
  200) ;;
  000) fail $E_UNREACHABLE "cannot reach the server at $FLEETDESK_SERVER ($(tr '\n' ' ' <"$WORK/err" | cut -c 1-200))." ;;
  401 | 403) fail $E_TOKEN "the server refused the enrollment token: $(server_message)" ;;
  429) fail $E_FAIL 'the server is rate-limiting downloads from this address; try again in a minute.' ;;
  *) fail $E_FAIL "the server answered $STATUS to the download: $(server_message)" ;;
esac

ACTUAL=$(sha256_of "$DOWNLOAD")
[ "$ACTUAL" = "$EXPECTED" ] ||
  fail $E_HASH "the downloaded agent's SHA-256 is $ACTUAL, not the $EXPECTED the server published; nothing was installed or enrolled."
chmod 0755 "$DOWNLOAD"

# Enrolled from the checked download before it is installed: a refused enrollment leaves
# nothing behind. The agent checks the server key again on the key it is actually given.
FORCE_ARG=''
[ "$FORCE" -eq 1 ] && FORCE_ARG='--force'
# shellcheck disable=SC2086 # the optional flags are single words or empty
"$DOWNLOAD" enroll --server "$FLEETDESK_SERVER" --token "$TOKEN" --server-key-sha256 "$KEY" \
  --state-dir "$STATE" $FORCE_ARG $INSECURE ||
  fail $E_TOKEN 'enrollment failed; the reason is above. Nothing was installed.'

mkdir -p "$(dirname "$BIN")" || fail $E_FAIL "cannot create $(dirname "$BIN")."
{ cp "$DOWNLOAD" "$BIN.new" && chmod 0755 "$BIN.new" && mv -f "$BIN.new" "$BIN"; } ||
  fail $E_FAIL "cannot install the agent at $BIN."

if [ "$NO_SERVICE" -eq 1 ]; then
  say "installed $BIN and enrolled; start it with: $BIN run --state-dir '$STATE'"
  exit 0
fi
"$BIN" install-service --state-dir "$STATE" ||
  fail $E_FAIL "the agent is installed and enrolled, but the service did not start; see above, or run: $BIN run --state-dir '$STATE'"
say "the Fleetdesk agent $FLEETDESK_VERSION is installed, enrolled and running."
