# Shared by setup/run, setup/test and setup/stop: the Odoo source, the virtualenv,
# the database server (embedded cluster or one the user points at) and Odoo's config.
# shellcheck shell=bash
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOCAL="$ROOT/.local"          # everything generated; git-ignored
VENV="$ROOT/.venv"
ADDONS=(crm_lifecycle_tiering crm_satisfaction crm_churn_warning)
ADDONS_CSV=$(IFS=,; echo "${ADDONS[*]}")
PG_OS_USER=${CRM_PG_OS_USER:-crmpg}  # unprivileged OS user that runs the cluster when we are root
mkdir -p "$LOCAL/logs"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# --- command-line options shared by run and test -------------------------------------------
# --db-host/--db-port/--db-user/--db-password point at an existing PostgreSQL server, like
# PGHOST/PGPORT/PGUSER/PGPASSWORD; without any of them the embedded cluster is used.
REST_ARGS=()
parse_db_options() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --db-host) PGHOST=$2; export PGHOST; shift 2 ;;
      --db-port) PGPORT=$2; export PGPORT; shift 2 ;;
      --db-user) PGUSER=$2; export PGUSER; shift 2 ;;
      --db-password) PGPASSWORD=$2; export PGPASSWORD; shift 2 ;;
      *) REST_ARGS+=("$1"); shift ;;
    esac
  done
}

# --- Odoo source ----------------------------------------------------------------------------
odoo_version_of() { sed -n 's/^version_info = (\([0-9]*\), \([0-9]*\),.*/\1.\2/p' "$1/odoo/release.py" 2>/dev/null; }

find_odoo_src() {
  local cache="${XDG_CACHE_HOME:-$HOME/.cache}/odoo-src/19.0" candidate
  if [ -n "${ODOO_SRC:-}" ]; then
    candidate=$ODOO_SRC
    [ "$(odoo_version_of "$candidate")" = 19.0 ] || die "ODOO_SRC=$candidate does not hold Odoo 19.0 (odoo/release.py)."
  elif [ "$(odoo_version_of "$cache")" = 19.0 ]; then
    candidate=$cache
  else
    say "No Odoo 19.0 source found; cloning it into $cache"
    rm -rf "$cache.clone"
    if mkdir -p "$(dirname "$cache")" && git clone -q --depth 1 --branch 19.0 https://github.com/odoo/odoo.git "$cache.clone" 2>"$LOCAL/logs/odoo-clone.log" \
      && [ "$(odoo_version_of "$cache.clone")" = 19.0 ]; then
      rm -rf "$cache" && mv "$cache.clone" "$cache"
      candidate=$cache
    else
      rm -rf "$cache.clone"
      die "Odoo 19.0 Community source is needed and none was found. Either
  1. set ODOO_SRC to an Odoo 19.0 checkout (the folder holding odoo-bin), or
  2. put one at $cache, or
  3. give this machine access to github.com so that setup/ can clone the 19.0 branch there
     (the clone failed: see $LOCAL/logs/odoo-clone.log)."
    fi
  fi
  [ -x "$candidate/odoo-bin" ] && [ -d "$candidate/addons/survey" ] || die "$candidate is not a complete Odoo 19.0 tree (odoo-bin, addons/)."
  ODOO_SRC=$candidate
  export ODOO_SRC
}

# --- Python virtualenv ------------------------------------------------------------------------
find_python() {
  local py v
  for py in ${PYTHON:-} python3.11 python3.12 python3.10 python3.13 python3; do
    command -v "$py" >/dev/null 2>&1 || continue
    v=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || continue
    case "$v" in 3.10|3.11|3.12|3.13) echo "$py"; return 0 ;; esac
  done
  die "Python 3.10 to 3.13 is needed (set PYTHON=/path/to/python3.x)."
}

