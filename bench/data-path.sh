#!/usr/bin/env bash
# Data-path benchmark: upload and download one image through Kura on loopback and, in the same run, the
# machine's own limits (disk write with fsync, MD5 and SHA-512 on one core, reading the stored file back).
# Usage: bench/data-path.sh [SIZE_MIB]   (default 2048). Prints a Markdown table for docs/PERFORMANCE.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. conformance/lib.sh
SIZE_MIB=${1:-2048}
command -v curl >/dev/null && command -v openssl >/dev/null || { echo "needs curl and openssl"; exit 1; }

dotnet build src/Kura.Server -c Release -v q -nologo >/dev/null
export KURA_NO_BUILD=1
trap stop_kura EXIT
start_kura --Logging:LogLevel:Default=Warning
SRC="$WORK/source.img"
echo "preparing a ${SIZE_MIB} MiB source file..." >&2
head -c $((SIZE_MIB << 20)) /dev/urandom >"$SRC"

mbps() { python3 -c "print(f'{$1 / 1048576 / $2:.0f}')"; }

# --- the machine's limits, same disk, same run ---
sync
t0=$(date +%s.%N); dd if=/dev/zero of="$WORK/dd.tmp" bs=1M count="$SIZE_MIB" conv=fsync status=none; t1=$(date +%s.%N)
DISK=$(mbps $((SIZE_MIB << 20)) "$(echo "$t1 - $t0" | bc)"); rm -f "$WORK/dd.tmp"
read -r MD5 SHA512 < <(openssl speed -seconds 3 -bytes 1048576 md5 sha512 2>/dev/null | awk '/^md5 /{m=$2} /^sha512 /{s=$2} END{sub("k","",m); sub("k","",s); printf "%.0f %.0f\n", m*1000/1048576, s*1000/1048576}')
SLOWER_HASH=$(( MD5 < SHA512 ? MD5 : SHA512 ))
# Both hashes over the same bytes at once, one process each: what this machine's cores can hash in parallel.
t0=$(date +%s.%N); openssl dgst -md5 "$SRC" >/dev/null & MD5_PID=$!; openssl dgst -sha512 "$SRC" >/dev/null; wait "$MD5_PID"; t1=$(date +%s.%N)
BOTH=$(mbps $((SIZE_MIB << 20)) "$(echo "$t1 - $t0" | bc)")
UPLOAD_LIMIT=$(( DISK < SLOWER_HASH ? DISK : SLOWER_HASH ))

# --- through Kura ---
TOKEN=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' "$BASE/identity/v3/auth/tokens" -d "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"admin\",\"domain\":{\"id\":\"default\"},\"password\":\"$ADMIN_PW\"}}},\"scope\":{\"project\":{\"name\":\"admin\",\"domain\":{\"id\":\"default\"}}}}}" | awk -F': ' 'tolower($1)=="x-subject-token"{print $2}' | tr -d '\r')
ID=$(curl -s -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' "$BASE/v2/images" -d '{"name":"bench","disk_format":"raw","container_format":"bare"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
UP=$(curl -s -o /dev/null -w '%{time_total}' -X PUT -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/octet-stream' -T "$SRC" "$BASE/v2/images/$ID/file")
UP_MBPS=$(mbps $((SIZE_MIB << 20)) "$UP")
# Reads are measured cold when this machine lets us drop the page cache (root), warm otherwise.
cold() { sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null && CACHE=cold || CACHE=warm; }
cold; t0=$(date +%s.%N); cat "$WORK/data/blobs/images/$ID" >/dev/null; t1=$(date +%s.%N)
READ=$(mbps $((SIZE_MIB << 20)) "$(echo "$t1 - $t0" | bc)")
cold
DOWN=$(curl -s -o /dev/null -w '%{time_total}' -H "X-Auth-Token: $TOKEN" "$BASE/v2/images/$ID/file")
DOWN_MBPS=$(mbps $((SIZE_MIB << 20)) "$DOWN")
RSS_MB=$(awk '/VmHWM/{printf "%.0f", $2/1024}' "/proc/$KURA_PID/status")
CHECK=$(curl -s -H "X-Auth-Token: $TOKEN" "$BASE/v2/images/$ID" | python3 -c 'import json,sys; print(json.load(sys.stdin)["checksum"])')
[ "$CHECK" == "$(md5sum <"$SRC" | cut -d' ' -f1)" ] || { echo "checksum mismatch"; exit 1; }

pct() { python3 -c "print(f'{100 * $1 / $2:.0f}%')"; }
cat <<TABLE
| ${SIZE_MIB} MiB image, one run on $(nproc) cores | MB/s | ratio |
| --- | ---: | ---: |
| disk write with fsync (dd, same disk) | $DISK | |
| MD5 on one core (openssl speed) | $MD5 | |
| SHA-512 on one core (openssl speed) | $SHA512 | |
| upload limit = min(disk, slower hash) | $UPLOAD_LIMIT | |
| MD5 and SHA-512 at once, one process each (openssl dgst ∥ openssl dgst) | $BOTH | |
| **Kura upload** (curl -T, Content-Length, client on the same machine) | $UP_MBPS | $(pct "$UP_MBPS" "$UPLOAD_LIMIT") of the limit, $(pct "$UP_MBPS" "$BOTH") of both hashes at once |
| reading the stored file back (cat, $CACHE page cache) | $READ | |
| **Kura download** (curl to /dev/null, $CACHE page cache) | $DOWN_MBPS | $(pct "$DOWN_MBPS" "$READ") of the read |
| Kura peak RSS (VmHWM) | ${RSS_MB} MB | |
TABLE
