#!/usr/bin/env bash
# 10,000-item no-op fan-out on the SQLite store vs a bare Parallel.ForEachAsync measured in the same run.
# Usage: bench/orchestrator/run.sh [items] [concurrency]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dotnet run -c Release --project "$here/Dativo.Bench.Orchestrator.csproj" -- "$@"
