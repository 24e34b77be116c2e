#!/usr/bin/env bash
# Metadata API benchmark (issue: speed of the metadata API). Seeds N image records (default 100,000) in Kura's
# database, starts Kura, and measures each route with wrk (2 threads, 16 connections, loopback) next to a
# ceiling probe (bench/Kura.Ceiling: the same routes and bodies from memory) in the same run.
# Usage: bench/api.sh [N] [SECONDS]. Prints a Markdown table for docs/PERFORMANCE.md.
# KURA_BENCH_DATABASE=Postgres runs Kura on a throw-away PostgreSQL 15 (scripts/postgres.sh, port 55439) instead
# of the embedded SQLite file. KURA_BENCH_GLANCE=1 first measures Debian's Glance 25 on the same records and routes
# (bench/glance.sh, which installs and starts Keystone and Glance, and stops them before Kura starts) and adds the
# Kura / Glance ratio to the table.
set -euo pipefail
cd "$(dirname "$0")/.."
. conformance/lib.sh
. bench/lib.sh
N=${1:-100000}
DURATION=${2:-10}
command -v wrk >/dev/null || apt_install wrk wrk
dotnet build src/Kura.Server -c Release -v q -nologo >/dev/null
dotnet build bench/Kura.Ceiling -c Release -v q -nologo >/dev/null
export KURA_NO_BUILD=1
CEILING_PID=""
BACKEND=${KURA_BENCH_DATABASE:-Sqlite}
export KURA_PG_STATE=/tmp/kura-bench-postgres.dir
cleanup() {
  [ -n "$CEILING_PID" ] && kill "$CEILING_PID" 2>/dev/null
  stop_kura
  [ "$BACKEND" = Postgres ] && bash scripts/postgres.sh stop >/dev/null 2>&1
  [ -n "${GLANCE_TSV:-}" ] && rm -f "$GLANCE_TSV"
  return 0
}
trap cleanup EXIT
GLANCE_TSV=""
if [ "${KURA_BENCH_GLANCE:-}" = 1 ]; then
  GLANCE_TSV=$(mktemp /tmp/kura-bench-glance.XXXXXX)
  echo "measuring Glance (bench/glance.sh $N $DURATION)..." >&2
  bash bench/glance.sh "$N" "$DURATION" >"$GLANCE_TSV"
fi
# glance_cols NAME KURA_RPS -> " Glance req/s | Kura / Glance |" when Glance was measured
glance_cols() {
  [ -n "$GLANCE_TSV" ] || return 0
  local g
  g=$(awk -F'\t' -v n="$1" '$1==n{print $2}' "$GLANCE_TSV")
  if [ -n "$g" ]; then printf ' %s | %s |' "$g" "$(python3 -c "print(f'{$2/$g:,.0f}x')")"; else printf ' | |'; fi
}
GLANCE_HEAD=""; GLANCE_RULE=""
[ -n "$GLANCE_TSV" ] && GLANCE_HEAD=" Glance req/s | Kura / Glance |" && GLANCE_RULE=" ---: | ---: |"
if [ "$BACKEND" = Postgres ]; then
  bash scripts/postgres.sh start 55439 >/dev/null
  export KURA_CONFORMANCE_DATABASE=Postgres
fi
start_kura --Logging:LogLevel:Default=Warning

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
token() {
  curl -s -D - -o /dev/null -H 'Content-Type: application/json' "$BASE/identity/v3/auth/tokens" \
    -d "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"$1\",\"domain\":{\"id\":\"default\"},\"password\":\"$2\"}}},\"scope\":{\"project\":{\"name\":\"$3\",\"domain\":{\"id\":\"default\"}}}}}" \
    | awk -F': ' 'tolower($1)=="x-subject-token"{print $2}' | tr -d '\r'
}
ADMIN=$(token admin "$ADMIN_PW" admin)
MEMBER_ROLE=$(curl -s -H "X-Auth-Token: $ADMIN" "$BASE/identity/v3/roles?name=member" | json 'd["roles"][0]["id"]')
PROJECTS=()
for p in p1 p2 p3 p4; do
  pid=$(curl -s -H "X-Auth-Token: $ADMIN" -H 'Content-Type: application/json' "$BASE/identity/v3/projects" -d "{\"project\":{\"name\":\"$p\"}}" | json 'd["project"]["id"]')
  uid=$(curl -s -H "X-Auth-Token: $ADMIN" -H 'Content-Type: application/json' "$BASE/identity/v3/users" -d "{\"user\":{\"name\":\"$p\",\"password\":\"pw-$p\"}}" | json 'd["user"]["id"]')
  curl -s -X PUT -H "X-Auth-Token: $ADMIN" "$BASE/identity/v3/projects/$pid/users/$uid/roles/$MEMBER_ROLE"
  PROJECTS+=("$pid")
