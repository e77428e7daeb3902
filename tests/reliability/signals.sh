#!/usr/bin/env bash
# Crash safety, the polite half (issue 9): SIGINT/SIGTERM at known moments of snapshot,
# deploy-staging and restore. Each case expects exit 130, an account on stderr of what exists
# (or that it was rolled back), post-hooks run (hooks/record writes them to a file), `list`
# agreeing with pxsim, and a teardown that leaves no pxclone object and no violation.
# The moments are awaited, not slept for: the pre-hook announces itself on a FIFO; pxsim's
# request log is followed until the request of interest appears.
#
# Usage (from the source tree): tests/reliability/signals.sh PXCLONE PXSIM
set -uo pipefail
# shellcheck source=tests/reliability/lib.sh
source "$(dirname "$0")/lib.sh"
rel_init "$1" "$2"

# Slow enough that a signal lands inside the step of interest.
latency="snapshot=1s,clone=300ms,pvc-bind=100ms,rollout=2s,job=1s,ns-delete=50ms,request=2ms"
failures=0

# start_bg ARGS...: pxclone in the background, in its own process group (a terminal's Ctrl-C
# signals the whole group: hooks included). Sets PID; output in $REL_WORK/bg.{out,err}.
start_bg() {
    REL_OUT=$REL_WORK/bg.out
    REL_ERR=$REL_WORK/bg.err
    setsid "$REL_PXCLONE" -p "$REL_PROFILE" --kubeconfig "$REL_WORK/k.yaml" --context pxsim -q "$@" \
        >"$REL_OUT" 2>"$REL_ERR" </dev/null &
    PID=$!
}

# await_request METHOD PATH_REGEX: follows pxsim's request log until pxclone's request METHOD
# to a path matching PATH_REGEX (anchored, no quotes) was handled. Matched on the raw line
# (pxsim writes keys sorted: ..."method":"POST","path":"/..."...): one jq per line would lag.
await_request() {
    local line pattern="\"method\":\"$1\",\"path\":\"$2\""
    while read -r line; do
        if [[ $line =~ $pattern ]]; then
            return 0
        fi
    done < <(timeout 30 tail -n +1 -f --pid "$PID" "$REL_WORK/requests.jsonl" 2>/dev/null)
    rel_problem "no request $1 $2 came"
}

# finish_bg: waits for the background pxclone; REL_RC.
finish_bg() {
    REL_RC=0
    wait "$PID" || REL_RC=$?
}

# expect_interrupted NAME: exit 130 with a documented one-line reason.
expect_interrupted() {
    rel_check_outcome "$1" "130"
    grep -q 'interrupted' "$REL_ERR" || rel_problem "$1: stderr does not say it was interrupted"
}

# finish_case NAME RUN: list must agree, teardown must clean up; reports the case.
finish_case() {
    local name=$1 run=$2
    rel_px list list -o json
    rel_check_outcome list "0"
    rel_teardown_until_clean "$run" 3
    rel_expect_clean
    rel_sim_stop
    if [[ ${#REL_PROBLEMS[@]} == 0 ]]; then
        echo "PASS $name"
    else
        failures=$((failures + 1))
        echo "FAIL $name (files in $REL_WORK)"
        for problem in "${REL_PROBLEMS[@]}"; do
            echo "  problem: $problem"
        done
        echo "  --- stderr of the interrupted run:"
        sed 's/^/  | /' "$REL_WORK/bg.err"
    fi
}

# snapshot, SIGINT to the process group while the pre-hook runs (Ctrl-C with the source frozen):
# the pre-hook dies too; no snapshot is taken; the post-hook still runs; exit 130.
rel_sim_start snapshot-sigint-in-pre-hook 1 --latency "$latency"
mkfifo "$REL_WORK/notify" "$REL_WORK/hold"
REL_HOOK_NOTIFY=$REL_WORK/notify REL_HOOK_HOLD=$REL_WORK/hold start_bg snapshot --run i1
read -r -t 30 _ <"$REL_WORK/notify" || rel_problem "the pre-hook did not start"
kill -INT -- "-$PID"
# The pre-hook (bash, reading the FIFO) may or may not die of the SIGINT; release it either way.
timeout 5 bash -c "echo go >'$REL_WORK/hold'" 2>/dev/null || true
finish_bg
expect_interrupted snapshot
grep -q '^post i1$' "$REL_HOOK_LOG" || rel_problem "the post-hook did not run: $(cat "$REL_HOOK_LOG")"
[[ $(count=$(rel_sim_get /_sim/state | jq '[.portworx[] | select(.labels["pxclone.io/run"] == "i1")] | length'); echo "$count") == 0 ]] ||
    rel_problem "snapshots of run i1 remain after the interrupted snapshot"
finish_case snapshot-sigint-in-pre-hook i1

# snapshot, SIGTERM to pxclone alone while SnapshotCreate is in flight (right after the lookup of
# earlier snapshots that precedes the creates): the snapshots made are rolled back (or listed
# as left), the post-hook runs, exit 130. The creates take 3 s here, not 1 s: the signal follows the
# lookup through a poll of pxsim's log, which on a loaded machine took longer than a 1 s create.
rel_sim_start snapshot-sigterm-during-create 2 --latency "${latency/snapshot=1s/snapshot=3s}"
start_bg snapshot --run i2
await_request POST '[^"]*/v1/volumes/inspectwithfilters'
kill -TERM "$PID"
finish_bg
expect_interrupted snapshot
grep -q '^post i2$' "$REL_HOOK_LOG" || rel_problem "the post-hook did not run: $(cat "$REL_HOOK_LOG")"
left=$(rel_sim_get /_sim/state | jq '[.portworx[] | select(.labels["pxclone.io/run"] == "i2")] | length')
if [[ $left != 0 ]] && ! grep -q 'teardown' "$REL_ERR"; then
    rel_problem "$left snapshots of run i2 remain and stderr does not say how to remove them"
fi
finish_case snapshot-sigterm-during-create i2

# deploy-staging, SIGINT while the workloads roll out, SIGTERM while the masking job runs: exit
# 130 and an account naming what exists (the namespace) and how to remove it; list shows the
# environment as not ready.
for case in "SIGINT PATCH /apis/apps/v1/namespaces/orders-stg-i3/statefulsets/mongo i3" \
    "SIGTERM POST /apis/batch/v1/namespaces/orders-stg-i4/jobs i4"; do
    read -r signal method path run <<<"$case"
    rel_sim_start "deploy-$signal" 3 --latency "$latency"
    rel_px prepare snapshot --run "$run" --skip-hooks
    [[ $REL_RC == 0 ]] || rel_problem "prepare: snapshot exit $REL_RC: $(rel_first_error)"
    start_bg deploy-staging --run "$run" --snapshot "$run"
    await_request "$method" "$path"
    kill "-${signal#SIG}" "$PID"
    finish_bg
    expect_interrupted deploy-staging
    grep -q "orders-stg-$run" "$REL_ERR" || rel_problem "stderr does not name the namespace orders-stg-$run"
    grep -q "teardown --run $run" "$REL_ERR" || rel_problem "stderr does not say 'teardown --run $run'"
    rel_px list list -o json
    state=$(jq -r --arg run "$run" '[.items[] | select(.kind == "StagingEnvironment") | select(.run == $run) | .state] | first // "absent"' "$REL_OUT")
    [[ $state == partial ]] || rel_problem "list shows environment $run as '$state' (expected partial)"
    finish_case "deploy-staging-$signal" "$run"
done

((failures == 0)) || exit 1
echo "PASS signals"
