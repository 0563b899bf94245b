#!/usr/bin/env bash
# Streaming: ingest-to-delivered throughput and p99 ack latency of PutRecordBatch (1 KiB JSON records, dynamic
# partitioning on one key over 100 partitions, GZIP, write-ahead log on) vs a loopback HTTP echo of the same requests.
# Usage: bench/streaming/run.sh [records] [concurrency]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dotnet run -c Release --project "$here/Dativo.Bench.Streaming.csproj" -- "$@"
