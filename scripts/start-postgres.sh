#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the PostgresStore tests and bench: initdb into a
# temporary folder (owned by the `postgres` user when run as root), trust authentication,
# listening on 127.0.0.1 only (port 54329, or the next free one), and a database
# `federa_test`. Progress goes to stderr; the only line on stdout is the URL:
#
#   export FEDERA_PG_URL="$(scripts/start-postgres.sh)"
#   npm test -- store
#
# Stop it with the command it prints on stderr (pg_ctl ... stop), or leave it: it lives in
# a temporary folder. Needs the PostgreSQL server binaries (Debian: apt-get install postgresql).
set -euo pipefail

bin="${PG_BIN:-}"
if [ -z "$bin" ]; then
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  [ -n "$bin" ] || bin="$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")"
fi
if [ ! -x "$bin/initdb" ] || [ ! -x "$bin/pg_ctl" ]; then
  echo "start-postgres: no PostgreSQL server binaries (initdb, pg_ctl) found; install the postgresql package or set PG_BIN" >&2
  exit 1
fi

# The first free port from 54329 (a listening one answers on /dev/tcp).
port=54329
while (: </dev/tcp/127.0.0.1/$port) 2>/dev/null; do
  port=$((port + 1))
  if [ $port -gt 54399 ]; then
    echo "start-postgres: no free port in 54329-54399" >&2
    exit 1
  fi
done

# FEDERA_PG_DIR: the folder to use (created; must be empty), e.g. so a caller can stop the
# server later (kill -INT "$(head -n 1 "$FEDERA_PG_DIR/data/postmaster.pid")").
if [ -n "${FEDERA_PG_DIR:-}" ]; then
  dir="$FEDERA_PG_DIR"
  mkdir -p "$dir"
  if [ -n "$(ls -A "$dir")" ]; then
    echo "start-postgres: FEDERA_PG_DIR $dir is not empty" >&2
    exit 1
  fi
else
  dir="$(mktemp -d "${TMPDIR:-/tmp}/federa-pg.XXXXXX")"
fi
as=()
if [ "$(id -u)" = 0 ]; then
  # initdb and postgres refuse to run as root.
  chown postgres: "$dir"
  as=(runuser -u postgres --)
fi

"${as[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log" >&2; exit 1; }
"${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200" start >/dev/null ||
  { cat "$dir/server.log" >&2; exit 1; }
"${as[@]}" "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1 \
  -c 'CREATE DATABASE federa_test' >/dev/null

echo "start-postgres: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, data in $dir/data" >&2
echo "start-postgres: stop with: ${as[*]} $bin/pg_ctl -D $dir/data stop -m fast" >&2
echo "postgres://postgres@127.0.0.1:$port/federa_test"
