#!/usr/bin/env bash
# Runs every test suite of Kura from a clean checkout and ends with one line "N passed, N failed, N skipped".
# Suites: format check; xunit (unit, HTTP integration, store conformance on SQLite and PostgreSQL, blob-store
# conformance on the file system, Swift and S3, multi-node on PostgreSQL and on PostgreSQL with Swift, reliability);
# the HTTP integration suite again with PostgreSQL as the metadata backend; the dashboard's HTTP and browser tests;
# the openstack CLI scenario (also with image data in Swift and through S3) and the glance CLI scenario; Tempest's
# image tests on SQLite and on PostgreSQL; the openstack CLI scenario and Tempest again with Kura behind a real
# Keystone; service tokens through keystoneauth's wrapper on both identities; Kura's metrics in a real Prometheus with
# the alerting rules of deploy/ (conformance/prometheus.sh); a 30-second mixed load test at 64
# connections; 15 seconds of afl-fuzz on each parser target (scripts/fuzz.sh). Installs what the suites need from Debian's packages (run as root, as CI does), starts a throw-away
# PostgreSQL 15 (scripts/postgres.sh), a Swift 2.30 all-in-one with tempauth and s3api (scripts/swift.sh) and a
# Keystone 22 (scripts/keystone.sh) on loopback, and builds in Release.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

