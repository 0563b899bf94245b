#!/usr/bin/env bash
# Runs every test: builds once, installs the test services' npm packages when missing, runs each
# test project, and ends with one line "N passed, N failed" (summed over all projects).
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
filter=()
[ -n "${TEST_FILTER:-}" ] && filter=(--filter "$TEST_FILTER")
for proj in tests/*/*.Tests.csproj; do
  name="$(basename "$proj" .csproj)"
  echo "== $name"
  dotnet test "$proj" --no-build --nologo -v q "${filter[@]}" \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" || status=1
done

python3 - "$results" <<'PY'
import sys, glob, xml.etree.ElementTree as ET
passed = failed = skipped = 0
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for f in glob.glob(sys.argv[1] + "/*.trx"):
    c = ET.parse(f).getroot().find("t:ResultSummary/t:Counters", ns)
    if c is None: continue
    passed += int(c.get("passed", 0)); failed += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0))
    skipped += int(c.get("notExecuted", 0))
print(f"skipped: {skipped}")
print(f"{passed} passed, {failed} failed")
PY
exit $status
