#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need, then builds and tests.
# The tests start (and stop) their own redis-server processes and fake model servers on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null 2>&1; then
  echo "redis-server is missing: installing it with apt"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
fi
# The tests run their own servers; a packaged one started by apt is not needed.
if command -v systemctl >/dev/null 2>&1; then systemctl stop redis-server >/dev/null 2>&1 || true; fi

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

status=0
# The console shows build errors and warnings, each failed test with its own output (a test's nodes and hosts
# log there), and the summary; passing tests and every actor's log line stay out.
dotnet test KeepAlive.Actors.sln -c Release --verbosity quiet --nologo \
  --logger "console;verbosity=minimal" --logger "trx;LogFileName=results.trx" --results-directory "$results" \
  --blame-hang-timeout 10m || status=$?

counters=$(grep -ho '<Counters [^>]*>' "$results"/*.trx 2>/dev/null | head -1 || true)
passed=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
failed=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
echo
echo "${passed:-0} passed, ${failed:-0} failed"
exit $status
