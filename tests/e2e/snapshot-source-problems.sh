#!/usr/bin/env bash
# Discovery problems stop the snapshot before any hook or write, naming the object: a PVC that
# does not exist is exit 3; a PVC that is Pending (not Bound) is exit 1.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
sim_start --state "$E2E_DIR/states/pending-pvc.yaml"

px_run snapshot -p "$E2E_PROFILES/missing-pvc.yaml" --run e2e-missing
expect_exit 3
expect_err_contains "cannot snapshot the source volumes of profile 'orders' (1 problem)"
expect_err_contains "prod/mongo-data-mongo-9"
expect_err_lacks "mongo-data-mongo-0"
expect_no_mutations
expect_equal "hook log" "" "$(hook_log)"

px_run snapshot -p "$E2E_PROFILES/pending-pvc.yaml" --run e2e-pending
expect_exit 1
expect_err_contains "cannot snapshot the source volumes of profile 'orders' (1 problem)"
expect_err_contains "prod/mongo-data-mongo-3"
expect_err_contains "Pending"
expect_no_mutations
expect_equal "hook log" "" "$(hook_log)"
expect_equal "pxclone snapshots" "" "$(sim_owned_snapshots)"
e2e_done
