#!/usr/bin/env bash
# Runs every test suite of Kura from a clean checkout and ends with one line "N passed, N failed, N skipped".
# Suites: format check, xunit (unit + HTTP integration), the openstack and glance CLI scenarios, Tempest's image tests.
# Installs what the suites need from Debian's packages (run as root, as CI does) and builds in Release.
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
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing ${need[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null && apt-get install -y -q "${need[@]}" >/dev/null || { echo "apt-get failed"; echo "0 passed, 1 failed"; exit 1; }
fi

passed=0; failed=0; skipped=0
LOGS=$(mktemp -d /tmp/kura-tests.XXXXXX)

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

echo "== xunit: tests/Kura.Tests (unit and HTTP integration on loopback)"
dotnet test tests/Kura.Tests -c Release --no-build -nologo >"$LOGS/xunit.log" 2>&1
grep -E '^\s+(Failed|Skipped) ' "$LOGS/xunit.log" | head -50
summary=$(grep -E '(Passed|Failed)!  - Failed:' "$LOGS/xunit.log" | tail -1)
echo "$summary"
if [ -z "$summary" ]; then
  tail -40 "$LOGS/xunit.log"; failed=$((failed+1))
else
  f=$(sed -E 's/.*Failed: *([0-9]+).*/\1/' <<<"$summary")
  p=$(sed -E 's/.*Passed: *([0-9]+).*/\1/' <<<"$summary")
  s=$(sed -E 's/.*Skipped: *([0-9]+).*/\1/' <<<"$summary")
  passed=$((passed+p)); failed=$((failed+f)); skipped=$((skipped+s))
fi

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
conformance glance-cli conformance/glance-cli.sh
conformance tempest conformance/tempest.sh

echo "(logs in $LOGS)"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
