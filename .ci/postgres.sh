#!/usr/bin/env bash
# Start a throwaway PostgreSQL for the test suite on a private port, and print the URL the tests use.
# Usage: source .ci/postgres.sh   (exports ACCORD_TEST_POSTGRES_URL; `stop_postgres` stops it)
set -euo pipefail

PG_PORT="${PG_PORT:-55432}"
PG_ROOT="$(mktemp -d /tmp/accord-pg.XXXXXX)"

if ! command -v pg_ctl >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
PG_BIN="$(dirname "$(ls /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -n 1 || command -v pg_ctl)")"
id postgres >/dev/null 2>&1 || useradd --system --create-home postgres

# initdb refuses to run as root: the cluster belongs to the postgres user.
chown postgres "$PG_ROOT"
su postgres -c "$PG_BIN/initdb -D $PG_ROOT/data -A trust -U postgres --no-sync" >/dev/null
su postgres -c "$PG_BIN/pg_ctl -D $PG_ROOT/data -o '-p $PG_PORT -k $PG_ROOT -c fsync=off -c max_connections=200' -l $PG_ROOT/log -w start" >/dev/null
su postgres -c "$PG_BIN/createdb -h 127.0.0.1 -p $PG_PORT accord_test"

export ACCORD_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/accord_test"
export ACCORD_REQUIRE_POSTGRES=1
# Restarts this cluster the quick way (open connections are cut), for the chaos test that restarts it mid-load.
export ACCORD_TEST_POSTGRES_RESTART="su postgres -c '$PG_BIN/pg_ctl -D $PG_ROOT/data -m fast -w restart' >/dev/null"

stop_postgres() {
    su postgres -c "$PG_BIN/pg_ctl -D $PG_ROOT/data -m fast -w stop" >/dev/null || true
    rm -rf "$PG_ROOT"
}
