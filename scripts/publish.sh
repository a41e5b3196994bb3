#!/usr/bin/env bash
# Publishes the service as one self-contained linux-x64 executable, `keepalive`, that runs without a .NET
# install. The output folder gets `keepalive` and its appsettings.json (log levels), nothing else.
#   scripts/publish.sh [output folder]        default: artifacts/keepalive in the repository
# How it is built, and why it is trimmed only partly: src/KeepAlive.Host/Properties/PublishProfiles/linux-x64.pubxml.
set -euo pipefail
out="$(realpath -m "${1:-$(dirname "$0")/../artifacts/keepalive}")"
cd "$(dirname "$0")/.."

dotnet publish src/KeepAlive.Host -p:PublishProfile=linux-x64 -o "$out" --nologo
echo "published $out/keepalive"
