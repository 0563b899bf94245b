#!/usr/bin/env bash
# Lake: (a) 10 M narrow rows appended to a local Iceberg table vs DuckDB COPY … TO parquet of the same rows (ratio);
# (b) p50/p95 latency of 1-file append commits; (c) wall/CPU of the Parquet writer on 10-column rows.
# Usage: bench/lake/run.sh [rows] [commits] [wide rows] (0 skips a part)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dotnet run -c Release --project "$here/Dativo.Bench.Lake.csproj" -- "$@"
