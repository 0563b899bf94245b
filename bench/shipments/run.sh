#!/usr/bin/env bash
# Shipments benchmark: generator rows/s vs DuckDB range()+random, and the five analytics via Dativo's engine vs
# plain DuckDB on the same Parquet files. Options: --rows N (default 10000000), --days N, --repeat N, --dir PATH, --only gen|parquet|csv|lake.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
exec dotnet run -c Release --project "$root/bench/shipments/Dativo.Bench.Shipments.csproj" -- "$@"
