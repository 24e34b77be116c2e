#!/usr/bin/env bash
# Object-store benchmark: upload and download one image through Kura with its data in Swift (Blobs:Type=Swift) and
# through S3 (Blobs:Type=S3, Swift's s3api), next to the same transfer done directly against Swift with curl, all
# in the same run against a throw-away Swift all-in-one on loopback (scripts/swift.sh, proxy port BENCH_SWIFT_PORT,
# default 58280). Kura runs with its defaults (1 GiB Swift segments, 16 MiB S3 parts).
# Usage: bench/object-store.sh [SIZE_MIB]   (default 2048). Prints a Markdown table for docs/PERFORMANCE.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. conformance/lib.sh
SIZE_MIB=${1:-2048}
BYTES=$((SIZE_MIB << 20))
command -v curl >/dev/null || { echo "needs curl"; exit 1; }

dotnet build src/Kura.Server -c Release -v q -nologo >/dev/null
export KURA_NO_BUILD=1
export KURA_SWIFT_STATE=/tmp/kura-swift-bench.dir
SRCDIR=$(mktemp -d /tmp/kura-bench-os.XXXXXX)
trap 'stop_kura; bash scripts/swift.sh stop >/dev/null 2>&1; rm -rf "$SRCDIR"' EXIT
while IFS= read -r line; do export "$line"; done < <(bash scripts/swift.sh start "${BENCH_SWIFT_PORT:-58280}")
SRC="$SRCDIR/source.img"
echo "preparing a ${SIZE_MIB} MiB source file..." >&2
head -c "$BYTES" /dev/urandom >"$SRC"
MD5=$(md5sum <"$SRC" | cut -d' ' -f1)

mbps() { python3 -c "print(f'{$BYTES / 1048576 / $1:.0f}')"; }

# --- directly against Swift with curl: one streamed PUT (chunked, no length: what a proxy of unknown size does) ---
SWIFT_TOKEN=$(curl -s -D - -o /dev/null -H "X-Auth-User: $KURA_TEST_SWIFT_USER" -H "X-Auth-Key: $KURA_TEST_SWIFT_KEY" "$KURA_TEST_SWIFT_AUTH_URL" | awk -F': ' 'tolower($1)=="x-auth-token"{print $2}' | tr -d '\r')
STORAGE=$(curl -s -D - -o /dev/null -H "X-Auth-User: $KURA_TEST_SWIFT_USER" -H "X-Auth-Key: $KURA_TEST_SWIFT_KEY" "$KURA_TEST_SWIFT_AUTH_URL" | awk -F': ' 'tolower($1)=="x-storage-url"{print $2}' | tr -d '\r')
curl -fs -X PUT -H "X-Auth-Token: $SWIFT_TOKEN" "$STORAGE/bench" -o /dev/null
T=$(curl -fs -o /dev/null -w '%{time_total}' -X PUT -H "X-Auth-Token: $SWIFT_TOKEN" -H 'Transfer-Encoding: chunked' -T "$SRC" "$STORAGE/bench/direct")
DIRECT_UP=$(mbps "$T")
T=$(curl -fs -o /dev/null -w '%{time_total}' -H "X-Auth-Token: $SWIFT_TOKEN" "$STORAGE/bench/direct")
DIRECT_DOWN=$(mbps "$T")
curl -fs -X DELETE -H "X-Auth-Token: $SWIFT_TOKEN" "$STORAGE/bench/direct" -o /dev/null

# --- through Kura, one backend at a time ---
declare -A UP DOWN RSS
for backend in Swift S3; do
  KURA_CONFORMANCE_BLOBS=$backend start_kura --Logging:LogLevel:Default=Warning
  TOKEN=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' "$BASE/identity/v3/auth/tokens" -d "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"admin\",\"domain\":{\"id\":\"default\"},\"password\":\"$ADMIN_PW\"}}},\"scope\":{\"project\":{\"name\":\"admin\",\"domain\":{\"id\":\"default\"}}}}}" | awk -F': ' 'tolower($1)=="x-subject-token"{print $2}' | tr -d '\r')
  ID=$(curl -s -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' "$BASE/v2/images" -d '{"name":"bench","disk_format":"raw","container_format":"bare"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  T=$(curl -s -o /dev/null -w '%{time_total}' -X PUT -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/octet-stream' -T "$SRC" "$BASE/v2/images/$ID/file")
  UP[$backend]=$(mbps "$T")
  CHECK=$(curl -s -H "X-Auth-Token: $TOKEN" "$BASE/v2/images/$ID" | python3 -c 'import json,sys; print(json.load(sys.stdin)["checksum"])')
  [ "$CHECK" == "$MD5" ] || { echo "checksum mismatch on $backend"; exit 1; }
  T=$(curl -s -o "$SRCDIR/back.img" -w '%{time_total}' -H "X-Auth-Token: $TOKEN" "$BASE/v2/images/$ID/file")
  DOWN[$backend]=$(mbps "$T")
  [ "$(md5sum <"$SRCDIR/back.img" | cut -d' ' -f1)" == "$MD5" ] || { echo "download differs on $backend"; exit 1; }
  rm -f "$SRCDIR/back.img"
  RSS[$backend]=$(awk '/VmHWM/{printf "%.0f", $2/1024}' "/proc/$KURA_PID/status")
  curl -s -o /dev/null -X DELETE -H "X-Auth-Token: $TOKEN" "$BASE/v2/images/$ID"
  stop_kura
  KURA_PID=
done

pct() { python3 -c "print(f'{100 * $1 / $2:.0f}%')"; }
cat <<TABLE
| ${SIZE_MIB} MiB image, one run on $(nproc) cores, Swift AIO on loopback | upload MB/s | download MB/s | Kura peak RSS |
| --- | ---: | ---: | ---: |
| curl directly against Swift (one chunked PUT / one GET) | $DIRECT_UP | $DIRECT_DOWN | |
| **Kura, Blobs:Type=Swift** (1 GiB segments, static large object) | ${UP[Swift]} ($(pct "${UP[Swift]}" "$DIRECT_UP") of direct) | ${DOWN[Swift]} ($(pct "${DOWN[Swift]}" "$DIRECT_DOWN")) | ${RSS[Swift]} MB |
| **Kura, Blobs:Type=S3** (s3api, 16 MiB parts, SigV4 payload hashing) | ${UP[S3]} ($(pct "${UP[S3]}" "$DIRECT_UP")) | ${DOWN[S3]} ($(pct "${DOWN[S3]}" "$DIRECT_DOWN")) | ${RSS[S3]} MB |
TABLE
