#!/usr/bin/env bash
# Runs the whole test suite beside one busy loop per CPU, as on a shared CI
# machine: tests must wait for states, not for wall-clock time, and hold when
# every core is taken. Usage: bash test/setup/busy-suite.sh [vitest args...]
# (default: the whole suite). Exits with vitest's status.
set -uo pipefail
cd "$(dirname "$0")/../.."
cpus=$(node -p 'require("node:os").availableParallelism()')
pids=()
for _ in $(seq 1 "$cpus"); do
  node -e 'for (;;) {}' &
  pids+=($!)
done
trap 'kill "${pids[@]}" 2>/dev/null' EXIT
echo "busy-suite: $cpus busy loop(s) running beside the suite"
npm run build >/dev/null && node node_modules/vitest/vitest.mjs run "$@"
