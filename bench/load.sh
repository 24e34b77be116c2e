#!/usr/bin/env bash
# Mixed-workload load test (issue: reliability under load). Starts Kura on its embedded default, seeds 2,000 images,
# then drives it with wrk for SECONDS (default 600) at CONNECTIONS (default 64) on loopback: 50% list pages, 25%
# shows, 10% creates, 10% PATCHes, 5% deletes of images this run created. Samples Kura's RSS every 10 s.
# Checks: zero 5xx, zero socket errors, zero unexpected answers, and (runs of 5 minutes or more) RSS flat from minute 2
# to the end (less than 15% growth). Prints a summary table and ends with "N passed, N failed".
# Usage: bench/load.sh [SECONDS] [CONNECTIONS]
set -uo pipefail
cd "$(dirname "$0")/.."
. conformance/lib.sh
. bench/lib.sh
DURATION=${1:-600}
CONNECTIONS=${2:-64}
command -v wrk >/dev/null || apt_install wrk wrk
trap 'stop_kura' EXIT
start_kura --Logging:LogLevel:Default=Warning --Identity:AuthAttemptsPerMinute=0 || { echo "0 passed, 1 failed"; exit 1; }

TOKEN=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' "$BASE/identity/v3/auth/tokens" \
  -d "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"admin\",\"domain\":{\"id\":\"default\"},\"password\":\"$ADMIN_PW\"}}},\"scope\":{\"project\":{\"name\":\"admin\",\"domain\":{\"id\":\"default\"}}}}}" \
  | awk -F': ' 'tolower($1)=="x-subject-token"{print $2}' | tr -d '\r')
PROJECT=$(curl -s -H "X-Auth-Token: $TOKEN" "$BASE/identity/v3/projects?name=admin" | python3 -c 'import json,sys; print(json.load(sys.stdin)["projects"][0]["id"])')
python3 bench/seed.py "$WORK/data/kura.db" 2000 "$PROJECT" >/dev/null
curl -s -H "X-Auth-Token: $TOKEN" "$BASE/v2/images?limit=1000" | python3 -c 'import json,sys; print("\n".join(i["id"] for i in json.load(sys.stdin)["images"]))' >"$WORK/ids.txt"

{ lua_load_ids "$WORK/ids.txt"; cat <<LUA; } >"$WORK/mix.lua"
local threads = {}
function setup(thread) table.insert(threads, thread) end
local mine, n = {}, 0
counts = { s2 = 0, s4 = 0, s5 = 0, other = 0 }
local hdr = { ["X-Auth-Token"] = "$TOKEN" }
local json = { ["X-Auth-Token"] = "$TOKEN", ["Content-Type"] = "application/json" }
local patch = { ["X-Auth-Token"] = "$TOKEN", ["Content-Type"] = "application/openstack-images-v2.1-json-patch" }
request = function()
  n = n + 1
  local r = n % 20
  if r < 10 then return wrk.format("GET", "/v2/images?limit=25", hdr) end
  if r < 15 then return wrk.format("GET", "/v2/images/" .. ids[math.random(#ids)], hdr) end
  if r < 17 then return wrk.format("POST", "/v2/images", json, '{"name": "load", "disk_format": "raw", "container_format": "bare"}') end
  if r < 19 then
    return wrk.format("PATCH", "/v2/images/" .. ids[math.random(#ids)], patch, '[{"op": "add", "path": "/load_counter", "value": "' .. n .. '"}]')
  end
  if #mine > 0 then return wrk.format("DELETE", "/v2/images/" .. table.remove(mine), hdr) end
  return wrk.format("GET", "/v2/images?limit=25", hdr)
end
response = function(status, headers, body)
  if status >= 500 then counts.s5 = counts.s5 + 1
  elseif status >= 400 then counts.s4 = counts.s4 + 1
  elseif status >= 200 and status < 300 then counts.s2 = counts.s2 + 1
  else counts.other = counts.other + 1 end
  if status == 201 then
    local id = string.match(body, '"id": ?"([0-9a-f%-]+)"')
    if id then mine[#mine + 1] = id end
  end
end
done = function(summary, latency, requests)
  local s2, s4, s5, other = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    local c = t:get("counts")
    s2, s4, s5, other = s2 + c.s2, s4 + c.s4, s5 + c.s5, other + c.other
  end
  local e = summary.errors
  io.write(string.format("RESULT requests=%d duration_s=%.1f rps=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.1f s2xx=%d s4xx=%d s5xx=%d other=%d socket_errors=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, s2, s4, s5, other, e.connect + e.read + e.write + e.timeout + e.status))
end
LUA

( while kill -0 "$KURA_PID" 2>/dev/null; do
    printf '%s %s\n' "$(date +%s)" "$(awk '/VmRSS/{print $2}' /proc/$KURA_PID/status 2>/dev/null)"; sleep 10
  done ) >"$WORK/rss.log" &
SAMPLER=$!
START=$(date +%s)
wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 30s -s "$WORK/mix.lua" "$BASE/" >"$WORK/wrk.log" 2>&1
kill "$SAMPLER" 2>/dev/null
RESULT=$(grep '^RESULT' "$WORK/wrk.log")
[ -n "$RESULT" ] || { cat "$WORK/wrk.log"; echo "0 passed, 1 failed"; exit 1; }
eval "$(sed 's/^RESULT //' <<<"$RESULT")"
read -r RSS2 RSSEND RSSMAX < <(awk -v s="$START" '{t=$1-s; if (t>=120 && !a) a=$2; last=$2; if ($2>m) m=$2} END{printf "%d %d %d\n", a/1024, last/1024, m/1024}' "$WORK/rss.log")

echo "| load: ${DURATION}s, ${CONNECTIONS} connections, wrk 2 threads, mixed workload | |"
echo "| --- | ---: |"
echo "| requests (per second) | $requests ($rps/s) |"
echo "| latency p50 / p99 / max | ${p50_ms} ms / ${p99_ms} ms / ${max_ms} ms |"
echo "| 2xx / 4xx / 5xx / other / socket errors | $s2xx / $s4xx / $s5xx / $other / $socket_errors |"
echo "| Kura RSS at minute 2 / at the end / peak | ${RSS2} MB / ${RSSEND} MB / ${RSSMAX} MB |"
check "no 5xx under load" 0 "$s5xx"
check "no socket errors or timeouts" 0 "$socket_errors"
check "no unexpected 4xx or other answers" 0 "$((s4xx + other))"
if [ "$DURATION" -ge 300 ]; then
  if [ "$RSSEND" -le $((RSS2 * 115 / 100)) ]; then ok "RSS flat from minute 2 to the end (${RSS2} -> ${RSSEND} MB)"; else fail "RSS grew from ${RSS2} to ${RSSEND} MB"; fi
fi
summary
