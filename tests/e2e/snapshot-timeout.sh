#!/usr/bin/env bash
# --timeout shorter than the snapshots take (pxsim answers each SnapshotCreate after 3s, the
# timeout is 1s): exit 4 (timed out), the set rolled back, the post-hook ran.
# SnapshotCreate is one synchronous request that pxclone does not cut short at the deadline: the
# run ends once it answered (about 3s), and the hooks hold the freeze that long.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
sim_start --latency snapshot=3s

px_run snapshot -p "$E2E_PROFILES/names-portworx.yaml" --run e2e-slow --timeout 1s
expect_exit 4
expect_err_contains "pxclone: error: snapshot set e2e-slow failed and was rolled back"
expect_err_contains "after the timeout ran out"
expect_equal "creates" 3 "$(count_requests POST /v1/volumes/snapshots)"
expect_equal "pxclone snapshots left" "" "$(sim_owned_snapshots)"
expect_equal "hook log" "pre run=e2e-slow ns=prod pvcs=mongo-data-mongo-0 mongo-data-mongo-1 mongo-data-mongo-2 context=pxsim kubeconfig=set creates=0
post run=e2e-slow ns=prod pvcs=mongo-data-mongo-0 mongo-data-mongo-1 mongo-data-mongo-2 context=pxsim kubeconfig=set creates=3" "$(hook_log)"
e2e_done
