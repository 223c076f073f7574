#!/usr/bin/env bash
# Runs every benchmark in bench/ (import and list first, then any other bench_*.py) with the
# project's virtual environment when there is one. Arguments go to bench_import.py and
# bench_list.py (e.g. --no-postgres); EVENTSYS_BENCH_SKIP="bench_x.py ..." leaves scripts out.
# Exits non-zero if any benchmark failed.
set -u
cd "$(dirname "$0")/.."
if [ -x .venv/bin/python ]; then
    PYTHON=.venv/bin/python
else
    PYTHON=python3
fi
echo "== machine"
echo "CPUs: $(nproc); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "memory: $(free -h | awk '/^Mem:/ {print $2}')"
echo "$("$PYTHON" --version 2>&1) ($PYTHON)"
psql --version 2>/dev/null || true
echo "load average: $(cut -d" " -f1-3 /proc/loadavg)"
status=0
skipped() {
    case " ${EVENTSYS_BENCH_SKIP:-} " in
        *" $(basename "$1") "*) return 0 ;;
    esac
    return 1
}
for script in bench/bench_import.py bench/bench_list.py; do
    skipped "$script" && continue
    echo
    echo "== $script"
    "$PYTHON" "$script" "$@" || status=1
done
for script in bench/bench_*.py; do
    case "$script" in
        bench/bench_import.py | bench/bench_list.py) continue ;;
    esac
    skipped "$script" && continue
    echo
    echo "== $script"
    "$PYTHON" "$script" || status=1
done
exit $status
