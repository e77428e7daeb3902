#!/usr/bin/env bash
# Crash safety (issue 9): SIGKILL pxclone at a seeded moment of snapshot, deploy-staging or
# restore, then clean up as a user would, and check that nothing is left behind.
#
# A run's moment is "right after pxsim logged pxclone's N-th request of that command" (N drawn
# from the seed among the requests a clean run of that command makes, measured first), plus a
# seeded 0-40 ms: the kill lands with requests in flight, replies lost, watches open. Then:
#   - `list -o json` shows the partial state: a set with some (not all) of its snapshots is
#     `partial`; a run with staging objects is listed, and not `ready` unless it was marked so;
#   - for snapshot, every other kill re-runs the same `snapshot --run` (it must complete the set
#     from the snapshots already made: exactly one per volume); the others go straight to teardown;
#   - `teardown --run RUN --snapshots` exits 0 (re-run up to 3 times), after which pxsim holds no
#     pxclone-labelled object and /_sim/violations is empty.
#
# Usage (from the source tree):
#   tests/reliability/crash.sh PXCLONE PXSIM [--runs N] [--first S] [--jobs J] [--table FILE]
# Defaults: 8 runs from seed 1, 4 at a time (the CI run). The long run (RESULTS.md beside this):
#   tests/reliability/crash.sh build/dev/pxclone build/dev/tests/sim/pxsim --runs 50
set -uo pipefail
# shellcheck source=tests/reliability/lib.sh
source "$(dirname "$0")/lib.sh"
rel_init "$1" "$2"
shift 2

runs=8
first=1
jobs=4
table=""
while [[ $# -gt 0 ]]; do
    case $1 in
    --runs) runs=$2 ;;
    --first) first=$2 ;;
    --table) table=$2 ;;
    --jobs) jobs=$2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift 2
done
latency="snapshot=150ms,clone=100ms,pvc-bind=100ms,rollout=300ms,job=200ms,ns-delete=50ms,request=2ms"
commands=(snapshot deploy-staging)
if "$REL_PXCLONE" --help 2>/dev/null | grep -qE '^ +restore '; then
    commands+=(restore)
fi

# pxclone's requests in this seed's request log so far.
request_count() {
    jq -s '[.[] | select(.path | startswith("/_sim/") | not)] | length' "$REL_WORK/requests.jsonl"
}

# The arguments of COMMAND for run RUN.
command_args() {
    case $1 in
    snapshot) echo "snapshot --run $2" ;;
    deploy-staging) echo "deploy-staging --run $2 --snapshot $2" ;;
    restore) echo "restore --run $2 --all" ;;
    esac
}

# prepare COMMAND RUN: what must exist before COMMAND can run (a set; an environment).
prepare() {
    local command=$1 run=$2
    if [[ $command != snapshot ]]; then
        rel_px prepare-snapshot snapshot --run "$run"
        [[ $REL_RC == 0 ]] || rel_problem "prepare: snapshot exit $REL_RC: $(rel_first_error)"
    fi
    if [[ $command == restore ]]; then
        rel_px prepare-deploy deploy-staging --run "$run" --snapshot "$run"
        [[ $REL_RC == 0 ]] || rel_problem "prepare: deploy-staging exit $REL_RC: $(rel_first_error)"
    fi
}

# Calibration: how many requests a clean run of each command makes.
declare -A total=()
for command in "${commands[@]}"; do
    rel_sim_start "calibrate-$command" 1 --latency "$latency"
    prepare "$command" cal
    before=$(request_count)
    # shellcheck disable=SC2046 # the arguments are words
    rel_px calibrate $(command_args "$command" cal)
    [[ $REL_RC == 0 ]] || { echo "calibration: $command exit $REL_RC: $(rel_first_error)" >&2; exit 1; }
    total[$command]=$(($(request_count) - before))
    echo "calibration: a clean $command makes ${total[$command]} requests"
done

# kill_at COMMAND RUN N DELAY_MS: starts COMMAND, SIGKILLs it after its N-th request (+ DELAY_MS).
# Sets KILLED (1, or 0 when it had ended by itself) and REL_RC.
kill_at() {
    local command=$1 run=$2 n=$3 delay_ms=$4 before pid
    before=$(request_count)
    REL_OUT=$REL_WORK/killed.out
    REL_ERR=$REL_WORK/killed.err
    # shellcheck disable=SC2046
    "$REL_PXCLONE" -p "$REL_PROFILE" --kubeconfig "$REL_WORK/k.yaml" --context pxsim -q \
        $(command_args "$command" "$run") >"$REL_OUT" 2>"$REL_ERR" </dev/null &
    pid=$!
    # Await the N-th request: tail follows the log (inotify) and ends with pxclone (--pid), so
    # a run that makes fewer requests than N is simply not killed.
    local tail_pid seen=0 line
    exec 4< <(exec timeout 60 tail -n +$((before + 1)) -f --pid "$pid" "$REL_WORK/requests.jsonl" 2>/dev/null)
    tail_pid=$!
    while read -r line <&4; do
        [[ $line == *'"path":"/_sim/'* ]] && continue
        seen=$((seen + 1))
        ((seen < n)) || break
    done
    exec 4<&-
    kill "$tail_pid" 2>/dev/null || true
    sleep "$(printf '0.%03d' "$delay_ms")"
    KILLED=0
    if kill -KILL "$pid" 2>/dev/null; then
        KILLED=1
    fi
    REL_RC=0
    wait "$pid" 2>/dev/null || REL_RC=$?
}

