#!/usr/bin/env bash
# Lake: (a) 10 M narrow rows appended to a local Iceberg table vs DuckDB COPY … TO parquet of the same rows (ratio);
# (b) p50/p95 latency of 1-file append commits. Usage: bench/lake/run.sh [rows] [commits]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dotnet run -c Release --project "$here/Dativo.Bench.Lake.csproj" -- "$@"
