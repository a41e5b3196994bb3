#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need, then builds and tests.
# The tests start (and stop) their own redis-server processes, fake model servers and headless chromium on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

# Installs Debian packages for the commands that are missing: apt_install_for <command> <package>.
apt_install_for() {
  command -v "$1" >/dev/null 2>&1 && return
  echo "$1 is missing: installing $2 with apt"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$2" >/dev/null
}
apt_install_for redis-server redis-server
# The status page specs drive Debian's chromium through Playwright, which never downloads a browser here.
apt_install_for chromium chromium
# The Python client's tests (clients/python) need nothing but the standard library.
apt_install_for python3 python3
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

# The Python client against the host the dotnet run just built (src/KeepAlive.Host/bin/Release).
echo
echo "Python client tests (clients/python):"
python_status=0
(cd clients/python && python3 -m unittest discover -s tests -t . -v) 2>&1 | tee "$results/python.log" || python_status=$?
ran=$(sed -n 's/^Ran \([0-9]*\) tests\{0,1\} in .*/\1/p' "$results/python.log" | tail -1)
verdict=$(grep -E '^(OK|FAILED)' "$results/python.log" | tail -1 || true)
# unittest's verdict: "OK" or "FAILED", with "(failures=1, errors=2, skipped=3)" as they apply.
count() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" <<<"$verdict"; }
failures=$(count '(failures'); errors=$(count '[( ]errors'); skipped=$(count '[( ]skipped')
python_failed=$(( ${failures:-0} + ${errors:-0} ))
python_skipped=${skipped:-0}
# No verdict: the run broke before unittest could count (an import error, a crash).
if [ -z "$ran" ] || [ -z "$verdict" ]; then ran=${ran:-0}; python_failed=$(( python_failed > 0 ? python_failed : 1 )); fi
python_passed=$(( ran - python_failed - python_skipped ))
if [ "$python_status" -ne 0 ] && [ "$status" -eq 0 ]; then status=$python_status; fi
echo "Python client: $python_passed passed, $python_failed failed, $python_skipped skipped"

echo
echo "$(( ${passed:-0} + python_passed )) passed, $(( ${failed:-0} + python_failed )) failed"
exit $status
