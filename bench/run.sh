#!/usr/bin/env bash
# Runs every benchmark (bench/<area>/run.sh). Each prints ratios against a baseline measured in the same run,
# because machines are noisy: absolute times are only context. Usage: bench/run.sh [area...]
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
areas=("$@")
[ ${#areas[@]} -eq 0 ] && areas=($(cd "$here" && ls -d */ | tr -d /))
status=0
for area in "${areas[@]}"; do
  [ -x "$here/$area/run.sh" ] || continue
  echo "== bench: $area"
  "$here/$area/run.sh" || status=1
done
exit $status
