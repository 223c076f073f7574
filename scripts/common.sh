# shellcheck shell=bash
# Shared set-up for scripts/run.sh and scripts/test.sh (sourced, not executed).
#
#   source scripts/common.sh
#   eventsys_setup          # run: system packages + .venv with `pip install -e .`
#   eventsys_setup test     # tests: + chromium, postgresql-client, `pip install -e '.[test]'`
#
# Expects to be sourced from the repository root (both scripts cd there first).
# Debian packages are installed only when missing and only when running as root; otherwise
# the script says what to install with sudo and carries on.

EVENTSYS_ROOT="${EVENTSYS_ROOT:-$(pwd)}"
EVENTSYS_VENV="$EVENTSYS_ROOT/.venv"

eventsys_say() { printf '==> %s\n' "$*" >&2; }
eventsys_warn() { printf 'eventsys: warning: %s\n' "$*" >&2; }

# Prints the first Python >= 3.11 found on PATH (pyenv shims that are not active fail the
# version check and are skipped).
eventsys_find_python() {
    local candidate
    for candidate in python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
                >/dev/null 2>&1; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

# True when a Debian package is installed. For a few packages, the command they provide is
# accepted as well (e.g. postgresql-client-15 without the postgresql-client meta-package).
_eventsys_have_pkg() {
    local pkg="$1"
    dpkg -s "$pkg" >/dev/null 2>&1 && return 0
    case "$pkg" in
        chromium) [ -x /usr/bin/chromium ] ;;
        postgresql-client) command -v psql >/dev/null 2>&1 && command -v pg_isready >/dev/null 2>&1 ;;
        *) return 1 ;;
    esac
}

# eventsys_system_packages [test]
eventsys_system_packages() {
    local extras="${1:-}"
    if ! command -v dpkg >/dev/null 2>&1; then
        # Not Debian: nothing to check here; WeasyPrint's documentation lists what it needs.
        return 0
    fi
    local wanted=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk)
    if [ "$extras" = test ]; then
        # libreoffice-calc-nogui: a test opens the CSV export as a spreadsheet program does.
        wanted+=(chromium postgresql-client libreoffice-calc-nogui)
        # The document tests read PDFs back: pdftotext/pdftoppm, and zbarimg for QR codes.
        wanted+=(poppler-utils zbar-tools)
    fi
    local python
    if python="$(eventsys_find_python)"; then
        # Debian's own python3 needs python3-venv (ensurepip) for `python3 -m venv`.
        if [ ! -x "$EVENTSYS_VENV/bin/python" ] && ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
            wanted+=(python3-venv)
        fi
    else
        wanted+=(python3 python3-venv)
    fi

    local missing=() pkg
    for pkg in "${wanted[@]}"; do
        _eventsys_have_pkg "$pkg" || missing+=("$pkg")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0

    if [ "$(id -u)" -eq 0 ]; then
        eventsys_say "installing Debian packages: ${missing[*]}"
        if ! apt-get update -qq >&2; then
            eventsys_warn "apt-get update failed; trying to install anyway"
        fi
        if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2; then
            eventsys_warn "could not install: ${missing[*]} (continuing)"
        fi
    else
        eventsys_warn "missing Debian packages: ${missing[*]}"
        printf 'eventsys:          install them with: sudo apt-get install %s\n' "${missing[*]}" >&2
    fi
}

# eventsys_venv [test] — creates .venv if needed and installs the package (editable) when
# pyproject.toml changed since the last install.
eventsys_venv() {
    local extras="${1:-}"
    local tag="${extras:-base}"
    local spec="."
    [ -n "$extras" ] && spec=".[$extras]"

    if [ -e "$EVENTSYS_VENV" ] && ! "$EVENTSYS_VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
        eventsys_warn "$EVENTSYS_VENV is broken (its Python is gone?); recreating it"
        rm -rf "$EVENTSYS_VENV"
    fi
    if [ ! -e "$EVENTSYS_VENV/bin/python" ]; then
        local python
        if ! python="$(eventsys_find_python)"; then
            echo "eventsys: Python >= 3.11 is required (tried python3.12, python3.11, python3)" >&2
            return 1
        fi
        eventsys_say "creating virtual environment .venv with $("$python" --version 2>&1)"
        "$python" -m venv "$EVENTSYS_VENV" || { rm -rf "$EVENTSYS_VENV"; return 1; }
        "$EVENTSYS_VENV/bin/python" -m pip install -q --upgrade pip >&2 || return 1
    fi

    local sha
    sha="$(sha256sum "$EVENTSYS_ROOT/pyproject.toml" | cut -d' ' -f1)" || return 1
    local stamp="$EVENTSYS_VENV/.installed-$sha-$tag"
    # A test install includes everything the plain one does.
    if [ -e "$stamp" ] || { [ "$tag" = base ] && [ -e "$EVENTSYS_VENV/.installed-$sha-test" ]; }; then
        return 0
    fi
    eventsys_say "installing Python packages (pip install -e '$spec')"
    (cd "$EVENTSYS_ROOT" && "$EVENTSYS_VENV/bin/python" -m pip install -q -e "$spec") >&2 || {
        echo "eventsys: pip install -e '$spec' failed" >&2
        return 1
    }
    rm -f "$EVENTSYS_VENV"/.installed-*-"$tag"
    : >"$stamp"
}

# eventsys_setup [test] — system packages, then the virtual environment. Holds a lock so
# that two runs started at once do not build the same .venv together.
eventsys_setup() {
    local extras="${1:-}"
    eventsys_system_packages "$extras"
    local lock rc=0
    lock="${TMPDIR:-/tmp}/eventsys-venv-$(printf '%s' "$EVENTSYS_ROOT" | sha256sum | cut -c1-16).lock"
    if command -v flock >/dev/null 2>&1 && exec {_eventsys_lock_fd}>"$lock"; then
        flock "$_eventsys_lock_fd"
        eventsys_venv "$extras" || rc=$?
        exec {_eventsys_lock_fd}>&-
    else
        eventsys_venv "$extras" || rc=$?
    fi
    return "$rc"
}
