#!/usr/bin/env bash
# CSV → Iceberg through the CLI vs DuckDB CSV → Parquet, measured side by side. ROWS=1000000 for a quick run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dotnet run --project "$root/bench/ingestion/IngestionBench.csproj" -c Release -- "$root"
