#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/CMakeLists.txt, clang, ASan+UBSan) and runs each for
# SECONDS (default 60), two at a time, from the seed corpus in tests/fuzz/corpus/<target>.
# Fails when any target finds a crash, a sanitizer report, an uncaught exception, a leak or a
# timeout; the input is kept as build/fuzz/findings/<target>-crash-* (turn it into a unit test).
# New interesting inputs go to build/fuzz/corpus/<target>, never into the committed seeds.
#   tests/fuzz/run.sh 300          # five minutes each
#   FUZZ_TARGETS="profile" tests/fuzz/run.sh 60
set -euo pipefail
seconds=${1:-60}
cd "$(dirname "$0")/../.."
build=build/fuzz
cxx=${FUZZ_CXX:-clang++-14}
launcher=()
if command -v ccache >/dev/null && [ -z "${CCACHE_DISABLE:-}" ]; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
fi
cmake -S tests/fuzz -B "$build" -DCMAKE_CXX_COMPILER="$cxx" "${launcher[@]}" >/dev/null
cmake --build "$build" -j2

read -r -a targets <<<"${FUZZ_TARGETS:-profile kubeconfig k8s_reply px_reply}"
mkdir -p "$build/findings" "$build/logs"
run_one() {
    local target=$1
    mkdir -p "$build/corpus/$target"
    # -rss_limit_mb: a hostile input must not need gigabytes; -timeout: nor seconds per input.
    "$build/fuzz_$target" "$build/corpus/$target" "tests/fuzz/corpus/$target" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
        -print_final_stats=1 -artifact_prefix="$build/findings/$target-" \
        >"$build/logs/$target.log" 2>&1
}

fail=0
for ((i = 0; i < ${#targets[@]}; i += 2)); do
    pids=()
    for target in "${targets[@]:i:2}"; do
        run_one "$target" &
        pids+=("$!:$target")
    done
    for entry in "${pids[@]}"; do
        if ! wait "${entry%%:*}"; then
            echo "fuzz_${entry#*:}: FINDING (see $build/logs/${entry#*:}.log)"
            grep -E "ERROR|threw|runtime error|SUMMARY|Test unit written" "$build/logs/${entry#*:}.log" | head -8
            fail=1
        fi
    done
done
for target in "${targets[@]}"; do
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/logs/$target.log")
    echo "fuzz_$target: ${runs:-?} executions in ${seconds}s (~$((${runs:-0} / seconds))/s)," \
        "corpus $(find "$build/corpus/$target" -type f | wc -l) inputs"
done
exit $fail
