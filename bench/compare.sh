#!/usr/bin/env bash
# Before and after in one run (docs/BENCHMARKS.md): builds the host of <base-commit> in a throwaway git worktree
# outside this repository, and this tree's host and bench, then runs the host-driven scenarios (burst, recovery,
# memory, failover) against both builds, taking turns, and prints one table with a column per build.
# Extra flags go to the bench, e.g. small sizes while developing: bench/compare.sh 5356d3e --pairs 5000 --runs 1
set -euo pipefail
base="${1:?usage: bench/compare.sh <base-commit> [bench flags: --pairs N --runs N --concurrency N --batch N --scenarios a,b]}"
shift
repo="$(cd "$(dirname "$0")/.." && pwd)"
base_label="$(git -C "$repo" rev-parse --short "$base^{commit}")"
this_label="$(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD -- src && echo "" || echo "+changes")"

scratch="$(mktemp -d "${TMPDIR:-/tmp}/keepalive-compare-XXXXXX")"
cleanup() {
  git -C "$repo" worktree remove --force "$scratch/base" >/dev/null 2>&1 || true
  git -C "$repo" worktree prune
  rm -rf "$scratch"
}
trap cleanup EXIT

git -C "$repo" worktree add --detach --quiet "$scratch/base" "$base_label"
echo "building the host of $base_label in $scratch/base"
dotnet build -c Release --nologo --verbosity quiet -clp:ErrorsOnly "$scratch/base/src/KeepAlive.Host/KeepAlive.Host.csproj"
echo "building this tree's host and bench ($this_label)"
dotnet build -c Release --nologo --verbosity quiet -clp:ErrorsOnly "$repo/src/KeepAlive.Host/KeepAlive.Host.csproj"
dotnet build -c Release --nologo --verbosity quiet -clp:ErrorsOnly "$repo/bench/KeepAlive.Bench/KeepAlive.Bench.csproj"

host=src/KeepAlive.Host/bin/Release/net10.0/KeepAlive.Host
"$repo/bench/KeepAlive.Bench/bin/Release/net10.0/KeepAlive.Bench" compare \
  --build "before ($base_label)=$scratch/base/$host" --build "after ($this_label)=$repo/$host" "$@"
