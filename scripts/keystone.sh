#!/usr/bin/env bash
# Starts or stops a throw-away Keystone 22 (Debian's keystone package) on loopback, as an existing cloud's identity
# service for Kura (docs/CONFIGURATION.md, "Identity"). The recipe and its quirks are in
# ../shared/reference/glance-observed.md §2.2 and §3: uwsgi with 2 processes x 1 thread, SQLite in WAL mode, fernet
# tokens, "Connection: close".
#   scripts/keystone.sh start [PORT]  installs keystone, uwsgi-core, uwsgi-plugin-python3 and sqlite3 if needed,
#                                     bootstraps a Keystone in a new temporary directory, starts it on 127.0.0.1:PORT
#                                     (55000), creates the project "service" with the user "kura" (password "kura",
#                                     role admin there, as Glance's service user) and the role "service", and prints
#                                     KEY=VALUE lines: KURA_TEST_KEYSTONE_URL (…/v3), _ADMIN_PASSWORD, _SERVICE_USER,
#                                     _SERVICE_PASSWORD, _SERVICE_PROJECT, _NOVA_USER, _NOVA_PASSWORD (the user "nova",
#                                     role service on "service": a service user whose token is a service token).
#                                     KURA_KEYSTONE_TOKEN_EXPIRATION sets [token] expiration in seconds (3600).
#   scripts/keystone.sh register-image URL
#                                     makes URL the catalog's image endpoint (scripts/keystone-catalog.py)
#   scripts/keystone.sh stop          stops it and deletes its directory
#   scripts/keystone.sh down | up     stops its uwsgi (connections are refused) and starts it again on the same data
#   scripts/keystone.sh freeze | thaw SIGSTOP and SIGCONT its processes: connections are taken and never answered
#                                     (a Keystone that is slow); used by the cluster chaos test
# KURA_KEYSTONE_STATE names the pointer file (default /tmp/kura-keystone.dir), so that several can coexist.
set -euo pipefail
STATE=${KURA_KEYSTONE_STATE:-/tmp/kura-keystone.dir}
cmd=${1:-start}

stop() {
    [ -f "$STATE" ] || return 0
    local dir
    dir=$(cat "$STATE")
    if [ -f "$dir/uwsgi.pid" ]; then
        local pid
        pid=$(cat "$dir/uwsgi.pid")
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    rm -rf "$dir" "$STATE"
}

# serve DIR: runs the Keystone of DIR under uwsgi and returns once it answers.
serve() {
    local dir=$1 port url
    port=$(cat "$dir/port"); url="http://127.0.0.1:$port"
    OS_KEYSTONE_CONFIG_FILES="$dir/etc/keystone.conf" setsid uwsgi --plugins python3 \
        --http-socket "127.0.0.1:$port" --wsgi-file /usr/bin/keystone-wsgi-public \
        --master --processes 2 --threads 1 --lazy-apps --die-on-term \
        --buffer-size 65535 --add-header "Connection: close" >>"$dir/uwsgi.log" 2>&1 </dev/null &
    echo $! >"$dir/uwsgi.pid"
    for _ in $(seq 1 300); do curl -fs -o /dev/null "$url/v3" && break; sleep 0.2; done
    curl -fs -o /dev/null "$url/v3" || { echo "Keystone did not start; see $dir/uwsgi.log" >&2; exit 1; }
}