done
echo "seeding $N images..." >&2
if [ "$BACKEND" = Postgres ]; then
  mkdir -p "$WORK/seed"; chmod 755 "$WORK" "$WORK/seed"
  python3 bench/seed.py "tsv:$WORK/seed" "$N" "$(IFS=,; echo "${PROJECTS[*]}")" >/dev/null
  chmod 644 "$WORK"/seed/*.tsv
  PGDIR=$(cat "$KURA_PG_STATE")
  psql_kura() { runuser -u postgres -- psql -q -h "$PGDIR" -p 55439 -U postgres -d "kura_conformance_${BASE##*:}" "$@"; }
  psql_kura -c "\copy images (id, name, disk_format, container_format, visibility, size, virtual_size, status, checksum, os_hash_algo, os_hash_value, protected, min_ram, min_disk, owner, os_hidden, created_at, updated_at, location, properties_json, tags_json) FROM '$WORK/seed/images.tsv'" \
    -c "\copy image_properties (image_id, position, name, value) FROM '$WORK/seed/image_properties.tsv'" \
    -c "\copy image_tags (image_id, value) FROM '$WORK/seed/image_tags.tsv'" \
    -c "\copy image_members (image_id, member, status, created_at, updated_at) FROM '$WORK/seed/image_members.tsv'" \
    -c "VACUUM ANALYZE"
else
  python3 bench/seed.py "$WORK/data/kura.db" "$N" "$(IFS=,; echo "${PROJECTS[*]}")" >/dev/null
fi
TOKEN=$(token p1 pw-p1 p1)
SHOW_ID=$(curl -s -H "X-Auth-Token: $TOKEN" "$BASE/v2/images?limit=1" | json 'd["images"][0]["id"]')
MINE=$(curl -s -H "X-Auth-Token: $TOKEN" "$BASE/v2/images?owner=${PROJECTS[0]}&limit=1000&sort=created_at:asc" | json 'len(d["images"])')
# A marker deep in the listing: the 1000th-from-last of the default order, found by paging.
DEEP=$(python3 - "$BASE" "$TOKEN" <<'PY'
import json, sys, urllib.request
base, token = sys.argv[1], sys.argv[2]
url, last, pages = "/v2/images?limit=1000", None, 0
while url:
    req = urllib.request.Request(base + url, headers={"X-Auth-Token": token})
    d = json.load(urllib.request.urlopen(req))
    if d["images"]:
        last = d["images"][0]["id"]
    url, pages = d.get("next"), pages + 1
print(last, pages)
PY
)
DEEP_MARKER=${DEEP% *}; PAGES=${DEEP#* }

WRK_DIR="$WORK/wrk"; mkdir -p "$WRK_DIR"
write_create_lua "$WRK_DIR/create.lua" "$TOKEN"
curl -s -H "X-Auth-Token: $TOKEN" "$BASE/v2/images?owner=${PROJECTS[0]}&limit=1000" | json '"\n".join(i["id"] for i in d["images"])' >"$WRK_DIR/ids.txt"
{ lua_load_ids "$WRK_DIR/ids.txt"; cat <<LUA; } >"$WRK_DIR/patch.lua"
local n = 0
request = function()
  n = n + 1
  local body = '[{"op": "add", "path": "/bench_counter", "value": "' .. n .. '"}]'
  return wrk.format("PATCH", "/v2/images/" .. ids[math.random(#ids)],
    {["X-Auth-Token"] = "$TOKEN", ["Content-Type"] = "application/openstack-images-v2.1-json-patch"}, body)
end
LUA
{ lua_load_ids "$WRK_DIR/ids.txt"; cat <<LUA; } >"$WRK_DIR/delete.lua"
local i = 0
request = function()
  i = i + 1
  return wrk.format("DELETE", "/v2/images/" .. (ids[i] or "00000000-0000-0000-0000-000000000000"), {["X-Auth-Token"] = "$TOKEN"})
end
LUA

. bench/routes.sh
ORDER=("${READS[@]}")

# Capture Kura's answers for the ceiling probe.
: >"$WRK_DIR/routes.tsv"
for name in "${ORDER[@]}"; do
  curl -s -H "X-Auth-Token: $TOKEN" "$BASE${ROUTES[$name]}" >"$WRK_DIR/$name.json"
  printf 'GET\t%s\t200\t%s\n' "${ROUTES[$name]}" "$WRK_DIR/$name.json" >>"$WRK_DIR/routes.tsv"
done
curl -s -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' "$BASE/v2/images" -d '{"name":"sample"}' >"$WRK_DIR/create.json"
printf 'POST\t/v2/images\t201\t%s\n' "$WRK_DIR/create.json" >>"$WRK_DIR/routes.tsv"
CPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
dotnet bench/Kura.Ceiling/bin/Release/net10.0/Kura.Ceiling.dll --urls "http://127.0.0.1:$CPORT" --routes "$WRK_DIR/routes.tsv" >/dev/null 2>&1 &
CEILING_PID=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$CPORT/v2/images/$SHOW_ID" >/dev/null 2>&1 && break; sleep 0.1; done

# run URL [lua] -> "rps p50 p99", after one second of the same load to warm the JIT and caches
run() {
  local out
  wrk -t2 -c16 -d1s -H "X-Auth-Token: $TOKEN" ${2:+-s "$2"} "$1" >/dev/null 2>&1
  out=$(wrk -t2 -c16 -d"${DURATION}s" --latency -H "X-Auth-Token: $TOKEN" ${2:+-s "$2"} "$1" 2>&1)
  local rps p50 p99 non2xx
  rps=$(awk '/^Requests\/sec/{printf "%.0f", $2}' <<<"$out")
  p50=$(awk '$1=="50%"{print $2}' <<<"$out")
  p99=$(awk '$1=="99%"{print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/{print $5}' <<<"$out")
  echo "$rps $p50 $p99 ${non2xx:-0}"
}

# restart_kura ARGS: the same Kura on the same data (SQLite), with other settings.
restart_kura() {
  kill "$KURA_PID"; wait "$KURA_PID" 2>/dev/null || true
  KURA_DATA_DIR="$WORK/data" KURA_ADMIN_PASSWORD="$ADMIN_PW" dotnet src/Kura.Server/bin/Release/net10.0/Kura.Server.dll \
    --urls "$BASE" --Logging:LogLevel:Default=Warning "$@" >>"$WORK/kura.log" 2>&1 &
  KURA_PID=$!
  for _ in $(seq 1 150); do curl -fs "$BASE/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
}

# On SQLite a repeated page comes from the list page cache (Images:ListCacheBytes). First, on the untouched
# catalogue, the same reads with the cache off: what a page costs right after the catalogue changed.
UNCACHED=""
if [ "$BACKEND" = Sqlite ]; then
  echo "measuring with the list page cache off..." >&2
  restart_kura --Images:ListCacheBytes=0
  for name in "${ORDER[@]}"; do curl -s -o /dev/null -H "X-Auth-Token: $TOKEN" "$BASE${ROUTES[$name]}"; done
  UNCACHED=$(
    printf '| the same reads, list page cache off (Images:ListCacheBytes=0) | Kura req/s | p50 | p99 | ceiling req/s | Kura / ceiling |\n| --- | ---: | ---: | ---: | ---: | ---: |\n'
    for name in "${ORDER[@]}"; do
      [ "$name" = show ] && continue
      read -r krps kp50 kp99 kerr < <(run "$BASE${ROUTES[$name]}")
      read -r crps _ _ _ < <(run "http://127.0.0.1:$CPORT${ROUTES[$name]}")
      printf '| GET %s | %s | %s | %s | %s | %s |\n' "${ROUTES[$name]//$DEEP_MARKER/<deep marker>}" "$krps" "$kp50" "$kp99" "$crps" "$(python3 -c "print(f'{100*$krps/max($crps,1):.0f}%')")"
    done
    printf '| Kura peak RSS (VmHWM), cache off | %s MB | | | | |\n' "$(awk '/VmHWM/{printf "%.0f", $2/1024}' "/proc/$KURA_PID/status")"
  )
  restart_kura
  for name in "${ORDER[@]}"; do curl -s -o /dev/null -H "X-Auth-Token: $TOKEN" "$BASE${ROUTES[$name]}"; done
fi

echo "measuring..." >&2
# JIT warm-up: every read route on Kura and on the ceiling for a second before the first measurement.
for name in "${ORDER[@]}"; do
  wrk -t2 -c16 -d1s -H "X-Auth-Token: $TOKEN" "$BASE${ROUTES[$name]}" >/dev/null 2>&1
  wrk -t2 -c16 -d1s "http://127.0.0.1:$CPORT${ROUTES[$name]}" >/dev/null 2>&1
done
printf '| %s images on %s; wrk 2 threads, 16 connections, %ss each | Kura req/s | p50 | p99 | ceiling req/s | Kura / ceiling |%s\n| --- | ---: | ---: | ---: | ---: | ---: |%s\n' "$N" "$BACKEND" "$DURATION" "$GLANCE_HEAD" "$GLANCE_RULE"
for name in "${ORDER[@]}"; do
  read -r krps kp50 kp99 kerr < <(run "$BASE${ROUTES[$name]}")
  read -r crps _ _ _ < <(run "http://127.0.0.1:$CPORT${ROUTES[$name]}")
  ratio=$(python3 -c "print(f'{100*$krps/max($crps,1):.0f}%')")
  printf '| GET %s | %s | %s | %s | %s | %s |%s\n' "${ROUTES[$name]//$DEEP_MARKER/<deep marker>}" "$krps" "$kp50" "$kp99" "$crps" "$ratio" "$(glance_cols "$name" "$krps")"
done
read -r krps kp50 kp99 kerr < <(run "$BASE/v2/images" "$WRK_DIR/create.lua")
read -r crps _ _ _ < <(run "http://127.0.0.1:$CPORT/v2/images" "$WRK_DIR/create.lua")
printf '| POST /v2/images (create) | %s | %s | %s | %s | %s |%s\n' "$krps" "$kp50" "$kp99" "$crps" "$(python3 -c "print(f'{100*$krps/max($crps,1):.0f}%')")" "$(glance_cols create "$krps")"
read -r krps kp50 kp99 kerr < <(run "$BASE/" "$WRK_DIR/patch.lua")
printf '| PATCH /v2/images/{id} (random of 1,000) | %s | %s | %s | | (%s non-2xx) |\n' "$krps" "$kp50" "$kp99" "$kerr"
read -r krps kp50 kp99 kerr < <(wrk -t1 -c1 -d2s --latency -s "$WRK_DIR/delete.lua" "$BASE/" 2>&1 | awk '/^Requests\/sec/{r=$2} $1=="50%"{a=$2} $1=="99%"{b=$2} END{printf "%.0f %s %s 0\n", r, a, b}')
printf '| DELETE /v2/images/{id} (1 connection, 2 s) | %s | %s | %s | | |\n' "$krps" "$kp50" "$kp99"
t0=$(date +%s.%N)
python3 - "$BASE" "$TOKEN" "${PROJECTS[0]}" <<'PY'
import json, sys, urllib.request
base, token, owner = sys.argv[1:4]
url = f"/v2/images?owner={owner}&limit=1000"
while url:
    d = json.load(urllib.request.urlopen(urllib.request.Request(base + url, headers={"X-Auth-Token": token})))
    url = d.get("next")
PY
t1=$(date +%s.%N)
printf '| paging through one project'"'"'s %s+ images by marker, limit=1000 | %s s | | | | |\n' "$MINE" "$(python3 -c "print(f'{$t1-$t0:.2f}')")"
printf '| pages of 1,000 in the whole visible listing | %s | | | | |\n' "$PAGES"
printf '| Kura peak RSS (VmHWM) over the run | %s MB | | | | |\n' "$(awk '/VmHWM/{printf "%.0f", $2/1024}' "/proc/$KURA_PID/status")"
[ -n "$GLANCE_TSV" ] && printf '| Glance peak RSS (VmHWM, glance-api and its workers) | %s MB | | | | |\n' "$(awk -F'\t' '$1=="rss"{print $2}' "$GLANCE_TSV")"
[ -n "$UNCACHED" ] && printf '\n%s\n' "$UNCACHED"
exit 0