ensure_venv() {
  local py stamp want
  py=$(find_python)
  want="$(sha256sum "$ROOT/setup/requirements.txt" | cut -c1-16) $("$py" -c 'import sys; print(sys.version.split()[0])')"
  stamp="$VENV/.crm-requirements"
  if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "Installing the Python environment in .venv (from setup/requirements.txt)"
    [ -x "$VENV/bin/python" ] || "$py" -m venv "$VENV" || die "could not create a virtualenv with $py (install its venv module, e.g. apt-get install python3-venv)."
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade "pip>=24" >"$LOCAL/logs/pip.log" 2>&1 \
      || die "pip upgrade failed: see $LOCAL/logs/pip.log"
    "$VENV/bin/python" -m pip install --disable-pip-version-check --only-binary=:all: --no-binary=docopt,ofxparse,vobject \
      -r "$ROOT/setup/requirements.txt" >>"$LOCAL/logs/pip.log" 2>&1 \
      || die "installing setup/requirements.txt failed: see $LOCAL/logs/pip.log"
    echo "$want" >"$stamp"
  fi
  # Odoo itself is not installed into the venv: a .pth file puts the source on sys.path.
  local site
  site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  [ "$(cat "$site/odoo-src.pth" 2>/dev/null)" = "$ODOO_SRC" ] || echo "$ODOO_SRC" >"$site/odoo-src.pth"
  PY="$VENV/bin/python"
}

# --- PostgreSQL ---------------------------------------------------------------------------------
external_db() { [ -n "${PGHOST:-}${PGPORT:-}${PGUSER:-}${PGPASSWORD:-}" ]; }

find_pg_bin() {
  local d
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"; return 0
  fi
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -V -r); do
    [ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  die "No PostgreSQL server binaries (initdb, pg_ctl) found on PATH or in /usr/lib/postgresql/*/bin.
  Install them (Debian/Ubuntu: apt-get install postgresql; Fedora: dnf install postgresql-server),
  or point at a running server with PGHOST/PGPORT/PGUSER/PGPASSWORD or --db-host/--db-port/--db-user/--db-password."
}

# Runs a command as the cluster's owner: ourselves, or the unprivileged user when we are root.
as_pg() {
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u "$PG_OS_USER" -- "$@"); else "$@"; fi
}

pg_port_free() {
  "${PY:-python3}" -c 'import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null
}

