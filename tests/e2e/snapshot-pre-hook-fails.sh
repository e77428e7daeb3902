#!/usr/bin/env bash
# A failing pre-hook aborts before any snapshot: exit 1 naming the hook, no SnapshotCreate sent,
# no snapshot made, and the post-hook still ran (a lock half-taken is released).
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
sim_start

E2E_HOOK_EXIT_PRE=3 px_run snapshot -p "$E2E_PROFILES/names-portworx.yaml" --run e2e-pre
expect_exit 1
expect_err_contains "pre-hook"
expect_err_contains "record pre"
expect_err_contains "exited 3"
expect_err_contains "the pre hook fails on purpose"
expect_equal "creates" 0 "$(count_requests POST /v1/volumes/snapshots)"
expect_equal "mutating requests" "" "$(sim_jq '[pxclone_requests[] | select(mutating)] | .[] | .path')"
expect_equal "pxclone snapshots" "" "$(sim_owned_snapshots)"
expect_equal "hook log" "pre run=e2e-pre ns=prod pvcs=mongo-data-mongo-0 mongo-data-mongo-1 mongo-data-mongo-2 context=pxsim kubeconfig=set creates=0
post run=e2e-pre ns=prod pvcs=mongo-data-mongo-0 mongo-data-mongo-1 mongo-data-mongo-2 context=pxsim kubeconfig=set creates=0" "$(hook_log)"
e2e_done
