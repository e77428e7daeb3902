#!/usr/bin/env bash
# A hook that never exits (tests/badinput/never-exits: it ignores SIGTERM and has a child that
# does too) and --timeout 3s: pxclone stops the hook's whole process group at the deadline, still
# runs the post-hook, rolls back, exits 4 naming the hook, and ends within the deadline plus 2 s
# (checked with a generous upper bound only: under 8 s). Nothing is left: no snapshot of the run
# in pxsim, no process the hook started.
# Case 1: the pre-hook never exits (nothing is snapshotted). Case 2: the post-hook never exits
# (the snapshots were taken: they are rolled back, the set was not complete by the deadline).
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
sim_start
never_exits=$E2E_SRC/tests/badinput/never-exits
profile=$E2E_PROFILES/hooks-never-exit.yaml

# expect_nothing_running PIDFILE: every pid never-exits wrote is gone (or a zombie for its reaper).
expect_nothing_running() {
    local pid state
    [[ -s $1 ]] || e2e_fail "the hook never ran"
    for pid in $(tr '\n' ' ' <"$1"); do
        for _ in $(seq 50); do
            state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
            [[ -z $state || $state == Z ]] && break
            sleep 0.1
        done
        if [[ -n $state && $state != Z ]]; then
            kill -9 "$pid" 2>/dev/null || true
            e2e_fail "process $pid the hook started is still running"
        fi
    done
}

# run_hanging RUN: pxclone snapshot --timeout 3s; the elapsed time is checked (an upper bound).
run_hanging() {
    local start elapsed_ms
    start=$(date +%s%N)
    px_run snapshot -p "$profile" --run "$1" --timeout 3s
    elapsed_ms=$((($(date +%s%N) - start) / 1000000))
    echo "  took ${elapsed_ms} ms"
    ((elapsed_ms < 8000)) || e2e_fail "the run took ${elapsed_ms} ms, want under 8 s"
}

export NEVER_EXITS_PIDS=$E2E_TMP/pre.pids
E2E_PRE_HOOK=$never_exits run_hanging e2e-hang-pre
expect_exit 4
expect_err_contains "pxclone: error: snapshot set e2e-hang-pre did not finish before the deadline (--timeout 3s) and was rolled back"
expect_err_contains "pre-hook \`$never_exits pre\` did not finish before the deadline and was stopped"
expect_nothing_running "$NEVER_EXITS_PIDS"
# The post-hook ran (after the deadline, within its grace); nothing was snapshotted.
expect_equal "hook log" "post run=e2e-hang-pre" "$(hook_log | cut -d' ' -f1-2)"
expect_equal "creates" 0 "$(count_requests POST /v1/volumes/snapshots)"
expect_equal "pxclone snapshots left" "" "$(sim_owned_snapshots)"

export NEVER_EXITS_PIDS=$E2E_TMP/post.pids
: >"$E2E_HOOK_LOG"
E2E_POST_HOOK=$never_exits run_hanging e2e-hang-post
expect_exit 4
expect_err_contains "pxclone: error: snapshot set e2e-hang-post did not finish before the deadline (--timeout 3s) and was rolled back"
expect_err_contains "post-hook \`$never_exits post\` did not finish before the deadline and was stopped"
expect_err_contains "the set was not complete by the deadline (--timeout 3s)"
expect_nothing_running "$NEVER_EXITS_PIDS"
expect_equal "hook log" "pre run=e2e-hang-post" "$(hook_log | cut -d' ' -f1-2)"
expect_equal "creates" 3 "$(count_requests POST /v1/volumes/snapshots)"
expect_equal "pxclone snapshots left" "" "$(sim_owned_snapshots)"
expect_no_violations
e2e_done
