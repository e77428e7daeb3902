#!/usr/bin/env bash
# snapshot #2 of 3 fails: pxsim answers the second SnapshotCreate with 500, then (a second
# part) cuts that request's connection. Each time: exit 1 naming the volume and the reason, the
# snapshots already made are deleted (no pxclone snapshot left), and the post-hook still ran,
# after all three creates.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
px=/api/v1/namespaces/kube-system/services/portworx-api:9021/proxy
sim_start --faults "POST $px/v1/volumes/snapshots#2=500"

px_run snapshot -p "$E2E_PROFILES/names-portworx.yaml" --run e2e-fail -o json
expect_exit 1
expect_out_lacks "snapshotSet"
# Which volume got the 500 depends on the workers' order: the log says.
failed=$(sim_jq '[pxclone_requests[] | select(.method == "POST" and .status == 500) | .body] |
    if length == 1 then .[0] | "\(.name | ltrimstr("orders-e2e-fail-")) \(.volume_id)" else "none" end')
[[ $failed == mongo-data-mongo-?\ 11000000000000* ]] || e2e_fail "expected one failed create, got: $failed"
expect_err_contains "pxclone: error: snapshot set e2e-fail failed and was rolled back"
expect_err_contains "snapshot of ${failed% *} (${failed#* }):"
expect_err_contains "injected fault"
expect_equal "creates" 3 "$(count_requests POST /v1/volumes/snapshots)"
expect_equal "deletes" 2 "$(count_requests_matching DELETE '^/v1/volumes/[0-9a-f-]{36}$')"
expect_equal "pxclone snapshots left" "" "$(sim_owned_snapshots)"
expect_equal "hook log" "pre run=e2e-fail ns=prod pvcs=mongo-data-mongo-0 mongo-data-mongo-1 mongo-data-mongo-2 context=pxsim kubeconfig=set creates=0
post run=e2e-fail ns=prod pvcs=mongo-data-mongo-0 mongo-data-mongo-1 mongo-data-mongo-2 context=pxsim kubeconfig=set creates=3" "$(hook_log)"

# The connection of the second create is cut (a transport error, not an HTTP status): the same.
sim_restart --faults "POST $px/v1/volumes/snapshots#2=reset"
px_run snapshot -p "$E2E_PROFILES/names-portworx.yaml" --run e2e-cut
expect_exit 1
expect_err_contains "pxclone: error: snapshot set e2e-cut failed and was rolled back"
expect_err_lacks "internal error"
expect_equal "creates" 3 "$(count_requests POST /v1/volumes/snapshots)"
expect_equal "pxclone snapshots left" "" "$(sim_owned_snapshots)"
expect_equal "hook runs" "pre
post" "$(hook_log | cut -d' ' -f1)"
e2e_done
