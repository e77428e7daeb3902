#!/usr/bin/env bash
# --timeout shorter than the snapshots take (pxsim answers each SnapshotCreate after 3s, the
# timeout is 1s): the deadline cuts the creates in flight, the post-hook runs, and pxclone exits 4
# naming the deadline, listing the snapshots the server may still make with the command that
# removes them. pxsim does make them (after its 3s); that command then leaves nothing.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
sim_start --latency snapshot=3s

start=$(date +%s%N)
px_run snapshot -p "$E2E_PROFILES/names-portworx.yaml" --run e2e-slow --timeout 1s
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
expect_exit 4
expect_err_contains "pxclone: error: snapshot set e2e-slow did not finish before the deadline (--timeout 1s) and was rolled back"
expect_err_contains "/v1/volumes/snapshots: no complete answer before the deadline (--timeout 1s)"
expect_err_contains "it may still make these, labelled pxclone.io/run=e2e-slow (remove with \`pxclone teardown --snapshots --run e2e-slow\`):"
expect_err_contains "  snapshot orders-e2e-slow-mongo-data-mongo-2 of mongo-data-mongo-2"
# Within the deadline and its grace, with room for a loaded machine (an upper bound only).
((elapsed_ms < 6000)) || e2e_fail "the run took ${elapsed_ms} ms, want under 6 s"
# (How many creates pxsim had answered when a hook ran depends on timing: not compared.)
expect_equal "hook log" "pre run=e2e-slow ns=prod pvcs=mongo-data-mongo-0 mongo-data-mongo-1 mongo-data-mongo-2 context=pxsim kubeconfig=set
post run=e2e-slow ns=prod pvcs=mongo-data-mongo-0 mongo-data-mongo-1 mongo-data-mongo-2 context=pxsim kubeconfig=set" \
    "$(hook_log | sed 's/ creates=[0-9]*$//')"

# pxsim finishes the creates pxclone gave up on; the listed command removes them.
for _ in $(seq 300); do
    [[ $(sim_owned_snapshots e2e-slow | wc -l) == 3 ]] && break
    sleep 0.1
done
expect_equal "snapshots pxsim made after the deadline" 3 "$(sim_owned_snapshots e2e-slow | wc -l)"
# (pxsim logs a request once it has answered it.)
expect_equal "creates" 3 "$(count_requests POST /v1/volumes/snapshots)"
px_run teardown -p "$E2E_PROFILES/names-portworx.yaml" --run e2e-slow --snapshots
expect_exit 0
expect_equal "pxclone snapshots left" "" "$(sim_owned_snapshots)"
e2e_done
