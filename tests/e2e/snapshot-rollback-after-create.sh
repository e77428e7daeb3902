#!/usr/bin/env bash
# Snapshots that were created but then failed their check (pxsim answers the look-up of the run's
# snapshots after the creates, its 4th inspectwithfilters, with an error) fail the set: exit 1,
# and the roll-back deletes them too; nothing labelled by pxclone is left.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
px=/api/v1/namespaces/kube-system/services/portworx-api:9021/proxy
sim_start --faults "POST $px/v1/volumes/inspectwithfilters#4=404"

px_run snapshot -p "$E2E_PROFILES/names-portworx.yaml" --run e2e-vanish
expect_exit 1
expect_err_contains "snapshot set e2e-vanish failed and was rolled back"
expect_err_contains "inspect volumes with filters: injected fault"
expect_equal "creates" 3 "$(count_requests POST /v1/volumes/snapshots)"
expect_equal "deletes" 3 "$(count_requests_matching DELETE '^/v1/volumes/[0-9a-f-]{36}$')"
expect_equal "pxclone snapshots left" "" "$(sim_owned_snapshots)"
expect_equal "hook runs" "pre
post" "$(hook_log | cut -d' ' -f1)"
e2e_done
