#!/usr/bin/env bash
# method csi, VolumeSnapshot #2 of 3 fails (pxsim answers its create with 500): exit 1 naming the
# volume and the reason, the two VolumeSnapshots made are deleted again, the post-hook ran.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
vs=/apis/snapshot.storage.k8s.io/v1/namespaces/prod/volumesnapshots
sim_start --faults "POST $vs#2=500"

px_run snapshot -p "$E2E_PROFILES/names-csi.yaml" --run e2e-csi-fail
expect_exit 1
expect_err_contains "pxclone: error: snapshot set e2e-csi-fail failed and was rolled back"
expect_err_contains "injected fault"
expect_equal "creates" 3 "$(sim_jq '[pxclone_requests[] | select(.method == "POST" and .path == $p)] | length' --arg p "$vs")"
expect_equal "deletes" 2 "$(sim_jq '[pxclone_requests[] | select(.method == "DELETE" and (.path | startswith($p + "/")))] | length' --arg p "$vs")"
expect_equal "pxclone VolumeSnapshots left" "" "$(sim_owned_volume_snapshots)"
expect_equal "hook runs" "pre
post" "$(hook_log | cut -d' ' -f1)"
e2e_done
