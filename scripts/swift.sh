#!/usr/bin/env bash
# Starts or stops a throw-away OpenStack Swift 2.30 all-in-one on loopback for the tests (docs/CONFIGURATION.md,
# "Testing"; ../shared/reference/services.md §2): one replica, tempauth and the s3api middleware, its own memcached.
#   scripts/swift.sh start [PORT]  installs Debian's swift packages if needed, writes configuration and rings into a
#                                  new temporary directory, starts memcached and the four servers (proxy on
#                                  127.0.0.1:PORT, default 58080; account, container, object and memcached on
#                                  PORT+1..PORT+4) and prints KEY=VALUE lines: KURA_TEST_SWIFT_AUTH_URL, _USER, _KEY
#                                  (tempauth v1) and KURA_TEST_S3_ENDPOINT, _ACCESS_KEY, _SECRET_KEY, _REGION (s3api)
#   scripts/swift.sh stop          ends the processes the last start recorded and deletes its directory
#   scripts/swift.sh proxy-stop    kills the proxy server (SIGKILL: the store is gone for its clients)
#   scripts/swift.sh proxy-start   starts it again and returns once tempauth answers (the cluster chaos test)
# KURA_SWIFT_STATE names the pointer file (default /tmp/kura-swift.dir), so that several servers can coexist.
set -euo pipefail
STATE=${KURA_SWIFT_STATE:-/tmp/kura-swift.dir}
PY=/usr/bin/python3   # Debian's python: a pyenv python3 first in PATH cannot import swift
cmd=${1:-start}

# tempauth_ready PORT TRIES: whether the proxy on PORT authenticates the test user within TRIES tries 0.2 s apart.
tempauth_ready() {
    for _ in $(seq 1 "$2"); do
        curl -fs -o /dev/null -H 'X-Auth-User: test:tester' -H 'X-Auth-Key: testing' "http://127.0.0.1:$1/auth/v1.0" && return 0
        sleep 0.2
    done
    return 1
}

case "$cmd" in
start)
    port=${2:-58080}
    if [ ! -x /usr/bin/swift-proxy-server ] || [ ! -x /usr/bin/swift-object-server ] || ! command -v memcached >/dev/null; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get -o DPkg::Lock::Timeout=600 update -q >&2
        apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends \
            swift swift-proxy swift-account swift-container swift-object memcached >&2
    fi
    if [ -f "$STATE" ] && [ -d "$(cat "$STATE")" ]; then
        "$0" stop >&2 || true
    fi
    D=$(mktemp -d /tmp/kura-swift.XXXXXX)
    echo "$D" > "$STATE"
    mkdir -p "$D/etc" "$D/srv/node/d1" "$D/log" "$D/run"
    echo "$port" > "$D/port"
    acct=$((port + 1)); cont=$((port + 2)); obj=$((port + 3)); mc=$((port + 4))
    user=$(id -un)
    cat > "$D/etc/swift.conf" <<EOF
