#!/usr/bin/env bash
# A/B of two Kura builds on one machine: both start (embedded SQLite, 50 images each), then wrk (2 threads,
# 16 connections) runs each route on one build and then the other, ROUNDS times, so drift of the machine hits both
# alike; a 1 s warm-up precedes every 5 s measurement. Used for issue 21 (metrics through OpenTelemetry must cost
# at most 5% on the hot routes). Usage: bench/ab.sh OLD_DLL NEW_DLL [ROUNDS] [ROUTES...]
# (routes: show list create; default all). Prints route, round, build and requests/s as TSV, then each build's mean
# over the rounds after the first (the first warms the JIT and the caches).
# Build an older revision with: git worktree add /tmp/kura-old REV && dotnet build /tmp/kura-old/src/Kura.Server -c Release
set -uo pipefail
OLD=${1:?usage: bench/ab.sh OLD_DLL NEW_DLL [ROUNDS] [ROUTES...]}
NEW=${2:?usage: bench/ab.sh OLD_DLL NEW_DLL [ROUNDS] [ROUTES...]}
ROUNDS=${3:-4}
shift $(( $# < 3 ? $# : 3 ))
ROUTES=(show list create)
[ $# -gt 0 ] && ROUTES=("$@")
command -v wrk >/dev/null || { echo "wrk is missing (apt-get install wrk)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/kura-ab.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
declare -A PORT TOK ID PID
for build in old new; do
  dll=$OLD; [ $build = new ] && dll=$NEW
  PORT[$build]=$(free_port)
  mkdir -p "$WORK/$build"
  KURA_DATA_DIR="$WORK/$build" KURA_ADMIN_PASSWORD=ab-pw dotnet "$dll" --urls "http://127.0.0.1:${PORT[$build]}" --Logging:LogLevel:Default=Warning >"$WORK/$build/log" 2>&1 &
  PID[$build]=$!
done
trap 'kill ${PID[old]} ${PID[new]} 2>/dev/null; rm -rf "$WORK"' EXIT
for build in old new; do
  base="http://127.0.0.1:${PORT[$build]}"
  for _ in $(seq 1 100); do curl -fs "$base/healthcheck" >/dev/null 2>&1 && break; sleep 0.1; done
  TOK[$build]=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' "$base/identity/v3/auth/tokens" \
    -d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"id":"default"},"password":"ab-pw"}}},"scope":{"project":{"name":"admin","domain":{"id":"default"}}}}}' \
    | awk -F': ' 'tolower($1)=="x-subject-token"{print $2}' | tr -d '\r')
  for i in $(seq 1 50); do
    curl -s -o /dev/null -H "X-Auth-Token: ${TOK[$build]}" -H 'Content-Type: application/json' "$base/v2/images" -d "{\"name\":\"ab-$i\"}"
  done
  ID[$build]=$(curl -s -H "X-Auth-Token: ${TOK[$build]}" "$base/v2/images?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["images"][0]["id"])')
  printf 'wrk.method = "POST"\nwrk.body = %s\nwrk.headers["Content-Type"] = "application/json"\n' "'{\"name\":\"bench\"}'" >"$WORK/$build/create.lua"
done
# rps BUILD PATH SECONDS [LUA]
rps() {
  wrk -t2 -c16 -d"$3"s -H "X-Auth-Token: ${TOK[$1]}" ${4:+-s "$4"} "http://127.0.0.1:${PORT[$1]}$2" | awk '/Requests\/sec/{print $2}'
}
: >"$WORK/results.tsv"
for route in "${ROUTES[@]}"; do
  for round in $(seq 1 "$ROUNDS"); do
    for build in old new; do
      lua=""
      case $route in
        show) path="/v2/images/${ID[$build]}" ;;
        list) path="/v2/images?limit=25" ;;
        create) path="/v2/images"; lua="$WORK/$build/create.lua" ;;
        *) echo "unknown route $route" >&2; exit 1 ;;
      esac
      rps "$build" "$path" 1 "$lua" >/dev/null
      printf '%s\t%s\t%s\t%s\n' "$route" "$round" "$build" "$(rps "$build" "$path" 5 "$lua")" | tee -a "$WORK/results.tsv"
    done
  done
done
echo
awk -F'\t' '$2 > 1 { s[$1 FS $3] += $4; n[$1 FS $3]++ }
  END { for (k in s) m[k] = s[k] / n[k];
        for (k in m) { split(k, p, FS); if (p[2] == "old") printf "%s\told %.0f\tnew %.0f\tnew/old %.1f%%\n", p[1], m[k], m[p[1] FS "new"], 100 * m[p[1] FS "new"] / m[k] } }' "$WORK/results.tsv"
