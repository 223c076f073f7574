#!/usr/bin/env bash
# The README's first command: sets up and runs eventsys with the demo conference on
# http://127.0.0.1:5000 (embedded SQLite unless EVENTSYS_DATABASE_URL says otherwise).
#
#   bash scripts/run.sh            # PORT=8080 bash scripts/run.sh for another port
#
# Idempotent: a second run reuses .venv, the secret key and the database.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
EVENTSYS_ROOT="$(pwd)"
# shellcheck source=scripts/common.sh
source scripts/common.sh

eventsys_setup

# A secret key generated once per checkout, kept in instance/ (not in git).
if [ -z "${EVENTSYS_SECRET_KEY:-}" ]; then
    mkdir -p instance
    if [ ! -s instance/secret_key ]; then
        eventsys_say "generating instance/secret_key"
        (umask 077 && .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(48))' \
            >instance/secret_key)
    fi
    chmod 600 instance/secret_key
    EVENTSYS_SECRET_KEY="$(cat instance/secret_key)"
    export EVENTSYS_SECRET_KEY
fi

eventsys_say "creating or migrating the database (flask db upgrade)"
.venv/bin/flask --app app db upgrade
eventsys_say "loading the demo conference (flask seed-demo)"
.venv/bin/flask --app app seed-demo

port="${PORT:-5000}"
# Links in e-mails come only from configuration, never from a request's Host header.
export EVENTSYS_BASE_URL="${EVENTSYS_BASE_URL:-http://127.0.0.1:$port}"
# The background worker (e-mail delivery, large exports) runs beside the web server; Ctrl-C
# stops both (the worker finishes the job it is running first).
eventsys_say "starting the background worker (flask worker)"
.venv/bin/flask --app app worker &
worker_pid=$!
stop_worker() {
    if kill -0 "$worker_pid" 2>/dev/null; then
        kill -INT "$worker_pid" 2>/dev/null || true
        wait "$worker_pid" 2>/dev/null || true
    fi
}
trap stop_worker EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
eventsys_say "starting eventsys on http://127.0.0.1:$port (Ctrl-C stops it)"
.venv/bin/flask --app app run --host 127.0.0.1 --port "$port"
