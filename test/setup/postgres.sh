#!/usr/bin/env bash
# Starts PostgreSQL on 127.0.0.1:5432 for the runInHub test, installing it
# from Debian's packages when it is missing, and sets the password the test
# uses. Never fails the run: where the server cannot be had, it says why and
# the test is skipped with that reason.
set -u
say() { echo "postgres setup: $*"; }
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then say "not installed and not root: skipping"; exit 0; fi
  say "installing postgresql"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) || { say "install failed"; exit 0; }
fi
version=$(pg_lsclusters -h 2>/dev/null | awk 'NR==1 {print $1}')
if [ -z "$version" ]; then
  version=$(ls /usr/lib/postgresql | sort -n | tail -1)
  pg_createcluster "$version" main >/dev/null 2>&1 || { say "cannot create a cluster"; exit 0; }
fi
pg_ctlcluster "$version" main start 2>/dev/null || true
for _ in $(seq 1 30); do
  su postgres -c "psql -qAt -c 'select 1'" >/dev/null 2>&1 && break
  sleep 1
done
su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'greenthread'\"" >/dev/null 2>&1 || { say "server did not come up"; exit 0; }
say "running on 127.0.0.1:5432"
