#!/usr/bin/env bash
# The full chaos runs (docs/RELIABILITY.md): the single-node SIGKILL test (tests/Kura.Tests/Reliability/ChaosTests.cs)
# with KILLS kills (default 50) instead of CI's 5, then the cluster test (ClusterChaosTests.cs: three nodes on
# PostgreSQL, Swift and Keystone) with ROUNDS rounds (default 36: 36 node SIGKILLs, 6 PostgreSQL restarts, 6 Swift
# proxy stops, 3 Keystone outages and 3 stalls) instead of CI's 6. Starts its own PostgreSQL, Swift and Keystone on
# ports of its own (55470, 58100, 55020). Prints each test's summary lines and dotnet test's verdict.
#   scripts/chaos.sh [KILLS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
KILLS=${1:-50}
ROUNDS=${2:-36}
export KURA_PG_STATE=/tmp/kura-chaos-pg.dir KURA_SWIFT_STATE=/tmp/kura-chaos-swift.dir KURA_KEYSTONE_STATE=/tmp/kura-chaos-keystone.dir
trap 'bash scripts/keystone.sh stop >/dev/null 2>&1; bash scripts/swift.sh stop >/dev/null 2>&1; bash scripts/postgres.sh stop >/dev/null 2>&1' EXIT
while IFS= read -r line; do export "$line"; done < <(bash scripts/postgres.sh start 55470; bash scripts/swift.sh start 58100; bash scripts/keystone.sh start 55020)
export KURA_TEST_POSTGRES_RESTART="bash $ROOT/scripts/postgres.sh restart" KURA_TEST_SWIFT_CONTROL="bash $ROOT/scripts/swift.sh" \
  KURA_TEST_KEYSTONE_CONTROL="bash $ROOT/scripts/keystone.sh"
dotnet build tests/Kura.Tests -c Release -v q -nologo >/dev/null
KURA_CHAOS_KILLS=$KILLS KURA_CLUSTER_CHAOS_ROUNDS=$ROUNDS dotnet test tests/Kura.Tests -c Release --no-build \
  --filter 'FullyQualifiedName~Reliability.ChaosTests|FullyQualifiedName~ClusterChaosTests' \
  --logger 'console;verbosity=detailed' 2>&1 | grep -a -E '^ (kills,|[0-9]+ (kills|rounds)|after|settled|logged)|Test Run|Passed:|Failed:|Error Message|Assert' \
  | grep -a -v '^ settled' || true