need=()
command -v openstack >/dev/null 2>&1 || need+=(python3-openstackclient)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v tempest >/dev/null 2>&1 || need+=(tempest)
command -v glance >/dev/null 2>&1 || need+=(python3-glanceclient)
command -v qemu-img >/dev/null 2>&1 || need+=(qemu-utils)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
# conformance/prometheus.sh: a real Prometheus scrapes Kura; promtool checks deploy/prometheus.
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
# The fuzzers (scripts/fuzz.sh): afl-fuzz, and xorriso for an ISO seed.
command -v afl-fuzz >/dev/null 2>&1 || need+=(afl++)
command -v xorriso >/dev/null 2>&1 || need+=(xorriso)
# The dashboard's browser tests drive Debian's Chromium through Playwright (Playwright's own download does not work
# here); a Japanese font makes the Japanese screenshots readable.
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -e /usr/share/fonts/opentype/ipafont-gothic ] || need+=(fonts-ipafont-gothic)
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing ${need[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null && apt-get install -y -q "${need[@]}" >/dev/null || { echo "apt-get failed"; echo "0 passed, 1 failed"; exit 1; }
fi

passed=0; failed=0; skipped=0
LOGS=$(mktemp -d /tmp/kura-tests.XXXXXX)

echo "== PostgreSQL 15 on loopback (scripts/postgres.sh)"
if ! pg_env=$(bash scripts/postgres.sh start 55432 2>"$LOGS/postgres.log"); then
  cat "$LOGS/postgres.log"; echo "0 passed, 1 failed"; exit 1
fi
export "$pg_env"
export KURA_TEST_POSTGRES_RESTART="bash $ROOT/scripts/postgres.sh restart"
trap 'bash "$ROOT/scripts/postgres.sh" stop >/dev/null 2>&1' EXIT

echo "== Swift 2.30 all-in-one on loopback, tempauth and s3api (scripts/swift.sh)"
if ! swift_env=$(bash scripts/swift.sh start 58080 2>"$LOGS/swift.log"); then
  cat "$LOGS/swift.log"; echo "0 passed, 1 failed"; exit 1
fi
while IFS= read -r line; do export "$line"; done <<<"$swift_env"
export KURA_TEST_SWIFT_CONTROL="bash $ROOT/scripts/swift.sh"
trap 'bash "$ROOT/scripts/swift.sh" stop >/dev/null 2>&1; bash "$ROOT/scripts/postgres.sh" stop >/dev/null 2>&1' EXIT

echo "== Keystone 22 on loopback, uwsgi and SQLite (scripts/keystone.sh)"
if ! keystone_env=$(bash scripts/keystone.sh start 55000 2>"$LOGS/keystone.log"); then
  cat "$LOGS/keystone.log"; echo "0 passed, 1 failed"; exit 1
fi
while IFS= read -r line; do export "$line"; done <<<"$keystone_env"
export KURA_TEST_KEYSTONE_CONTROL="bash $ROOT/scripts/keystone.sh"
trap 'bash "$ROOT/scripts/keystone.sh" stop >/dev/null 2>&1; bash "$ROOT/scripts/swift.sh" stop >/dev/null 2>&1; bash "$ROOT/scripts/postgres.sh" stop >/dev/null 2>&1' EXIT

echo "== build (Release, warnings are errors)"
if ! dotnet build Kura.sln -c Release -nologo -v q >"$LOGS/build.log" 2>&1; then
  cat "$LOGS/build.log"
  echo "0 passed, 1 failed"
  exit 1
fi

echo "== format check"
if dotnet format Kura.sln --verify-no-changes --no-restore >"$LOGS/format.log" 2>&1; then
  passed=$((passed+1)); echo "ok   - dotnet format --verify-no-changes"
else
  failed=$((failed+1)); echo "FAIL - dotnet format --verify-no-changes"; tail -20 "$LOGS/format.log"
fi

# xunit NAME [ARGS...]: runs an xunit project (KURA_XUNIT_PROJECT, default tests/Kura.Tests) with dotnet test ARGS
# and adds its counts.
xunit() {
  local name=$1; shift
  dotnet test "${KURA_XUNIT_PROJECT:-tests/Kura.Tests}" -c Release --no-build -nologo "$@" >"$LOGS/$name.log" 2>&1
  grep -E '^\s+(Failed|Skipped) ' "$LOGS/$name.log" | head -50
  local summary f p s
  summary=$(grep -E '(Passed|Failed)!  - Failed:' "$LOGS/$name.log" | tail -1)
  echo "$name: $summary"
  if [ -z "$summary" ]; then
    tail -40 "$LOGS/$name.log"; failed=$((failed+1))
  else
    f=$(sed -E 's/.*Failed: *([0-9]+).*/\1/' <<<"$summary")
    p=$(sed -E 's/.*Passed: *([0-9]+).*/\1/' <<<"$summary")
    s=$(sed -E 's/.*Skipped: *([0-9]+).*/\1/' <<<"$summary")
    passed=$((passed+p)); failed=$((failed+f)); skipped=$((skipped+s))
  fi
}

echo "== xunit: tests/Kura.Tests (unit, HTTP integration on SQLite, store conformance on every backend, multi-node)"
xunit xunit
echo "== xunit: the HTTP integration suite with PostgreSQL as the metadata backend"
KURA_TEST_DATABASE=Postgres xunit xunit-postgres --filter 'FullyQualifiedName~Kura.Tests.Api|FullyQualifiedName~Kura.Tests.Providers|FullyQualifiedName~Kura.Tests.Storage.RecoveryTests'
echo "== xunit: tests/Kura.Dashboard.Tests (the dashboard over HTTP, and end to end in headless Chromium; screenshots in artifacts/screenshots/)"
KURA_XUNIT_PROJECT=tests/Kura.Dashboard.Tests xunit xunit-dashboard

# conformance NAME SCRIPT: runs a conformance script and adds its closing "N passed, N failed[, N skipped]".
conformance() {
  echo "== $1 ($2)"
  KURA_NO_BUILD=1 bash "$2" >"$LOGS/$1.log" 2>&1
  grep -E '^(FAIL|skip) |^       ' "$LOGS/$1.log"
  local line
  line=$(tail -1 "$LOGS/$1.log")
  echo "$1: $line"
  if [[ "$line" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)? ]]; then
    passed=$((passed+BASH_REMATCH[1])); failed=$((failed+BASH_REMATCH[2])); skipped=$((skipped+${BASH_REMATCH[4]:-0}))
  else
    tail -40 "$LOGS/$1.log"; failed=$((failed+1))
  fi
}

conformance openstack-cli conformance/openstack-cli.sh
KURA_CONFORMANCE_BLOBS=Swift conformance openstack-cli-swift conformance/openstack-cli.sh
KURA_CONFORMANCE_BLOBS=S3 conformance openstack-cli-s3 conformance/openstack-cli.sh
conformance glance-cli conformance/glance-cli.sh
conformance identity-cli conformance/identity-cli.sh
KURA_CONFORMANCE_DATABASE=Postgres conformance identity-cli-postgres conformance/identity-cli.sh
conformance tempest conformance/tempest.sh
KURA_CONFORMANCE_DATABASE=Postgres conformance tempest-postgres conformance/tempest.sh
KURA_CONFORMANCE_IDENTITY=Keystone conformance openstack-cli-keystone conformance/openstack-cli.sh
KURA_CONFORMANCE_IDENTITY=Keystone conformance tempest-keystone conformance/tempest.sh
conformance service-token conformance/service-token.sh
conformance prometheus conformance/prometheus.sh
conformance load conformance/load.sh
KURA_FUZZ_SECONDS=15 conformance fuzz scripts/fuzz.sh
conformance allocations bench/allocations.sh

echo "(logs in $LOGS)"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
