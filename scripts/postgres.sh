#!/usr/bin/env bash
# Starts or stops a throw-away PostgreSQL 15 server on loopback for the tests (docs/CONFIGURATION.md, "Testing").
#   scripts/postgres.sh start [PORT]  installs Debian's postgresql-15 if needed, runs initdb in a new temporary
#                                     directory as the postgres user, starts the server on 127.0.0.1:PORT (55432)
#                                     and prints KURA_TEST_POSTGRES=<connection string of a superuser>
#   scripts/postgres.sh stop          stops the server started last and deletes its directory
#   scripts/postgres.sh restart       restarts it in place (the data survives): used by the connection-loss test
#   scripts/postgres.sh createdb NAME creates database NAME on it and prints its Npgsql connection string
set -euo pipefail
BIN=/usr/lib/postgresql/15/bin
STATE=${KURA_PG_STATE:-/tmp/kura-postgres.dir}
cmd=${1:-start}

case "$cmd" in
start)
    port=${2:-55432}
    if [ ! -x "$BIN/initdb" ]; then
        mkdir -p /etc/postgresql-common/createcluster.d
        echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/no-main.conf
        export DEBIAN_FRONTEND=noninteractive
        apt-get -o DPkg::Lock::Timeout=600 update -q >&2
        apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends postgresql-15 >&2
    fi
    if [ -f "$STATE" ] && [ -d "$(cat "$STATE")" ]; then
        "$0" stop >&2 || true
    fi
    dir=$(mktemp -d /tmp/kura-pg.XXXXXX)
    chown postgres:postgres "$dir"; chmod 700 "$dir"
    runuser -u postgres -- sh -c "umask 077; echo kura-test-pw > $dir/.pw"
    runuser -u postgres -- "$BIN/initdb" -D "$dir/data" -U postgres --pwfile="$dir/.pw" \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log"
    echo "$dir" > "$STATE"
    echo "$port" > "$dir/port"
    runuser -u postgres -- "$BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >&2
    echo "KURA_TEST_POSTGRES=Host=127.0.0.1;Port=$port;Username=postgres;Password=kura-test-pw;Database=postgres"
    ;;
restart)
    dir=$(cat "$STATE")
    runuser -u postgres -- "$BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -m fast -w -t 60 restart >&2
    ;;
createdb)
    dir=$(cat "$STATE"); port=$(cat "$dir/port")
    runuser -u postgres -- psql -q -h "$dir" -p "$port" -U postgres -c "CREATE DATABASE \"$2\"" >&2
    echo "Host=127.0.0.1;Port=$port;Username=postgres;Password=kura-test-pw;Database=$2"
    ;;
stop)
    [ -f "$STATE" ] || exit 0
    dir=$(cat "$STATE")
    if [ -d "$dir/data" ]; then
        runuser -u postgres -- "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
    fi
    rm -rf "$dir" "$STATE"
    ;;
*)
    echo "usage: $0 start [PORT] | restart | createdb NAME | stop" >&2; exit 2
    ;;
esac
