#!/usr/bin/env bash
# Three figures, each measured side by side in one run (bench/ingestion/README.md):
#   (a) CSV → Iceberg through the CLI vs DuckDB CSV → Parquet            ROWS=1000000 for a quick run (default 10 M)
#   (b) PostgreSQL table → Iceberg through the CLI vs psql \copy to /dev/null   PG_ROWS (default 10 M)
#   (c) peak RSS of `dativo run` at MEM_ROWS CSV rows (default 1000000,10000000)
# PARTS=csv,pg,mem picks figures; RUNS (default 3) is the best-of count; WORK=dir keeps the work folder.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dotnet run --project "$root/bench/ingestion/IngestionBench.csproj" -c Release -- "$root"
