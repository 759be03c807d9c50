#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: no system service, nothing
# outside one temporary directory.
#
#   pg_env=$(bash scripts/ci_postgres.sh start) && eval "$pg_env"
#       initdb + pg_ctl start on 127.0.0.1 (port $KB_PG_PORT, else a free one);
#       prints `export` lines for KB_TEST_POSTGRES_URL and KB_TEST_POSTGRES_DIR.
#   bash scripts/ci_postgres.sh stop [DIR]
#       stops the cluster in DIR (default $KB_TEST_POSTGRES_DIR) and removes DIR.
#
# PostgreSQL refuses to run as root, and CI runs as root: there the cluster
# belongs to the `postgres` user (created by Debian's package) and every
# server command runs through `su postgres`. Run as anyone else, the cluster
# belongs to that user. Progress goes to stderr; stdout carries only the
# `export` lines, so that the caller can eval them.
set -euo pipefail

log() { echo "ci_postgres: $*" >&2; }

bindir() {
  # The newest installed server; Debian keeps its programs out of PATH.
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then
    echo "$dir"
  elif command -v initdb >/dev/null; then
    dirname "$(command -v initdb)"
  else
    log "no PostgreSQL server found (apt-get install -y postgresql)"
    return 1
  fi
}

# Run a command (one string, already quoted) as the cluster's owner.
as_owner() {
  if [ "$(id -u)" = "0" ]; then
    su postgres -s /bin/sh -c "$1"
  else
    sh -c "$1"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  local bin port base
  bin=$(bindir)
  port=${KB_PG_PORT:-$(free_port)}
  base=$(mktemp -d "${TMPDIR:-/tmp}/kb-pg.XXXXXX")
  # mktemp makes the directory 0700 for its creator; the server's owner needs it.
  if [ "$(id -u)" = "0" ]; then chown postgres: "$base"; fi
  log "initdb in $base/data ($bin)"
  # -A trust: only loopback and the private socket directory can reach this
  # cluster, and it lives for one test run; the superuser is `kb`.
  as_owner "'$bin/initdb' -D '$base/data' -A trust -U kb -E UTF8 --locale=C.UTF-8 >'$base/initdb.log' 2>&1" || {
    cat "$base/initdb.log" >&2
    return 1
  }
  # Durability is worthless for a throwaway cluster; without fsync each
  # CREATE DATABASE (one per test) is quick.
  local opts="-c listen_addresses=127.0.0.1 -p $port -k $base -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  as_owner "'$bin/pg_ctl' -D '$base/data' -l '$base/server.log' -w -t 60 -o '$opts' start >&2" || {
    cat "$base/server.log" >&2
    return 1
  }
  local tries=0
  until "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -U kb -d postgres; do
    tries=$((tries + 1))
    if [ "$tries" -ge 60 ]; then
      log "server did not become ready on port $port"
      cat "$base/server.log" >&2
      return 1
    fi
    sleep 0.5
  done
  log "ready on 127.0.0.1:$port"
  echo "export KB_TEST_POSTGRES_URL=postgresql://kb@127.0.0.1:$port/postgres"
  echo "export KB_TEST_POSTGRES_DIR=$base"
}

stop() {
  local base=${1:-${KB_TEST_POSTGRES_DIR:-}}
  if [ -z "$base" ] || [ ! -d "$base" ]; then
    log "no cluster directory to stop"
    return 0
  fi
  local bin
  bin=$(bindir)
  if [ -f "$base/data/postmaster.pid" ]; then
    as_owner "'$bin/pg_ctl' -D '$base/data' -m fast -w stop >&2" || log "pg_ctl stop failed"
  fi
  rm -rf "$base"
  log "stopped and removed $base"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *)
    echo "usage: $0 start | stop [DIR]" >&2
    exit 2
    ;;
esac
