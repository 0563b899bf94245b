#!/usr/bin/env bash
# Fault suite: SIGKILLs at random moments (and at named commit points) of `dativo run`, `table compact`,
# `table expire` and `pipeline run`, each followed by invariant checks. Usage: bench/faults/run.sh [kills per kind] [seed]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/../../dativo" --version >/dev/null   # publish the CLI first, so no kill lands in a build
dotnet run -c Release --project "$here/Dativo.Bench.Faults.csproj" -- "$here/../../dativo" "$@"
