# Shared by the conformance scripts: build Kura once and start it on a free loopback port with a temporary
# data directory, on SQLite or, with KURA_CONFORMANCE_DATABASE=Postgres, on a new database of the server that
# scripts/postgres.sh started; image data in the local data directory or, with KURA_CONFORMANCE_BLOBS=Swift or S3, in a
# new container of the Swift server scripts/swift.sh started (KURA_TEST_SWIFT_* / KURA_TEST_S3_*); tokens from Kura's own
# identity or, with KURA_CONFORMANCE_IDENTITY=Keystone, from the Keystone scripts/keystone.sh started (KURA_TEST_KEYSTONE_*),
# whose catalog then names this Kura as the image endpoint (token cache KURA_CONFORMANCE_TOKEN_CACHE, 300 s).
# After start_kura: $WORK, $BASE, $AUTH_URL (the identity v3 URL clients use), $ADMIN_PW (the admin of the project
# "admin" there) and $KURA_PID are set; stop_kura ends it and cleans up.
# Source it; it defines functions only.

KURA_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

start_kura() {
  WORK=$(mktemp -d /tmp/kura-conformance.XXXXXX)
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  BASE="http://127.0.0.1:$port"
  ADMIN_PW="admin-$RANDOM$RANDOM"
  local dll="$KURA_ROOT/src/Kura.Server/bin/Release/net10.0/Kura.Server.dll"
  if [ ! -f "$dll" ] || [ -z "${KURA_NO_BUILD:-}" ]; then
    dotnet build "$KURA_ROOT/src/Kura.Server" -c Release -v q -nologo >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; return 1; }
  fi
  local db=()
  if [ "${KURA_CONFORMANCE_DATABASE:-Sqlite}" = Postgres ]; then
    local cs
    cs=$(bash "$KURA_ROOT/scripts/postgres.sh" createdb "kura_conformance_$port") || return 1
    db=(--Database:Type=Postgres "--Database:ConnectionString=$cs")
  fi
  local blobs=()
  case "${KURA_CONFORMANCE_BLOBS:-FileSystem}" in
  Swift)
    blobs=(--Blobs:Type=Swift "--Blobs:Swift:AuthUrl=${KURA_TEST_SWIFT_AUTH_URL:?KURA_TEST_SWIFT_AUTH_URL is not set: run scripts/swift.sh start}"
      "--Blobs:Swift:User=$KURA_TEST_SWIFT_USER" "--Blobs:Swift:Key=$KURA_TEST_SWIFT_KEY" "--Blobs:Swift:Container=kura-conformance-$port")
    ;;
  S3)
    blobs=(--Blobs:Type=S3 "--Blobs:S3:ServiceUrl=${KURA_TEST_S3_ENDPOINT:?KURA_TEST_S3_ENDPOINT is not set: run scripts/swift.sh start}"
      "--Blobs:S3:AccessKey=$KURA_TEST_S3_ACCESS_KEY" "--Blobs:S3:SecretKey=$KURA_TEST_S3_SECRET_KEY" "--Blobs:S3:Region=$KURA_TEST_S3_REGION"
      "--Blobs:S3:Bucket=kura-conformance-$port")
    ;;
  esac
  local identity=()
  AUTH_URL="$BASE/identity/v3"
  if [ "${KURA_CONFORMANCE_IDENTITY:-Embedded}" = Keystone ]; then
    identity=(--Identity:Type=Keystone "--Identity:Keystone:AuthUrl=${KURA_TEST_KEYSTONE_URL:?KURA_TEST_KEYSTONE_URL is not set: run scripts/keystone.sh start}"
      "--Identity:Keystone:Username=$KURA_TEST_KEYSTONE_SERVICE_USER" "--Identity:Keystone:Password=$KURA_TEST_KEYSTONE_SERVICE_PASSWORD"
      "--Identity:Keystone:ProjectName=$KURA_TEST_KEYSTONE_SERVICE_PROJECT" "--Identity:Keystone:TokenCacheTime=${KURA_CONFORMANCE_TOKEN_CACHE:-00:05:00}")
    AUTH_URL=$KURA_TEST_KEYSTONE_URL
    bash "$KURA_ROOT/scripts/keystone.sh" register-image "$BASE" || return 1
  fi
  KURA_DATA_DIR="$WORK/data" KURA_ADMIN_PASSWORD="$ADMIN_PW" dotnet "$dll" --urls "$BASE" "${db[@]}" "${blobs[@]}" "${identity[@]}" "$@" >"$WORK/kura.log" 2>&1 &
  KURA_PID=$!
  [ ${#identity[@]} -eq 0 ] || ADMIN_PW=$KURA_TEST_KEYSTONE_ADMIN_PASSWORD
  for _ in $(seq 1 150); do curl -fs "$BASE/healthz" >/dev/null 2>&1 && return 0; sleep 0.2; done
  cat "$WORK/kura.log"
  return 1
}

stop_kura() {
  if [ -n "${KURA_PID:-}" ]; then
    kill "$KURA_PID" 2>/dev/null
    wait "$KURA_PID" 2>/dev/null
  fi
  [ -n "${KEEP_WORK:-}" ] || rm -rf "${WORK:-/nonexistent}"
}

# apt_install PACKAGE COMMAND: installs a Debian package when its command is missing (CI runs as root).
apt_install() {
  command -v "$2" >/dev/null 2>&1 && return 0
  echo "installing $1 from Debian..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null && apt-get install -y -q "$1" >/dev/null
}

# Tallies for the scenario scripts: ok NAME, fail NAME [DETAIL], check NAME EXPECTED ACTUAL, then summary.
PASSED=0
FAILED=0
ok()   { PASSED=$((PASSED+1)); echo "ok   - $1"; }
fail() { FAILED=$((FAILED+1)); echo "FAIL - $1"; [ $# -gt 1 ] && echo "       $2"; return 0; }
check() {
  if [ "$2" == "$3" ]; then ok "$1"; else fail "$1" "expected [$2], got [$3]"; fi
}
summary() {
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}
