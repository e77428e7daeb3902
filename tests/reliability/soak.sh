#!/usr/bin/env bash
# Fault soak (issue 9): the whole pipeline — snapshot → deploy-staging → restore → teardown —
# against pxsim injecting seeded faults (429 + Retry-After, 503, connection resets before and
# after the server handled the request, slow replies, watch closes, 410 Gone, failing masking
# jobs), once per seed. For every seed:
#   - each command succeeds or fails with a documented exit code (include/pxclone/error.hpp) and a
#     one-line reason: no crash, no sanitizer report, no internal error, no raw library text;
#   - every pre-hook is followed by a post-hook;
#   - after a final teardown, re-run as a user would until it exits 0 (bounded), pxsim holds no
#     pxclone-labelled object (Kubernetes or Portworx) and /_sim/violations is empty.
#
# Usage (from the source tree):
#   tests/reliability/soak.sh PXCLONE PXSIM [--seeds K] [--first S] [--rate R] [--kinds K]
#                             [--retry-after N] [--slow D] [--jobs J] [--table FILE]
# Defaults: 20 seeds from 1, 4 at a time, rate 0.05, every kind, Retry-After 0 s, slow 200ms
# (the CI run).
# The long run (tests/reliability/RESULTS.md):
#   tests/reliability/soak.sh build/dev/pxclone build/dev/tests/sim/pxsim --seeds 200 --rate 0.1 \
#       --retry-after 1 --table /tmp/soak.md
# Each seed prints the line to replay it alone; REL_KEEP=1 keeps every command's output.
set -uo pipefail
# shellcheck source=tests/reliability/lib.sh
source "$(dirname "$0")/lib.sh"
rel_init "$1" "$2"
shift 2

seeds=20
first=1
rate=0.05
kinds=429+503+reset+reset-after+slow+watch-close+410+job-fail
retry_after=0
slow=200ms
table=""
jobs=4
while [[ $# -gt 0 ]]; do
    case $1 in
    --seeds) seeds=$2 ;;
    --first) first=$2 ;;
    --rate) rate=$2 ;;
    --kinds) kinds=$2 ;;
    --retry-after) retry_after=$2 ;;
    --slow) slow=$2 ;;
    --table) table=$2 ;;
    --jobs) jobs=$2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift 2
done
faults="rate=$rate,kinds=$kinds,retry-after=$retry_after,slow=$slow"
latency="snapshot=20ms,clone=20ms,pvc-bind=20ms,rollout=50ms,job=50ms,ns-delete=20ms"
# Whether this build has `restore` (it is added by issue 5; the soak runs it once it exists).
has_restore=0
if "$REL_PXCLONE" --help 2>/dev/null | grep -qE '^ +restore '; then
    has_restore=1
fi

# run_seed SEED: the pipeline under SEED's faults; its result's summary is "COMMAND=CODE..." (for
# the table).
run_seed() {
    local seed=$1 run="s$1" codes=()
    rel_sim_start "seed-$seed" "$seed" --faults "$faults" --latency "$latency"

    rel_px snapshot snapshot --run "$run"
    rel_check_outcome snapshot
    codes+=("snapshot=$REL_RC")

    rel_px deploy deploy-staging --run "$run" --snapshot "$run"
    rel_check_outcome deploy-staging
    codes+=("deploy-staging=$REL_RC")

    if [[ $has_restore == 1 ]]; then
        rel_px restore restore --run "$run" --all
        rel_check_outcome restore
        codes+=("restore=$REL_RC")
    fi

    rel_teardown_until_clean "$run"
    codes+=("teardown=$REL_TEARDOWN_CODES")
    rel_expect_hooks_paired
    rel_expect_clean
    rel_sim_stop
    rel_write_result "$seed" "${codes[*]}"
}

started=$(date +%s)
rel_run_seeds "$first" "$seeds" "$jobs"

declare -A code_counts=() # "command code" -> runs
for ((seed = first; seed < first + seeds; ++seed)); do
    rel_collect_result "$seed" "$0 $REL_PXCLONE $REL_PXSIM --first $seed --seeds 1 --rate $rate \
--kinds $kinds --retry-after $retry_after --slow $slow"
    for item in $REL_SUMMARY; do
        command=${item%%=*}
        code=${item#*=}
        [[ $command != teardown ]] || command="teardown-attempts"
        code_counts["$command $code"]=$((${code_counts["$command $code"]:-0} + 1))
    done
done
took=$(($(date +%s) - started))

summary() {
    echo "faults: \`$faults\`, latency: \`$latency\`; seeds $first..$((first + seeds - 1));" \
        "restore: $([[ $has_restore == 1 ]] && echo yes || echo "not in this build"); ${took}s"
    echo
    echo "| command | exit code | runs |"
    echo "|---|---|---|"
    for key in $(printf '%s\n' "${!code_counts[@]}" | tr ' ' '#' | sort); do
        echo "| ${key%%#*} | ${key##*#} | ${code_counts[${key//#/ }]} |"
    done
    echo
    echo "passed $REL_PASSED of $seeds seeds, failed $REL_FAILED"
}
summary
if [[ -n $table ]]; then
    {
        summary
        echo
        echo "| seed | exit codes | verdict | problems |"
        echo "|---|---|---|---|"
        printf '%s\n' "${REL_ROWS[@]}"
    } >"$table"
fi
[[ $REL_FAILED == 0 ]]
