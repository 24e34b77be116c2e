#!/usr/bin/env bash
# Reference benchmark: the real OpenStack Glance (Debian bookworm's glance-api 25.1, Zed) measured on the same
# routes as Kura's bench/api.sh, so the metadata benchmark can report a Kura/Glance ratio.
#
# Usage: bench/glance.sh [N] [SECONDS]   (defaults 100000 and 5)
#
# What it does (setup as recorded in /work/shared/reference/glance-observed.md §2):
#  1. installs the Debian packages it needs if missing (glance-api, keystone, uwsgi-core + uwsgi-plugin-python3, wrk,
#     sqlite3, curl);
#  2. starts a throw-away Keystone 22 (uwsgi, 2 processes x 1 thread, SQLite in WAL mode, fernet tokens) and
#     glance-api (standalone eventlet server, workers = 2, SQLite in WAL mode, paste flavor keystone, two file stores)
#     in a temporary state directory, on free loopback ports (55000 / 59292 when free, never 5000 / 9292); creates
#     the projects p1..p4, a member user of p1 to query as, and the glance service user;
#  3. seeds N image records straight into Glance's SQLite database with bench/glance-seed.py: the very records
#     bench/seed.py makes for Kura (from its tsv: output), in Glance's own tables; then checks through the API that
#     Glance lists, filters and shows them, in the expected order;
#  4. measures each route with wrk (2 threads, 16 connections, SECONDS each, as in bench/api.sh, plus --timeout 60s so
#     slow Glance answers still count in the latency percentiles) as the member of p1. Slow routes run longer, up to
#     60 s, so that about 32 requests complete (at c=16 Glance answers a slow route's 16 requests together, after
#     ~16 x the unloaded time): the duration comes from one unloaded request timed first, and a route is run again,
#     longer, if fewer completed. Before each route, glance is let finish the requests wrk abandoned at the end of the
#     previous window, and a fresh token is validated once in each glance worker (keystonemiddleware caches a
#     validation for 300 s; without this, 16 concurrent cache misses queue on Keystone for seconds);
#  5. prints only machine-readable lines on stdout, one per route: name<TAB>req_per_s<TAB>p50<TAB>p99 (latencies in
#     wrk's notation, e.g. 812.34ms or 1.52s), then rss<TAB>MB, the sum of VmHWM (peak RSS) of the glance-api parent
#     and its workers. Progress and diagnostics go to stderr.
# Every process it started is stopped and the state directory removed on exit, also on failure or Ctrl-C.
# KEEP_GLANCE_STATE=1 keeps the state directory (logs) for inspection.
set -euo pipefail
set +m
cd "$(dirname "$0")/.."
. bench/lib.sh
N=${1:-100000}
DURATION=${2:-5}
MIN_REQUESTS=32
MAX_DURATION=$(( DURATION > 60 ? DURATION : 60 ))
WRK_TIMEOUT=60
PY=/usr/bin/python3   # the Debian interpreter (a pyenv shim on PATH lacks the Debian modules)
log() { echo "[glance.sh $(date +%T)] $*" >&2; }

# --- 1. packages -------------------------------------------------------------------------------------------------
PACKAGES=(glance-api keystone uwsgi-core uwsgi-plugin-python3 wrk sqlite3 curl)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} from Debian (no services are started)..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q -o DPkg::Lock::Timeout=600 "${missing[@]}" >&2
fi

