#!/usr/bin/env bash
# Kura's metrics in a real Prometheus (issue 21): Debian's prometheus scrapes a Kura under load (wrk on two routes)
# every second with deploy/prometheus/kura-alerts.yml loaded, and its HTTP query API must return Kura's request
# rate and latency series; promtool checks the rules and deploy/prometheus/prometheus.yml; systemd-analyze checks
# deploy/systemd/kura.service where it runs. Prints "N passed, N failed".
set -uo pipefail
. "$(dirname "$0")/lib.sh"
apt_install prometheus prometheus || { echo "0 passed, 1 failed"; exit 1; }
apt_install wrk wrk || { echo "0 passed, 1 failed"; exit 1; }
DEPLOY="$KURA_ROOT/deploy"
PROM_DIR=$(mktemp -d /tmp/kura-prometheus.XXXXXX)
PROM_PID=""
trap '[ -n "$PROM_PID" ] && kill "$PROM_PID" 2>/dev/null; stop_kura; rm -rf "$PROM_DIR"' EXIT

if promtool check rules "$DEPLOY/prometheus/kura-alerts.yml" >"$PROM_DIR/rules.log" 2>&1; then
  ok "promtool check rules deploy/prometheus/kura-alerts.yml ($(grep -o '[0-9]* rules found' "$PROM_DIR/rules.log"))"
else
  fail "promtool check rules deploy/prometheus/kura-alerts.yml" "$(cat "$PROM_DIR/rules.log")"
fi
if (cd "$DEPLOY/prometheus" && promtool check config prometheus.yml) >"$PROM_DIR/config.log" 2>&1; then
  ok "promtool check config deploy/prometheus/prometheus.yml"
else
  fail "promtool check config deploy/prometheus/prometheus.yml" "$(cat "$PROM_DIR/config.log")"
fi
if command -v systemd-analyze >/dev/null 2>&1 && [ -x /usr/bin/dotnet ]; then
  # Only the unit's own findings count (the machine's other units may have theirs).
  findings=$(systemd-analyze verify "$DEPLOY/systemd/kura.service" 2>&1 | grep 'kura.service' || true)
  check "systemd-analyze verify deploy/systemd/kura.service" "" "$findings"
fi

