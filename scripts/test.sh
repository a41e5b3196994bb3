#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need, then builds and tests.
# The tests start (and stop) their own redis-server processes, fake model servers and headless chromium on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
apt_updated=""
install_with_apt() {
  echo "$1 is missing: installing it with apt"
  if [ -z "$apt_updated" ]; then $SUDO apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
command -v redis-server >/dev/null 2>&1 || install_with_apt redis-server
# The status page specs drive Debian's chromium through Playwright; Playwright never downloads a browser here.
[ -x /usr/bin/chromium ] || install_with_apt chromium fonts-liberation
# The tests run their own servers; a packaged one started by apt is not needed.
if command -v systemctl >/dev/null 2>&1; then systemctl stop redis-server >/dev/null 2>&1 || true; fi

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

status=0
dotnet test KeepAlive.Actors.sln -c Release \
  --logger "console;verbosity=normal" --logger "trx;LogFileName=results.trx" --results-directory "$results" \
  --blame-hang-timeout 10m || status=$?

counters=$(grep -ho '<Counters [^>]*>' "$results"/*.trx 2>/dev/null | head -1 || true)
passed=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
failed=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
echo
echo "${passed:-0} passed, ${failed:-0} failed"
exit $status
