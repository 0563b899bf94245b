#!/usr/bin/env bash
# API p99 of list/show with 10,000 stored runs against the /healthz round trip, and the dashboard's first paint with
# 10,000 runs (chromium, measured by the browser) against a static page's, in the same run. Usage: bench/server/run.sh [runs]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dotnet run -c Release --project "$here/Dativo.Bench.Server.csproj" -- "$@"