start_kura --Logging:LogLevel:Default=Warning || { echo "$PASSED passed, $((FAILED+1)) failed"; exit 1; }
HOSTPORT=${BASE#http://}
PROM_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
PROM="http://127.0.0.1:$PROM_PORT"
# The operator's files with this Kura as the only target and a 1 s interval (the shipped one is 15 s).
cp "$DEPLOY/prometheus/kura-alerts.yml" "$PROM_DIR/"
sed -e 's/scrape_interval: 15s/scrape_interval: 1s/' -e 's/evaluation_interval: 15s/evaluation_interval: 1s/' \
  -e '/- kura-[12].example.net:9292/d' -e "s|      - targets:|      - targets: ['$HOSTPORT']|" \
  "$DEPLOY/prometheus/prometheus.yml" >"$PROM_DIR/prometheus.yml"
prometheus --config.file="$PROM_DIR/prometheus.yml" --storage.tsdb.path="$PROM_DIR/data" \
  --web.listen-address="127.0.0.1:$PROM_PORT" >"$PROM_DIR/prometheus.log" 2>&1 &
PROM_PID=$!

token=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' "$AUTH_URL/auth/tokens" \
  -d "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"admin\",\"domain\":{\"id\":\"default\"},\"password\":\"$ADMIN_PW\"}}},\"scope\":{\"project\":{\"name\":\"admin\",\"domain\":{\"id\":\"default\"}}}}}" \
  | awk -F': ' 'tolower($1)=="x-subject-token"{print $2}' | tr -d '\r')
[ -n "$token" ] || fail "a token from Kura's identity"
for i in 1 2 3; do
  curl -s -o /dev/null -H "X-Auth-Token: $token" -H 'Content-Type: application/json' "$BASE/v2/images" -d "{\"name\":\"prom-$i\"}"
done
# One upload, so the route selector of KuraUploadFailures can be checked against a real series.
uploaded=$(curl -s -H "X-Auth-Token: $token" -H 'Content-Type: application/json' "$BASE/v2/images" -d '{"name":"prom-up","disk_format":"raw","container_format":"bare"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
head -c 65536 /dev/urandom | curl -s -o /dev/null -X PUT -H "X-Auth-Token: $token" -H 'Content-Type: application/octet-stream' --data-binary @- "$BASE/v2/images/$uploaded/file"

# Load for 12 s: the image list and one image's 404, so two routes and two codes have a rate.
wrk -t2 -c8 -d12s -H "X-Auth-Token: $token" "$BASE/v2/images?limit=5" >"$PROM_DIR/wrk-list.log" 2>&1 &
WRK1=$!
wrk -t1 -c4 -d12s -H "X-Auth-Token: $token" "$BASE/v2/images/00000000-0000-0000-0000-000000000000" >"$PROM_DIR/wrk-404.log" 2>&1 &
WRK2=$!
wait $WRK1 $WRK2

# query EXPR: the JSON of Prometheus' instant query.
query() { curl -s --get "$PROM/api/v1/query" --data-urlencode "query=$1"; }
# value EXPR: the first sample's value, or empty.
value() { query "$1" | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")'; }

check "Prometheus scrapes Kura (up)" 1 "$(value 'up{job="kura"}')"
rate=$(value 'sum(rate(kura_http_requests_total{route="/v2/images",method="GET",code="200"}[10s]))')
if python3 -c "import sys; sys.exit(0 if float('${rate:-0}') > 10 else 1)"; then
  ok "the request rate of GET /v2/images under load ($(printf '%.0f' "$rate") requests/s)"
else
  fail "the request rate of GET /v2/images under load" "got [$rate]"
fi
rate404=$(value 'sum(rate(kura_http_requests_total{route="/v2/images/{imageId}",code="404"}[10s]))')
if python3 -c "import sys; sys.exit(0 if float('${rate404:-0}') > 1 else 1)"; then
  ok "the rate of 404s on /v2/images/{imageId} ($(printf '%.0f' "$rate404") requests/s)"
else
  fail "the rate of 404s on /v2/images/{imageId}" "got [$rate404]"
fi
p99=$(value 'histogram_quantile(0.99, sum by (le) (rate(kura_http_request_duration_seconds_bucket{route="/v2/images"}[10s])))')
if python3 -c "import sys; v=float('${p99:-nan}'); sys.exit(0 if 0 < v < 10 else 1)"; then
  ok "the p99 latency of GET /v2/images from the histogram ($(python3 -c "print(f'{float(\"$p99\")*1000:.1f}')") ms)"
else
  fail "the p99 latency of GET /v2/images from the histogram" "got [$p99]"
fi
check "kura_images counts the catalogue" "3 1" "$(value 'kura_images{status="queued"}') $(value 'kura_images{status="active"}')"
# The selector of KuraUploadFailures, taken from the rules file, finds the upload's series.
selector=$(grep -o 'kura_http_requests_total{method="PUT",route=~"[^"]*"' "$DEPLOY/prometheus/kura-alerts.yml")
check "the upload rule's selector matches uploads" "1" "$(value "count(${selector}})")"
check "kura_database_up" 1 "$(value 'kura_database_up')"
rules=$(curl -s "$PROM/api/v1/rules" | python3 -c '
import json,sys
rules=[r for g in json.load(sys.stdin)["data"]["groups"] for r in g["rules"]]
bad=[r["name"] for r in rules if r.get("health")!="ok"]
print(len(rules), ",".join(bad))')
check "Prometheus evaluates the alerting rules without error" "7 " "$rules"
firing=$(curl -s "$PROM/api/v1/alerts" | python3 -c 'import json,sys; print(",".join(sorted(a["labels"]["alertname"] for a in json.load(sys.stdin)["data"]["alerts"])))')
check "no alert fires on a healthy node" "" "$firing"

summary
