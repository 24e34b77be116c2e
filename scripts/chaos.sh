#!/usr/bin/env bash
# The full chaos run (issue: reliability): the SIGKILL test of tests/Kura.Tests/Reliability/ChaosTests.cs with
# KILLS kills (default 50) instead of CI's 5. Prints the test's own summary line (kills, acknowledged operations,
# images verified) and dotnet test's verdict.
set -euo pipefail
cd "$(dirname "$0")/.."
KILLS=${1:-50}
dotnet build tests/Kura.Tests -c Release -v q -nologo >/dev/null
KURA_CHAOS_KILLS=$KILLS dotnet test tests/Kura.Tests -c Release --no-build --filter 'FullyQualifiedName~ChaosTests' \
  --logger 'console;verbosity=detailed' 2>&1 | grep -a -E 'kills,|Test Run|Passed:|Failed:|Error Message|Assert'
