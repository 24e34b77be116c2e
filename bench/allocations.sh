#!/usr/bin/env bash
# Allocation budgets of the data path (issue 17): runs bench/Kura.Allocations in its check mode (BenchmarkDotNet's
# memory diagnoser, a short in-process job) and compares the bytes each stream allocates per MiB it moves with
# bench/Kura.Allocations/budgets.json. Prints "N passed, N failed"; scripts/test.sh runs it. For the full
# BenchmarkDotNet tables (time and memory): dotnet run -c Release --project bench/Kura.Allocations
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
dll="$ROOT/bench/Kura.Allocations/bin/Release/net10.0/Kura.Allocations.dll"
if [ ! -f "$dll" ] || [ -z "${KURA_NO_BUILD:-}" ]; then
  dotnet build "$ROOT/bench/Kura.Allocations" -c Release -v q -nologo >/tmp/kura-allocations-build.log 2>&1 || { cat /tmp/kura-allocations-build.log; echo "0 passed, 1 failed"; exit 1; }
fi
cd "$(mktemp -d /tmp/kura-allocations.XXXXXX)" && dotnet "$dll" --check
