#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS] [TARGET...]: coverage-guided fuzzing of the parsers that read untrusted bytes (fuzz/Kura.Fuzz:
# inspect, image-body, patch, query, nhn-token) with SharpFuzz and Debian's afl-fuzz, SECONDS per target (default 20;
# scripts/test.sh runs 15, a long run is e.g. `scripts/fuzz.sh 1800`). Seeds: fuzz/corpus/TARGET, and for inspect the
# real images of fuzz/make-seeds.sh. Every crash or hang afl-fuzz saves is copied to fuzz/findings/TARGET (commit it:
# the xunit suite replays fuzz/corpus and fuzz/findings, so each finding stays a test); KURA_FUZZ_KEEP_CORPUS=1 also
# writes the afl-cmin'd queue back into fuzz/corpus/TARGET. Output in artifacts/fuzz. Ends "N passed, N failed": a
# target passes when afl-fuzz ran it and saved neither a crash nor a hang.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
seconds=${1:-${KURA_FUZZ_SECONDS:-20}}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(inspect image-body patch query nhn-token)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

need=()
command -v afl-fuzz >/dev/null 2>&1 || need+=(afl++)
command -v qemu-img >/dev/null 2>&1 || need+=(qemu-utils)
command -v xorriso >/dev/null 2>&1 || need+=(xorriso)
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing ${need[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null && apt-get install -y -q "${need[@]}" >/dev/null || { echo "apt-get failed"; echo "0 passed, 1 failed"; exit 1; }
fi

OUT=$ROOT/artifacts/fuzz
rm -rf "$OUT/bin" "$OUT/runs"
mkdir -p "$OUT/runs" "$ROOT/artifacts/tools"
echo "== build fuzz/Kura.Fuzz and instrument Kura.Domain and Kura.Api (SharpFuzz.CommandLine 2.3.0)"
if [ ! -x "$ROOT/artifacts/tools/sharpfuzz" ]; then
  dotnet tool install --tool-path "$ROOT/artifacts/tools" SharpFuzz.CommandLine --version 2.3.0 >"$OUT/tool.log" 2>&1 || { cat "$OUT/tool.log"; echo "0 passed, 1 failed"; exit 1; }
fi
if ! dotnet publish fuzz/Kura.Fuzz -c Release -o "$OUT/bin" -nologo -v q >"$OUT/build.log" 2>&1 \
   || ! "$ROOT/artifacts/tools/sharpfuzz" "$OUT/bin/Kura.Domain.dll" >>"$OUT/build.log" 2>&1 \
   || ! "$ROOT/artifacts/tools/sharpfuzz" "$OUT/bin/Kura.Api.dll" >>"$OUT/build.log" 2>&1; then
  cat "$OUT/build.log"; echo "0 passed, 1 failed"; exit 1
fi

passed=0; failed=0
printf '%-11s %10s %9s %7s %9s %8s %6s\n' target execs execs/s corpus coverage crashes hangs
for target in "${targets[@]}"; do
  run=$OUT/runs/$target
  mkdir -p "$run/seeds"
  [ -d "fuzz/corpus/$target" ] && find "fuzz/corpus/$target" -type f -size -1025k -exec cp {} "$run/seeds/" \;
  [ "$target" = inspect ] && bash fuzz/make-seeds.sh "$run/seeds"
  [ -n "$(ls -A "$run/seeds")" ] || printf '{}' > "$run/seeds/empty"
  dict=()
  case $target in
    query) dict=(-x fuzz/dict/query.dict) ;;
    image-body|patch|nhn-token) dict=(-x fuzz/dict/json.dict) ;;
  esac
  # The fork server is SharpFuzz's (no afl instrumentation in the dotnet binary itself); exceptions that escape a
  # target are crashes; a run longer than 5 s is a hang.
  AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_TRY_AFFINITY=1 \
    timeout $((seconds + 120)) afl-fuzz -i "$run/seeds" -o "$run/out" "${dict[@]}" -t 5000 -m none -V "$seconds" \
    -- dotnet "$OUT/bin/Kura.Fuzz.dll" "$target" >"$run/afl.log" 2>&1
  stats=$run/out/default/fuzzer_stats
  stat() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats" 2>/dev/null; }
  execs=$(stat execs_done); crashes=$(stat saved_crashes); hangs=$(stat saved_hangs)
  printf '%-11s %10s %9s %7s %9s %8s %6s\n' "$target" "${execs:-0}" "$(stat execs_per_sec)" "$(stat corpus_count)" "$(stat bitmap_cvg)" "${crashes:--}" "${hangs:--}"
  found=$(find "$run/out/default/crashes" "$run/out/default/hangs" -type f -name 'id:*' 2>/dev/null)
  if [ -n "$found" ]; then
    mkdir -p "fuzz/findings/$target"
    while IFS= read -r f; do
      cp "$f" "fuzz/findings/$target/$(sha1sum "$f" | cut -c1-12)"
    done <<<"$found"
    timeout 600 dotnet "$OUT/bin/Kura.Fuzz.dll" replay "$target" "fuzz/findings/$target" | grep -E '^FAIL' | head -20
  fi
  if [ "${KURA_FUZZ_KEEP_CORPUS:-0}" = 1 ] && [ -d "$run/out/default/queue" ]; then
    AFL_SKIP_BIN_CHECK=1 afl-cmin -i "$run/out/default/queue" -o "$run/cmin" -t 5000 -m none -- "$(command -v dotnet)" "$OUT/bin/Kura.Fuzz.dll" "$target" >"$run/cmin.log" 2>&1 \
      && mkdir -p "fuzz/corpus/$target" && find "$run/cmin" -type f -size -65k -exec sh -c 'cp "$1" "$2/$(sha1sum "$1" | cut -c1-12)"' _ {} "fuzz/corpus/$target" \;
  fi
  if [ "${execs:-0}" -gt 0 ] && [ -z "$found" ]; then
    passed=$((passed+1))
  else
    failed=$((failed+1))
    [ "${execs:-0}" -gt 0 ] || tail -20 "$run/afl.log"
  fi
done
echo "$passed passed, $failed failed"
