#!/usr/bin/env bash
# The README's second command: sets up and runs the tests (lint included).
#
#   bash scripts/test.sh                 # everything
#   bash scripts/test.sh -k signing      # any pytest arguments
#   bash scripts/test.sh -m "not browser"
#
# When PostgreSQL answers on 127.0.0.1:5432 and EVENTSYS_TEST_DATABASE_URL is not set, a
# throw-away database eventsys_test_<random> is created for this run and dropped at exit.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
EVENTSYS_ROOT="$(pwd)"
# shellcheck source=scripts/common.sh
source scripts/common.sh

eventsys_setup test

if [ ! -x /usr/bin/chromium ]; then
    eventsys_warn "/usr/bin/chromium is missing; the browser tests will fail (apt-get install chromium)"
fi

# --- PostgreSQL -----------------------------------------------------------------------------
pg_host=127.0.0.1
pg_port=5432
test_db=""

pg_answers() {
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -h "$pg_host" -p "$pg_port" -t 3
    else
        .venv/bin/python - "$pg_host" "$pg_port" <<'PY' >/dev/null 2>&1
import sys

import psycopg

psycopg.connect(host=sys.argv[1], port=int(sys.argv[2]), user="postgres", dbname="test",
                connect_timeout=3).close()
PY
    fi
}

# pg_admin "SQL" — runs one statement outside a transaction, as postgres on database test.
pg_admin() {
    if command -v psql >/dev/null 2>&1; then
        PGCONNECT_TIMEOUT=5 psql -X -q -v ON_ERROR_STOP=1 -h "$pg_host" -p "$pg_port" \
            -U postgres -d test -c "$1" >/dev/null
    else
        .venv/bin/python - "$pg_host" "$pg_port" "$1" <<'PY'
import sys

import psycopg

with psycopg.connect(host=sys.argv[1], port=int(sys.argv[2]), user="postgres", dbname="test",
                     connect_timeout=5, autocommit=True) as conn:
    conn.execute(sys.argv[3])
PY
    fi
}

drop_test_db() {
    if [ -n "$test_db" ]; then
        pg_admin "DROP DATABASE IF EXISTS $test_db WITH (FORCE)" ||
            eventsys_warn "could not drop database $test_db"
        test_db=""
    fi
}

if [ -n "${EVENTSYS_TEST_DATABASE_URL:-}" ]; then
    eventsys_say "testing also against EVENTSYS_TEST_DATABASE_URL (as given)"
elif pg_answers; then
    name="eventsys_test_$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(6))')"
    trap drop_test_db EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    if pg_admin "CREATE DATABASE $name"; then
        test_db="$name"
        export EVENTSYS_TEST_DATABASE_URL="postgresql+psycopg://postgres@$pg_host:$pg_port/$test_db"
        eventsys_say "testing also against PostgreSQL (database $test_db, dropped at exit)"
    else
        eventsys_warn "PostgreSQL answers on $pg_host:$pg_port but CREATE DATABASE failed; only SQLite will be tested"
    fi
else
    eventsys_warn "PostgreSQL does not answer on $pg_host:$pg_port; only SQLite will be tested"
fi

# --- pytest (tests/test_lint.py runs ruff check and ruff format --check) -----------------------
eventsys_say "pytest $*"
rc=0
.venv/bin/python -m pytest "$@" || rc=$?
exit "$rc"
