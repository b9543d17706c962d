#!/usr/bin/env bash
# Peyvand's whole test suite, as CI runs it (`.ci/run` calls this script).
#
# Installs what a fresh Debian machine lacks (Chromium + chromedriver for the browser tests,
# PostgreSQL server and client tools), starts PostgreSQL when nothing answers on
# 127.0.0.1:5432, then runs `cargo test --workspace --locked` once. Nothing is skipped: when a
# required service cannot be provided, this script fails and says why.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
PG_HOST=127.0.0.1
PG_PORT=5432

section() { printf '\n==== %s ====\n' "$*"; }
die() {
    printf 'test.sh: %s\n' "$*" >&2
    exit 1
}

# Run a command as root (directly, or through sudo when available).
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -E "$@"
    else
        die "need root (or sudo) to run: $*"
    fi
}

# Run a command as the postgres system user.
as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then
        su postgres -s /bin/sh -c "$*"
    else
        sudo -u postgres sh -c "$*"
    fi
}

APT_UPDATED=0
apt_install() {
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $* by hand"
    if [ "$APT_UPDATED" -eq 0 ]; then
        as_root apt-get update
        APT_UPDATED=1
    fi
    as_root apt-get install -y --no-install-recommends "$@"
}

# A PostgreSQL client tool on PATH or in Debian's versioned folder.
find_pg_tool() {
    if command -v "$1" >/dev/null 2>&1; then
        command -v "$1"
        return 0
    fi
    local candidate
    for candidate in $(ls -d /usr/lib/postgresql/*/bin/"$1" 2>/dev/null | sort -V -r); do
        echo "$candidate"
        return 0
    done
    return 1
}

pg_answers() {
    local isready
    if isready=$(find_pg_tool pg_isready); then
        "$isready" -q -h "$PG_HOST" -p "$PG_PORT" >/dev/null 2>&1
    else
        (exec 3<>"/dev/tcp/$PG_HOST/$PG_PORT") >/dev/null 2>&1
    fi
}

# Can we run a query with this URL (never prompting for a password)?
pg_url_works() {
    local psql
    psql=$(find_pg_tool psql) || return 1
    PGCONNECT_TIMEOUT=5 "$psql" -w -X -q -At "$1" -c 'SELECT 1' >/dev/null 2>&1
}

start_clusters() {
    local version
    for version in $(ls /etc/postgresql 2>/dev/null); do
        if [ -d "/etc/postgresql/$version/main" ]; then
            echo "starting PostgreSQL cluster $version/main"
            as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
        fi
    done
}

section "Rust toolchain"
command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust (https://rustup.rs)"
cargo --version

section "Chromium and chromedriver (browser tests)"
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    echo "installing chromium and chromium-driver"
    apt_install chromium chromium-driver
fi
command -v chromium >/dev/null 2>&1 || die "chromium is still missing after installing it"
command -v chromedriver >/dev/null 2>&1 || die "chromedriver is still missing after installing it"
chromium --version || true
chromedriver --version || true

section "PostgreSQL on $PG_HOST:$PG_PORT"
if ! pg_answers; then
    echo "nothing answers on $PG_HOST:$PG_PORT"
    if [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
        echo "no PostgreSQL cluster exists: installing postgresql"
        apt_install postgresql
    fi
    start_clusters
    for _ in $(seq 1 30); do
        pg_answers && break
        sleep 1
    done
fi
pg_answers || die "PostgreSQL does not answer on $PG_HOST:$PG_PORT after 30 s; start it, or check /var/log/postgresql/"
echo "PostgreSQL answers"

# The tests need psql (here), pg_dump and pg_restore (backup tests).
if ! find_pg_tool psql >/dev/null || ! find_pg_tool pg_dump >/dev/null || ! find_pg_tool pg_restore >/dev/null; then
    echo "installing the PostgreSQL client tools"
    apt_install postgresql-client
fi
find_pg_tool pg_dump >/dev/null || die "pg_dump is missing after installing postgresql-client"
find_pg_tool pg_restore >/dev/null || die "pg_restore is missing after installing postgresql-client"

if [ -n "${PEYVAND_TEST_PG_URL:-}" ]; then
    pg_url_works "$PEYVAND_TEST_PG_URL" ||
        die "PEYVAND_TEST_PG_URL is set but no query runs with it; fix the URL or unset it"
    echo "using PEYVAND_TEST_PG_URL from the environment"
elif pg_url_works "postgres://postgres@$PG_HOST:$PG_PORT/postgres"; then
    export PEYVAND_TEST_PG_URL="postgres://postgres@$PG_HOST:$PG_PORT/postgres"
    echo "connecting as postgres without a password (trust)"
else
    # A fresh Debian cluster asks for a password over TCP (scram-sha-256): give the postgres
    # role one, through the local socket where the postgres system user is trusted (peer).
    echo "TCP login needs a password: setting one for the postgres role"
    as_postgres "psql -X -q -c \"ALTER ROLE postgres PASSWORD 'postgres'\"" ||
        die "cannot set a password for the postgres role"
    export PEYVAND_TEST_PG_URL="postgres://postgres:postgres@$PG_HOST:$PG_PORT/postgres"
    pg_url_works "$PEYVAND_TEST_PG_URL" ||
        die "cannot log in to PostgreSQL as postgres over TCP, even with a password; check pg_hba.conf"
fi

section "Environment"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/peyvand-target}"
CHROMEDRIVER="$(command -v chromedriver)"
CHROMIUM="$(command -v chromium)"
export CHROMEDRIVER CHROMIUM
echo "CARGO_TARGET_DIR=$CARGO_TARGET_DIR"
echo "CHROMEDRIVER=$CHROMEDRIVER"
echo "CHROMIUM=$CHROMIUM"
echo "PEYVAND_TEST_PG_URL=$(printf '%s' "$PEYVAND_TEST_PG_URL" | sed -E 's#(://[^:/@]+):[^@]*@#\1:***@#')"

section "cargo test --workspace --locked"
cd "$(dirname "$0")/.."
cargo test --workspace --locked

section "all tests passed"