# The partial state in pxsim versus what `list` says.
check_list() {
    local run=$1 state list snaps staged ready
    rel_px list list -o json
    rel_check_outcome list "0"
    list=$(cat "$REL_OUT")
    state=$(rel_sim_get /_sim/state)
    snaps=$(jq --arg run "$run" '[.portworx[] | select(.labels["pxclone.io/run"] == $run
        and .labels["pxclone.io/role"] == "snapshot")] | length' <<<"$state")
    local listed_set
    listed_set=$(jq -r --arg run "$run" '[.items[] | select(.kind == "SnapshotSet") | select(.snapshotSet == $run) | .state] | first // "absent"' <<<"$list")
    if [[ $snaps == 0 && $listed_set != absent ]]; then
        rel_problem "list shows set $run ($listed_set) but pxsim has none of its snapshots"
    elif ((snaps > 0 && snaps < 3)) && [[ $listed_set != partial ]]; then
        rel_problem "pxsim has $snaps of 3 snapshots of set $run; list says '$listed_set'"
    elif ((snaps >= 3)) && [[ $listed_set == absent ]]; then
        rel_problem "pxsim has set $run; list does not show it"
    fi
    staged=$(jq --arg run "$run" '[(.kubernetes[][] | select(.metadata.labels["pxclone.io/run"] == $run
        and .metadata.labels["pxclone.io/role"] == "staging")),
        (.portworx[] | select(.labels["pxclone.io/run"] == $run and .labels["pxclone.io/role"] == "staging"))]
        | length' <<<"$state")
    ready=$(jq --arg ns "orders-stg-$run" '[.kubernetes["v1/namespaces"][]
        | select(.metadata.name == $ns and (.metadata.annotations["pxclone.io/ready-at"] // "") != "")] | length' <<<"$state")
    local listed_env
    listed_env=$(jq -r --arg run "$run" '[.items[] | select(.kind == "StagingEnvironment") | select(.run == $run) | .state] | first // "absent"' <<<"$list")
    if [[ $staged == 0 && $listed_env != absent ]]; then
        rel_problem "list shows environment $run ($listed_env) but pxsim has none of its objects"
    elif [[ $staged != 0 && $listed_env == absent ]]; then
        rel_problem "pxsim has $staged objects of environment $run; list does not show it"
    elif [[ $staged != 0 && $ready == 0 && $listed_env == ready ]]; then
        rel_problem "list says environment $run is ready; it was never marked ready"
    fi
    LIST_SUMMARY="snapshots=$snaps set=$listed_set staged=$staged env=$listed_env"
}

# run_seed SEED: one kill and its clean-up; its result's summary says where the kill landed and
# what followed.
run_seed() {
    local seed=$1 run="k$1" command n delay_ms outcome rerun="" count
    RANDOM=$seed
    command=${commands[$((seed % ${#commands[@]}))]}
    n=$((1 + RANDOM % total[$command]))
    delay_ms=$((RANDOM % 40))
    rel_sim_start "seed-$seed" "$seed" --latency "$latency"
    prepare "$command" "$run"
    kill_at "$command" "$run" "$n" "$delay_ms"
    outcome=$([[ $KILLED == 1 ]] && echo "killed" || echo "ended($REL_RC)")
    # Requests the dead pxclone had in flight still land (pxsim holds a create for its modelled
    # latency): wait until pxsim handles none, as any real server would finish them, before
    # looking (a fixed pause lost that race on a loaded machine).
    rel_sim_get /_sim/idle >/dev/null || rel_problem "pxsim still handling requests after 10 s"
    check_list "$run"
    # Every other snapshot kill is followed by the same snapshot again, which must complete
    # the set from what the killed run made.
    if [[ $command == snapshot && $(((seed / ${#commands[@]}) % 2)) == 1 ]]; then
        rel_px rerun snapshot --run "$run"
        rel_check_outcome rerun "0"
        rerun="rerun=$REL_RC"
        count=$(rel_sim_get /_sim/state | jq --arg run "$run" '[.portworx[]
            | select(.labels["pxclone.io/run"] == $run and .labels["pxclone.io/role"] == "snapshot")] | length')
        [[ $count == 3 ]] || rel_problem "after the re-run, set $run has $count snapshots (expected 3)"
    fi
    rel_teardown_until_clean "$run" 3
    rel_expect_clean
    rel_sim_stop
    rel_write_result "$seed" "$command at request $n/${total[$command]} +${delay_ms}ms: $outcome; $LIST_SUMMARY; ${rerun:+$rerun; }teardown=$REL_TEARDOWN_CODES"
}

started=$(date +%s)
rel_run_seeds "$first" "$runs" "$jobs"
for ((seed = first; seed < first + runs; ++seed)); do
    rel_collect_result "$seed" "$0 $REL_PXCLONE $REL_PXSIM --first $seed --runs 1"
done
took=$(($(date +%s) - started))
echo "passed $REL_PASSED of $runs runs, failed $REL_FAILED (${took}s)"
if [[ -n $table ]]; then
    {
        echo "latency: \`$latency\`; seeds $first..$((first + runs - 1)); passed $REL_PASSED of $runs; ${took}s"
        echo
        echo "| seed | kill | verdict | problems |"
        echo "|---|---|---|---|"
        printf '%s\n' "${REL_ROWS[@]}"
    } >"$table"
fi
[[ $REL_FAILED == 0 ]]