[swift-hash]
swift_hash_path_suffix = $(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
swift_hash_path_prefix = kura
[storage-policy:0]
name = Policy-0
default = yes
EOF
    for s in account:$acct container:$cont object:$obj; do
        name=${s%%:*}; p=${s##*:}
        cat > "$D/etc/$name-server.conf" <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $p
workers = 1
devices = $D/srv/node
mount_check = false
swift_dir = $D/etc
user = $user
log_level = WARNING
[pipeline:main]
pipeline = healthcheck $name-server
[app:$name-server]
use = egg:swift#$name
[filter:healthcheck]
use = egg:swift#healthcheck
EOF
    done
    cat > "$D/etc/proxy-server.conf" <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $port
workers = 2
swift_dir = $D/etc
user = $user
log_level = WARNING
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl ratelimit s3api tempauth copy container-quotas account-quotas slo dlo versioned_writes symlink proxy-logging proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
[filter:s3api]
use = egg:swift#s3api
location = us-east-1
[filter:tempauth]
use = egg:swift#tempauth
user_admin_admin = admin .admin .reseller_admin
user_test_tester = testing .admin
user_test2_tester2 = testing2 .admin
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$mc
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:bulk]
use = egg:swift#bulk
[filter:tempurl]
use = egg:swift#tempurl
[filter:ratelimit]
use = egg:swift#ratelimit
[filter:copy]
use = egg:swift#copy
[filter:container-quotas]
use = egg:swift#container_quotas
[filter:account-quotas]
use = egg:swift#account_quotas
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
[filter:versioned_writes]
use = egg:swift#versioned_writes
[filter:symlink]
use = egg:swift#symlink
EOF
    # Rings through the RingBuilder API in one python process (9 swift-ring-builder calls cost ~1 s each).
    "$PY" - "$D/etc" "$acct" "$cont" "$obj" <<'PY'
import sys
from swift.common.ring import RingBuilder
d = sys.argv[1]
for name, port in (("account", sys.argv[2]), ("container", sys.argv[3]), ("object", sys.argv[4])):
    b = RingBuilder(10, 1, 1)
    b.add_dev({"id": 0, "region": 1, "zone": 1, "ip": "127.0.0.1", "port": int(port), "device": "d1", "weight": 100,
               "replication_ip": "127.0.0.1", "replication_port": int(port)})
    b.rebalance()
    b.save(f"{d}/{name}.builder")
    b.get_ring().save(f"{d}/{name}.ring.gz")
PY
    memcached -l 127.0.0.1 -p "$mc" -U 0 -m 64 -u memcache > "$D/log/memcached.log" 2>&1 &
    echo $! > "$D/run/memcached.pid"
    for name in account container object proxy; do
        nohup "/usr/bin/swift-$name-server" "$D/etc/$name-server.conf" -v > "$D/log/$name.log" 2>&1 &
        echo $! > "$D/run/$name.pid"
    done
    for p in $acct $cont $obj $port; do
        for i in $(seq 1 150); do
            curl -fs "http://127.0.0.1:$p/healthcheck" >/dev/null 2>&1 && break
            [ "$i" -eq 150 ] && { echo "swift on port $p did not answer" >&2; for l in "$D"/log/*.log; do tail -n 20 "$l" >&2; done; exit 1; }
            sleep 0.2
        done
    done
    # The first authenticated request proves tempauth and memcached work.
    tempauth_ready "$port" 50 || { echo "tempauth did not answer" >&2; exit 1; }
    echo "KURA_TEST_SWIFT_AUTH_URL=http://127.0.0.1:$port/auth/v1.0"
    echo "KURA_TEST_SWIFT_USER=test:tester"
    echo "KURA_TEST_SWIFT_KEY=testing"
    echo "KURA_TEST_S3_ENDPOINT=http://127.0.0.1:$port"
    echo "KURA_TEST_S3_ACCESS_KEY=test:tester"
    echo "KURA_TEST_S3_SECRET_KEY=testing"
    echo "KURA_TEST_S3_REGION=us-east-1"
    ;;
proxy-stop)
    D=$(cat "$STATE")
    pid=$(cat "$D/run/proxy.pid")
    kill -KILL "$pid" 2>/dev/null || true
    # The proxy's workers are its children; none may go on answering.
    pkill -KILL -f "swift-proxy-server $D/etc/proxy-server.conf" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    ;;
proxy-start)
    D=$(cat "$STATE")
    port=$(cat "$D/port")
    curl -fs -o /dev/null "http://127.0.0.1:$port/healthcheck" && exit 0   # already serving
    nohup /usr/bin/swift-proxy-server "$D/etc/proxy-server.conf" -v >> "$D/log/proxy.log" 2>&1 &
    echo $! > "$D/run/proxy.pid"
    tempauth_ready "$port" 150 || { echo "the swift proxy did not come back" >&2; tail -n 20 "$D/log/proxy.log" >&2; exit 1; }
    ;;
stop)
    [ -f "$STATE" ] || exit 0
    D=$(cat "$STATE")
    pids=()
    for f in "$D"/run/*.pid; do
        [ -f "$f" ] && pids+=("$(cat "$f")")
    done
    [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 1 50); do
        alive=0
        for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
        [ "$alive" -eq 0 ] && break
        sleep 0.1
    done
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    rm -rf "$D" "$STATE"
    ;;
*)
    echo "usage: $0 start [PORT] | proxy-stop | proxy-start | stop" >&2; exit 2
    ;;
esac