case "$cmd" in
start)
    port=${2:-55000}
    missing=()
    for p in keystone uwsgi-core uwsgi-plugin-python3 sqlite3 curl; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get -o DPkg::Lock::Timeout=600 update -q >&2
        apt-get -o DPkg::Lock::Timeout=600 install -y -q "${missing[@]}" >&2
    fi
    stop
    dir=$(mktemp -d /tmp/kura-keystone.XXXXXX)
    echo "$dir" >"$STATE"
    # shellcheck source=keystone-conf.sh
    source "$(dirname "$0")/keystone-conf.sh"
    keystone_conf "$dir" "${KURA_KEYSTONE_TOKEN_EXPIRATION:-3600}"
    echo "$port" >"$dir/port"
    conf=(--config-file "$dir/etc/keystone.conf")
    url="http://127.0.0.1:$port"
    {
        keystone-manage "${conf[@]}" db_sync
        keystone-manage "${conf[@]}" fernet_setup --keystone-user root --keystone-group root
        keystone-manage "${conf[@]}" credential_setup --keystone-user root --keystone-group root
        keystone-manage "${conf[@]}" bootstrap --bootstrap-password keystone-admin-pw \
            --bootstrap-admin-url "$url/v3" --bootstrap-internal-url "$url/v3" --bootstrap-public-url "$url/v3" \
            --bootstrap-region-id RegionOne
    } >"$dir/keystone-manage.log" 2>&1
    sqlite3 "$dir/keystone.db" 'PRAGMA journal_mode=WAL;' >/dev/null
    serve "$dir"

    token=$(curl -fsS -D - -o /dev/null -H 'Content-Type: application/json' "$url/v3/auth/tokens" \
        -d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"id":"default"},"password":"keystone-admin-pw"}}},"scope":{"project":{"name":"admin","domain":{"id":"default"}}}}}' \
        | awk -F': ' 'tolower($1)=="x-subject-token"{print $2}' | tr -d '\r')
    ks() { curl -fsS -X "$1" -H "X-Auth-Token: $token" -H 'Content-Type: application/json' "$url/v3$2" ${3:+-d "$3"}; }
    id() { /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['$1']['id'])"; }
    admin_role=$(ks GET '/roles?name=admin' | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['roles'][0]['id'])")
    ks POST /roles '{"role":{"name":"service"}}' >/dev/null
    project=$(ks POST /projects '{"project":{"name":"service","domain_id":"default"}}' | id project)
    user=$(ks POST /users '{"user":{"name":"kura","password":"kura","domain_id":"default"}}' | id user)
    ks PUT "/projects/$project/users/$user/roles/$admin_role" >/dev/null
    service_role=$(ks GET '/roles?name=service' | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['roles'][0]['id'])")
    nova=$(ks POST /users '{"user":{"name":"nova","password":"nova","domain_id":"default"}}' | id user)
    ks PUT "/projects/$project/users/$nova/roles/$service_role" >/dev/null
    echo "KURA_TEST_KEYSTONE_URL=$url/v3"
    echo "KURA_TEST_KEYSTONE_ADMIN_PASSWORD=keystone-admin-pw"
    echo "KURA_TEST_KEYSTONE_SERVICE_USER=kura"
    echo "KURA_TEST_KEYSTONE_SERVICE_PASSWORD=kura"
    echo "KURA_TEST_KEYSTONE_SERVICE_PROJECT=service"
    echo "KURA_TEST_KEYSTONE_NOVA_USER=nova"
    echo "KURA_TEST_KEYSTONE_NOVA_PASSWORD=nova"
    ;;
register-image)
    [ -f "$STATE" ] || { echo "no Keystone started (run: $0 start)" >&2; exit 1; }
    /usr/bin/python3 "$(dirname "$0")/keystone-catalog.py" "http://127.0.0.1:$(cat "$(cat "$STATE")/port")/v3" keystone-admin-pw "${2:?usage: $0 register-image URL}"
    ;;
down)
    dir=$(cat "$STATE"); pid=$(cat "$dir/uwsgi.pid")
    kill -CONT -- "-$pid" 2>/dev/null || true
    kill -KILL -- "-$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    ;;
up)
    serve "$(cat "$STATE")"
    ;;
freeze | thaw)
    pid=$(cat "$(cat "$STATE")/uwsgi.pid")
    kill "-$([ "$cmd" = freeze ] && echo STOP || echo CONT)" -- "-$pid"
    ;;
stop)
    stop
    ;;
*)
    echo "usage: $0 start [PORT] | register-image URL | down | up | freeze | thaw | stop" >&2
    exit 2
    ;;
esac