# --- 2. Keystone + Glance ----------------------------------------------------------------------------------------
DIR=$(mktemp -d /tmp/glance-bench.XXXXXX)
KEYSTONE_PID=""
GLANCE_PID=""
stop_group() {   # stop_group PID: TERM the process group led by PID (started with setsid), then KILL what is left
  local pid=$1 i
  [ -n "$pid" ] || return 0
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 50); do
    kill -0 -- "-$pid" 2>/dev/null || return 0
    sleep 0.2
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [ $rc -eq 0 ] || { log "failed (exit $rc); last lines of the logs:"; tail -n 20 "$DIR"/*.log >&2 2>/dev/null || true; }
  stop_group "$GLANCE_PID"
  stop_group "$KEYSTONE_PID"
  if [ -n "${KEEP_GLANCE_STATE:-}" ]; then log "state kept in $DIR"; else rm -rf "$DIR"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# free_port PREFERRED: PREFERRED if nothing listens there, else a free ephemeral port that is none of the ports other
# tests use by default (Keystone 5000, Glance 9292, PostgreSQL 55432 / 55439 / 55440, Swift 58080).
free_port() {
  $PY - "$1" <<'PY'
import socket, sys
reserved = {5000, 9292, 55432, 55439, 55440, 58080}
def free(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do: TIME_WAIT leftovers do not block
    try:
        s.bind(("127.0.0.1", port))
        return s.getsockname()[1]
    except OSError:
        return None
    finally:
        s.close()
port = free(int(sys.argv[1]))
while port is None or port in reserved:
    port = free(0)
print(port)
PY
}
KPORT=$(free_port 55000)
GPORT=$(free_port 59292)
[ "$GPORT" != "$KPORT" ] || GPORT=$(free_port 0)
KS="http://127.0.0.1:$KPORT"
GL="http://127.0.0.1:$GPORT"
log "state in $DIR; Keystone on $KS, Glance on $GL"
T_SETUP=$(date +%s)

mkdir -p "$DIR"/{etc,fernet-keys,credential-keys,images,images2,staging,tasks,locks}
source scripts/keystone-conf.sh
keystone_conf "$DIR" 43200
KCONF=(--config-file "$DIR/etc/keystone.conf")
log "setting up Keystone..."
keystone-manage "${KCONF[@]}" db_sync >>"$DIR/keystone-manage.log" 2>&1
keystone-manage "${KCONF[@]}" fernet_setup --keystone-user root --keystone-group root >>"$DIR/keystone-manage.log" 2>&1
keystone-manage "${KCONF[@]}" credential_setup --keystone-user root --keystone-group root >>"$DIR/keystone-manage.log" 2>&1
keystone-manage "${KCONF[@]}" bootstrap --bootstrap-password password \
  --bootstrap-admin-url "$KS/v3" --bootstrap-internal-url "$KS/v3" --bootstrap-public-url "$KS/v3" \
  --bootstrap-region-id RegionOne >>"$DIR/keystone-manage.log" 2>&1
sqlite3 "$DIR/keystone.db" 'PRAGMA journal_mode=WAL;' >/dev/null
OS_KEYSTONE_CONFIG_FILES="$DIR/etc/keystone.conf" setsid uwsgi --plugins python3 \
  --http-socket "127.0.0.1:$KPORT" --wsgi-file /usr/bin/keystone-wsgi-public \
  --master --processes 2 --threads 1 --lazy-apps --die-on-term \
  --buffer-size 65535 --add-header "Connection: close" >"$DIR/keystone-uwsgi.log" 2>&1 </dev/null &
KEYSTONE_PID=$!
for i in $(seq 1 150); do curl -fs -o /dev/null "$KS/v3" && break; sleep 0.2; done
curl -fs -o /dev/null "$KS/v3" || { log "Keystone did not start"; exit 1; }

json() { $PY -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# token USER PASSWORD PROJECT -> a project-scoped token
token() {
  curl -fsS -D - -o /dev/null -H 'Content-Type: application/json' "$KS/v3/auth/tokens" \
    -d "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"$1\",\"domain\":{\"id\":\"default\"},\"password\":\"$2\"}}},\"scope\":{\"project\":{\"name\":\"$3\",\"domain\":{\"id\":\"default\"}}}}}" \
    | awk -F': ' 'tolower($1)=="x-subject-token"{print $2}' | tr -d '\r'
}
ADMIN=$(token admin password admin)
[ -n "$ADMIN" ] || { log "no admin token"; exit 1; }
ks() {   # ks METHOD PATH [BODY] -> response body
  curl -fsS -X "$1" -H "X-Auth-Token: $ADMIN" -H 'Content-Type: application/json' "$KS/v3$2" ${3:+-d "$3"}
}
ADMIN_ROLE=$(ks GET '/roles?name=admin' | json 'd["roles"][0]["id"]')
MEMBER_ROLE=$(ks GET '/roles?name=member' | json 'd["roles"][0]["id"]')
project() { ks POST /projects "{\"project\":{\"name\":\"$1\",\"domain_id\":\"default\"}}" | json 'd["project"]["id"]'; }
user() { ks POST /users "{\"user\":{\"name\":\"$1\",\"password\":\"$2\",\"domain_id\":\"default\"}}" | json 'd["user"]["id"]'; }
SERVICE_PROJECT=$(project service)
GLANCE_USER=$(user glance glance)
ks PUT "/projects/$SERVICE_PROJECT/users/$GLANCE_USER/roles/$ADMIN_ROLE"
IMAGE_SERVICE=$(ks POST /services '{"service":{"name":"glance","type":"image"}}' | json 'd["service"]["id"]')
for iface in public internal admin; do
  ks POST /endpoints "{\"endpoint\":{\"service_id\":\"$IMAGE_SERVICE\",\"interface\":\"$iface\",\"url\":\"$GL\",\"region_id\":\"RegionOne\"}}" >/dev/null
done
PROJECTS=()
for p in p1 p2 p3 p4; do PROJECTS+=("$(project "$p")"); done
BENCH_USER=$(user bench-p1 pw-bench-p1)
ks PUT "/projects/${PROJECTS[0]}/users/$BENCH_USER/roles/$MEMBER_ROLE"

cat >"$DIR/etc/glance-api.conf" <<EOF
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $GPORT
workers = 2
log_file = $DIR/glance-api.log
debug = false
enabled_backends = file1:file, file2:file
enabled_import_methods = [glance-direct, web-download, copy-image]
[database]
connection = sqlite:///$DIR/glance.db
[glance_store]
default_backend = file1
[file1]
filesystem_store_datadir = $DIR/images
store_description = "primary file store"
[file2]
filesystem_store_datadir = $DIR/images2
store_description = "secondary file store"
[os_glance_staging_store]
filesystem_store_datadir = $DIR/staging
[os_glance_tasks_store]
filesystem_store_datadir = $DIR/tasks
[keystone_authtoken]
www_authenticate_uri = $KS
auth_url = $KS
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = glance
password = glance
region_name = RegionOne
[paste_deploy]
flavor = keystone
config_file = /etc/glance/glance-api-paste.ini
[oslo_concurrency]
lock_path = $DIR/locks
[image_format]
[task]
[taskflow_executor]
EOF
cat >"$DIR/etc/glance-image-import.conf" <<EOF
[import_filtering_opts]
allowed_ports = [80,443,8099]
allowed_hosts = [127.0.0.1]
EOF
log "setting up Glance..."
GCONF=(--config-file "$DIR/etc/glance-api.conf")
glance-manage "${GCONF[@]}" db_sync >>"$DIR/glance-manage.log" 2>&1
sqlite3 "$DIR/glance.db" 'PRAGMA journal_mode=WAL;' >/dev/null
glance-manage "${GCONF[@]}" db_load_metadefs /etc/glance/metadefs >>"$DIR/glance-manage.log" 2>&1
T_SEED=$(date +%s)

# --- 3. seed and check -------------------------------------------------------------------------------------------
log "seeding $N images into glance.db..."
SEED_OUT=$($PY bench/glance-seed.py "$DIR/glance.db" "$N" "$(IFS=,; echo "${PROJECTS[*]}")" "$DIR/images" "${PROJECTS[0]}")
read -r SEEDED SHOW_ID DEEP_MARKER VISIBLE BEFORE_DEEP <<<"$SEED_OUT"
log "seeded $SEEDED images; p1 sees $VISIBLE in the default listing ($(( (VISIBLE + 999) / 1000 )) pages of 1,000)"
T_START=$(date +%s)

setsid glance-api "${GCONF[@]}" --config-file "$DIR/etc/glance-image-import.conf" \
  >"$DIR/glance-api.out" 2>&1 </dev/null &
GLANCE_PID=$!
for i in $(seq 1 300); do curl -fs -o /dev/null "$GL/versions" && break; sleep 0.2; done
curl -fs -o /dev/null "$GL/versions" || { log "glance-api did not start"; exit 1; }
WORKERS=()
for i in $(seq 1 50); do
  mapfile -t WORKERS < <(pgrep -P "$GLANCE_PID")
  [ ${#WORKERS[@]} -ge 2 ] && break
  sleep 0.2
done
log "glance-api up: parent $GLANCE_PID, workers ${WORKERS[*]}"

TOKEN=$(token bench-p1 pw-bench-p1 p1)
get() { curl -fsS -H "X-Auth-Token: $TOKEN" -H 'Accept: application/json' "$GL$1"; }
check() {   # check WHAT EXPECTED ACTUAL
  if [ "$2" != "$3" ]; then log "check failed: $1: expected [$2], got [$3]"; exit 1; fi
  log "ok: $1"
}
fields() { $PY -c "import json,sys; d=json.load(sys.stdin); print(*[$1])"; }
check "list25 returns 25 seeded images, newest visible first" "25 image- $SHOW_ID" \
  "$(get '/v2/images?limit=25' | fields 'len(d["images"]), d["images"][0]["name"][:6], d["images"][0]["id"]')"
check "show returns the seeded record with its tags and properties" "$SHOW_ID True True True" \
  "$(get "/v2/images/$SHOW_ID" | fields 'd["id"], "bench" in d["tags"], d["os_type"] in ("linux", "windows"), d["os_distro"] in ("debian", "ubuntu", "centos", "fedora")')"
if [ "$BEFORE_DEEP" != - ]; then
  check "the listing after the image just before the deep marker starts at the deep marker" "$DEEP_MARKER" \
    "$(get "/v2/images?limit=1&marker=$BEFORE_DEEP" | fields 'd["images"][0]["id"]')"
fi
check "tag filter" "True True" "$(get '/v2/images?tag=t7&limit=25' | fields 'len(d["images"]) > 0, all("t7" in i["tags"] for i in d["images"])')"
check "property filter" "True True" "$(get '/v2/images?os_distro=debian&limit=25' | fields 'len(d["images"]) > 0, all(i["os_distro"] == "debian" for i in d["images"])')"

# --- 4. measure --------------------------------------------------------------------------------------------------
WRK_DIR="$DIR/wrk"; mkdir -p "$WRK_DIR"
. bench/routes.sh
ROUTES[create]="/v2/images"
ORDER=("${READS[@]}" create)

# drain: wait until the glance workers are idle. Requests that wrk abandons at the end of its window (a slow route
# has up to 16 in flight) are still worked off by glance, and would otherwise slow down the next measurement.
worker_ticks() {   # CPU ticks (utime + stime) used so far by the glance workers
  local w
  for w in "${WORKERS[@]}"; do cat "/proc/$w/stat" 2>/dev/null || true; done | sed 's/^.*) //' | awk '{t += $12 + $13} END{print t + 0}'
}
drain() {
  local prev cur idle=0 i
  prev=$(worker_ticks)
  for i in $(seq 1 600); do
    sleep 0.5
    cur=$(worker_ticks)
    if [ $((cur - prev)) -le 2 ]; then idle=$((idle + 1)); [ $idle -ge 2 ] && return 0; else idle=0; fi
    prev=$cur
  done
  log "warning: glance still busy after 300 s"
}

# fresh_token: a new token for the member of p1, validated (and so cached by keystonemiddleware) in every glance
# worker: sequential requests until the access log shows each worker answering once since the token was issued.
fresh_token() {
  TOKEN=$(token bench-p1 pw-bench-p1 p1)
  [ -n "$TOKEN" ] || { log "no token"; exit 1; }
  local from i w seen
  from=$(($(wc -l <"$DIR/glance-api.log") + 1))
  for i in $(seq 1 40); do
    curl -fsS -o /dev/null -H "X-Auth-Token: $TOKEN" "$GL/v2/images/$SHOW_ID"
    seen=0
    for w in "${WORKERS[@]}"; do
      tail -n +"$from" "$DIR/glance-api.log" | grep -q "^[^ ]* [^ ]* $w INFO eventlet.wsgi.server .*GET /v2/images/$SHOW_ID" && seen=$((seen + 1))
    done
    [ "$seen" -ge "${#WORKERS[@]}" ] && return 0
  done
  log "warning: the token could not be warmed in every worker"
}

# wrk_run NAME SECONDS: one wrk run of route NAME, output in $WRK_DIR/NAME.out
wrk_run() {
  local lua=()
  if [ "$1" = create ]; then
    write_create_lua "$WRK_DIR/create.lua" "$TOKEN"
    lua=(-s "$WRK_DIR/create.lua")
  fi
  wrk -t2 -c16 -d"$2s" --timeout "${WRK_TIMEOUT}s" --latency -H "X-Auth-Token: $TOKEN" "${lua[@]}" \
    "$GL${ROUTES[$1]}" >"$WRK_DIR/$1.out" 2>&1
}

# measure NAME: drains, takes a fresh token, times one unloaded request (t1), then runs wrk for SECONDS, or longer
# (up to MAX_DURATION) when t1 says fewer than MIN_REQUESTS would complete in SECONDS: at c=16 a slow route answers
# its 16 requests together, after ~16 x t1 when one worker holds all connections, so ~2.5 such rounds are allowed
# for. Runs again, longer, if still too few completed.
# Sets RESULT="rps p50 p99 requests non2xx socket-errors seconds t1".
measure() {
  local name=$1 d=$DURATION t1=- requests
  drain
  fresh_token
  if [ "$name" != create ]; then
    t1=$(curl -fsS -o /dev/null -w '%{time_total}' -H "X-Auth-Token: $TOKEN" "$GL${ROUTES[$name]}")
    d=$($PY -c "import math; print(min($MAX_DURATION, max($DURATION, math.ceil(1.25 * $MIN_REQUESTS * $t1))))")
  fi
  while :; do
    wrk_run "$name" "$d"
    requests=$(awk '/requests in/{print $1}' "$WRK_DIR/$name.out")
    [ "${requests:-0}" -ge "$MIN_REQUESTS" ] || [ "$d" -ge "$MAX_DURATION" ] || [ "$name" = create ] && break
    d=$($PY -c "import math; print(min($MAX_DURATION, max(2 * $d, math.ceil(1.5 * $MIN_REQUESTS * $d / max(${requests:-0}, 1)))))")
    log "$name: only ${requests:-0} requests completed; again for ${d}s"
    drain
    fresh_token
  done
  RESULT=$(awk -v d="$d" -v t1="$t1" '/^Requests\/sec/{r=$2} $1=="50%"{a=$2} $1=="99%"{b=$2} /requests in/{n=$1}
    /Non-2xx/{x=$NF} /Socket errors/{sub(/.*Socket errors: /, ""); gsub(/ /, ""); e=$0}
    END{printf "%s %s %s %s %s %s %s %s\n", r, a, b, n, x+0, (e==""?"none":e), d, t1}' "$WRK_DIR/$name.out")
}

T_MEASURE=$(date +%s)
log "measuring (wrk -t2 -c16 -d${DURATION}s --timeout ${WRK_TIMEOUT}s --latency, longer for slow routes)..."
for name in "${ORDER[@]}"; do
  measure "$name"
  read -r rps p50 p99 requests non2xx errors d t1 <<<"$RESULT"
  log "$name: $rps req/s, p50 $p50, p99 $p99 ($requests requests in ${d}s, non-2xx $non2xx, socket errors $errors; one unloaded request ${t1}s)"
  printf '%s\t%s\t%s\t%s\n' "$name" "$rps" "$p50" "$p99"
done
rss_kb=0
for pid in "$GLANCE_PID" $(pgrep -P "$GLANCE_PID"); do
  kb=$(awk '/^VmHWM/{print $2}' "/proc/$pid/status" 2>/dev/null || true)
  rss_kb=$((rss_kb + ${kb:-0}))
done
printf 'rss\t%s\n' "$((rss_kb / 1024))"
T_END=$(date +%s)
errors=$(grep -c ' ERROR ' "$DIR/glance-api.log" || true)
log "glance-api log: $errors ERROR lines ($(grep -c 'database is locked' "$DIR/glance-api.log" || true) 'database is locked')"
log "times: setup $((T_SEED - T_SETUP)) s, seeding $((T_START - T_SEED)) s, start + checks $((T_MEASURE - T_START)) s, measuring $((T_END - T_MEASURE)) s"
