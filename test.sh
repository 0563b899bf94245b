#!/usr/bin/env bash
# Runs every test: builds once, installs the test services' npm packages when missing, runs each
# test project, and ends with one line "N passed, N failed" (summed over all projects; the line before
# counts skipped tests, each listed with its reason above it).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
results="$root/.build/test-results"
rm -rf "$results"; mkdir -p "$results"

# npm packages of test servers and tools (S3/AWS emulators, independent readers)
for pkg in tests/*/package.json; do
  [ -f "$pkg" ] || continue
  dir="$(dirname "$pkg")"
  if [ ! -d "$dir/node_modules" ]; then
    if command -v npm >/dev/null 2>&1; then
      echo "== npm install in $dir"
      (cd "$dir" && npm install --no-audit --no-fund --loglevel=error) || echo "npm install failed in $dir: tests that need it will be skipped"
    else
      echo "npm not found: tests that need $dir will be skipped"
    fi
  fi
done

echo "== building"
dotnet build Dativo.slnx -c Debug --nologo -v q -clp:ErrorsOnly || { echo "0 passed, 1 failed"; exit 1; }
./dativo --version >/dev/null || { echo "0 passed, 1 failed"; exit 1; }

status=0
projects=()
filter=()
[ -n "${TEST_FILTER:-}" ] && filter=(--filter "$TEST_FILTER")
for proj in tests/*/*.Tests.csproj; do
  name="$(basename "$proj" .csproj)"
  projects+=("$name")
  echo "== $name"
  dotnet test "$proj" --no-build --nologo -v q "${filter[@]}" \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" || status=1
done

# skipped tests listed, then "skipped: N", then the last line "N passed, N failed"
python3 tests/trx-summary.py "$results" "${projects[@]}"
exit $status
