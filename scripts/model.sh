#!/usr/bin/env bash
# The long run of the model-based API test (tests/Kura.Tests/Reliability/ModelBasedTests.cs): random sequences of
# image API calls by two member projects, a reader and the admin against a real Kura over HTTP, each checked against
# the model. CI runs 100 sequences; this runs KURA_MODEL_ITERATIONS (default 5000).
#   scripts/model.sh [ITERATIONS]
#   KURA_MODEL_SEED=<seed printed by a failure> scripts/model.sh 1    reproduces one failing sequence
set -euo pipefail
cd "$(dirname "$0")/.."
export KURA_MODEL_ITERATIONS=${1:-${KURA_MODEL_ITERATIONS:-5000}}
dotnet build tests/Kura.Tests -c Release -nologo -v q
dotnet test tests/Kura.Tests -c Release --no-build -nologo --filter 'FullyQualifiedName~ModelBasedTests' --logger 'console;verbosity=normal'
