#!/usr/bin/env bash
# A snapshot that was created but then failed its check (pxsim answers its first inspect with an
# error) fails the set: exit 1, and the roll-back deletes it too, not only the
# snapshots whose workers finished; nothing labelled by pxclone is left.
# pxsim draws ids from --seed (default 1): the first snapshot it makes is 975835de-….
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
px=/api/v1/namespaces/kube-system/services/portworx-api:9021/proxy
first=975835de-1c97-46ce-9d0b-14e4db018fed
sim_start --faults "GET $px/v1/volumes/inspect/$first#1=404"

px_run snapshot -p "$E2E_PROFILES/names-portworx.yaml" --run e2e-vanish
expect_exit 1
expect_err_contains "snapshot set e2e-vanish failed and was rolled back"
expect_err_contains "inspect volume $first: injected fault"
expect_equal "creates" 3 "$(count_requests POST /v1/volumes/snapshots)"
expect_equal "deletes" 3 "$(count_requests_matching DELETE '^/v1/volumes/[0-9a-f-]{36}$')"
expect_equal "pxclone snapshots left" "" "$(sim_owned_snapshots)"
expect_equal "hook runs" "pre
post" "$(hook_log | cut -d' ' -f1)"
e2e_done
