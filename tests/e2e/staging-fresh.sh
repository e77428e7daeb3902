#!/usr/bin/env bash
# deploy-staging --fresh takes the set now (as `snapshot` does, between the hooks; the set's id
# is the run id) and deploys from it; with --dry-run it prints the snapshot and clone requests and
# sends no write; --fresh with --snapshot is a usage error. teardown --snapshots then removes the
# environment and the set it took.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
sim_start
profile=$E2E_PROFILES/staging-portworx.yaml

px_run deploy-staging -p "$profile" --run e2e-fresh --fresh --snapshot e2e-other
expect_exit 2
expect_err_contains "--fresh and --snapshot exclude each other"

px_run deploy-staging -p "$profile" --run e2e-fresh --fresh --dry-run
expect_exit 0
expect_no_mutations
expect_equal "planned snapshots" 3 "$(grep "^POST /v1/volumes/snapshots " "$PX_OUT" | grep -c "\"pxclone.io/role\":\"snapshot\"")"
expect_equal "planned clones" 3 "$(grep -c '^POST /v1/volumes/clone .*"parent_id":"<snapshot-of-mongo-data-mongo-' "$PX_OUT")"
expect_out_contains "POST /api/v1/namespaces "
expect_equal "hooks in a dry run" "" "$(hook_log)"

px_run deploy-staging -p "$profile" --run e2e-fresh --fresh -o json
expect_exit 0
expect_json .snapshotSet e2e-fresh
expect_equal "hook runs" "pre
post" "$(hook_log | cut -d' ' -f1)"
px_run list -p "$profile" -o json
expect_exit 0
expect_json '[.items[] | select(.kind == "SnapshotSet") | "\(.snapshotSet) \(.state) \(.usedBy | join("+"))"] | join(",")' \
    "e2e-fresh complete e2e-fresh"
expect_json '[.items[] | select(.kind == "StagingEnvironment") | "\(.run) \(.snapshotSet) \(.state)"] | join(",")' \
    "e2e-fresh e2e-fresh ready"

px_run teardown -p "$profile" --run e2e-fresh --snapshots -o json
expect_exit 0
px_run list -p "$profile" -o name
expect_exit 0
expect_equal "list after teardown" "" "$(cat "$PX_OUT")"
e2e_done