# Sets PG_DIR (cluster folder), PG_DATA, PG_SOCKDIR, PG_PORT; the folder lives in .local/pg unless
# the unprivileged user cannot reach the project, in which case it lives under /var/tmp.
embedded_paths() {
  PG_DIR="$LOCAL/${PG_CLUSTER:-pg}"
  if [ "$(id -u)" = 0 ]; then
    id -u "$PG_OS_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_OS_USER" \
      || die "could not create the OS user $PG_OS_USER that runs the embedded PostgreSQL (postgres refuses to run as root)."
    if [ ! -L "$PG_DIR" ] && ! runuser -u "$PG_OS_USER" -- test -x "$LOCAL"; then
      # e.g. the project sits below /root (mode 700): keep the cluster where that user can reach it
      local alt
      alt="/var/tmp/crm-addons-pg-$(echo "$ROOT" | sha256sum | cut -c1-12)"
      mkdir -p "$alt" && rm -rf "$PG_DIR" && ln -s "$alt" "$PG_DIR"
    fi
    mkdir -p "$PG_DIR/" && chown "$PG_OS_USER" "$(readlink -f "$PG_DIR")"
  else
    mkdir -p "$PG_DIR"
  fi
  PG_DIR=$(readlink -f "$PG_DIR")  # the cluster's user may not traverse a symlink's folder
  PG_DATA="$PG_DIR/data"
  PG_SOCKDIR="$PG_DIR/run"
  # a unix socket path is limited to ~107 bytes
  [ ${#PG_SOCKDIR} -lt 90 ] || PG_SOCKDIR="/tmp/crm-pg-$(echo "$ROOT" | sha256sum | cut -c1-12)"
}

pg_running() { [ -f "$PG_DATA/postmaster.pid" ] && as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; }

# Starts the embedded cluster when needed. Sets PG_STARTED=1 when this call started it.
start_db() {
  PG_STARTED=0
  if external_db; then
    DB_HOST=${PGHOST:-localhost}; DB_PORT=${PGPORT:-5432}; DB_USER=${PGUSER:-$(id -un)}; DB_PASSWORD=${PGPASSWORD:-}
    export DB_HOST DB_PORT DB_USER DB_PASSWORD
    say "Using the PostgreSQL server at $DB_HOST:$DB_PORT as $DB_USER"
    return 0
  fi
  PG_BIN=$(find_pg_bin)
  embedded_paths
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    say "Creating the embedded PostgreSQL cluster in $PG_DIR ($("$PG_BIN/postgres" --version))"
    as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U odoo -E UTF8 --locale=C --auth=trust >"$LOCAL/logs/initdb.log" 2>&1 \
      || die "initdb failed: see $LOCAL/logs/initdb.log"
  fi
  if pg_running; then
    PG_PORT=$(cat "$PG_DIR/port")
  else
    PG_PORT=$(cat "$PG_DIR/port" 2>/dev/null || echo 54329)
    while ! pg_port_free "$PG_PORT"; do PG_PORT=$((PG_PORT + 1)); done
    echo "$PG_PORT" >"$PG_DIR/port.tmp" && mv "$PG_DIR/port.tmp" "$PG_DIR/port"
    mkdir -p "$PG_SOCKDIR" && { [ "$(id -u)" != 0 ] || chown "$PG_OS_USER" "$PG_SOCKDIR"; }
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DIR/server.log" -w -t 60 \
      -o "-p $PG_PORT -h 127.0.0.1 -k $PG_SOCKDIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null \
      || die "PostgreSQL did not start: see $PG_DIR/server.log"
    PG_STARTED=1
    say "Embedded PostgreSQL listening on 127.0.0.1:$PG_PORT and $PG_SOCKDIR"
  fi
  DB_HOST=127.0.0.1; DB_PORT=$PG_PORT; DB_USER=odoo; DB_PASSWORD=
  export DB_HOST DB_PORT DB_USER DB_PASSWORD
}

stop_db() {
  external_db && return 0
  PG_BIN=$(find_pg_bin)
  embedded_paths
  if pg_running; then
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null && say "Embedded PostgreSQL stopped"
  fi
}

# --- Odoo ------------------------------------------------------------------------------------
# write_odoo_conf FILE DBNAME LOGFILE [HTTP_PORT]
write_odoo_conf() {
  cat >"$1" <<CONF
[options]
addons_path = $ODOO_SRC/odoo/addons,$ODOO_SRC/addons,$ROOT
data_dir = $LOCAL/data
db_host = $DB_HOST
db_port = $DB_PORT
db_user = $DB_USER
${DB_PASSWORD:+db_password = $DB_PASSWORD}
db_name = $2
dbfilter = ^$2\$
logfile = ${3:-}
http_port = ${4:-8069}
http_interface = 127.0.0.1
list_db = False
without_demo = False
max_cron_threads = 1
CONF
}

db_sql() {  # db_sql DBNAME SQL -> first column of the first row, or nothing
  PGPASSWORD=${DB_PASSWORD:-} "$PY" - "$@" <<'PYEOF'
import os, sys
import psycopg2
from psycopg2 import sql
dbname, query = sys.argv[1], sys.argv[2]
try:
    conn = psycopg2.connect(dbname=dbname, host=os.environ["DB_HOST"], port=os.environ["DB_PORT"],
                            user=os.environ["DB_USER"], password=os.environ.get("PGPASSWORD") or None)
except psycopg2.OperationalError:
    sys.exit(0)
conn.autocommit = True
with conn.cursor() as cr:
    cr.execute(query)
    row = cr.fetchone() if cr.description else None
    if row:
        print(row[0])
PYEOF
}

drop_db() {  # drop_db NAME: drops the database and its filestore
  db_sql postgres "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)"
  rm -rf "$LOCAL/data/filestore/$1"
}

ensure_chromium() {
  local b
  for b in google-chrome chromium chromium-browser google-chrome-stable; do
    command -v "$b" >/dev/null 2>&1 && return 0
  done
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "Installing Chromium for the browser tours (apt-get install chromium)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >"$LOCAL/logs/apt-chromium.log" 2>&1 \
      || die "apt-get install chromium failed: see $LOCAL/logs/apt-chromium.log"
    command -v chromium >/dev/null 2>&1 && return 0
  fi
  die "Chromium (or Google Chrome) is needed for the browser tours and was not found.
  Install it (Debian/Ubuntu: sudo apt-get install chromium) and run the tests again:
  Odoo would otherwise skip every tour silently."
}

# --- a chosen date and hour (libfaketime) -------------------------------------------------------
find_libfaketime() {
  local f
  for f in /usr/lib/*/faketime/libfaketimeMT.so.1 /usr/lib/faketime/libfaketimeMT.so.1 /usr/local/lib/faketime/libfaketimeMT.so.1; do
    [ -f "$f" ] && { echo "$f"; return 0; }
  done
  return 1
}

ensure_faketime() {
  find_libfaketime >/dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "Installing libfaketime for --date (apt-get install faketime)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime; } >"$LOCAL/logs/apt-faketime.log" 2>&1 \
      || die "apt-get install faketime failed: see $LOCAL/logs/apt-faketime.log"
    find_libfaketime >/dev/null && return 0
  fi
  die "--date needs libfaketime (Debian/Ubuntu: sudo apt-get install faketime)."
}

# fake_clock WHEN: every process started from now on (PostgreSQL, Odoo, Chromium, the tests) sees
# WHEN ('YYYY-MM-DD', noon UTC, or 'YYYY-MM-DD HH:MM' in UTC) as the present, its clock running on
# from there. One offset for all, so that every process agrees on the time.
fake_clock() {
  local when=$1 target offset
  [[ "$when" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}([T\ ][0-9]{2}:[0-9]{2}(:[0-9]{2})?)?$ ]] \
    || die "--date takes YYYY-MM-DD or 'YYYY-MM-DD HH:MM' (UTC), not '$when'"
  [[ "$when" == *[T\ ]* ]] || when="$when 12:00"
  target=$(date -u -d "${when/T/ } UTC" +%s 2>/dev/null) || die "--date: no such date '$when'"
  [ "$(date -u -d "@$target" +%Y-%m-%d)" = "${when:0:10}" ] || die "--date: no such date '${when:0:10}'"
  ensure_faketime
  offset=$((target - $(date -u +%s)))
  FAKETIME=$(printf '%+d' "$offset")
  # the monotonic clock shifted too: libfaketime 0.9.10 makes Python's time.sleep fail with
  # EINVAL when only the wall clock is shifted
  FAKETIME_DONT_FAKE_MONOTONIC=0
  LD_PRELOAD="$(find_libfaketime)${LD_PRELOAD:+ $LD_PRELOAD}"
  export FAKETIME FAKETIME_DONT_FAKE_MONOTONIC LD_PRELOAD
  # a cluster of its own, started here under the fake clock, leaves the usual one untouched
  PG_CLUSTER=pg-faketime
  export PG_CLUSTER
  if ! external_db; then
    PG_BIN=$(find_pg_bin)
    embedded_paths
    if pg_running; then as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null; fi
  fi
  say "Clock set to $(date -u '+%Y-%m-%d %H:%M %Z') (libfaketime, offset ${FAKETIME} s)"
}
