#!/usr/bin/env bash
# deploy-staging with --timeout 3s while pxsim binds PVCs only after 30 s: the wait ends at the
# deadline, pxclone lists what exists of the environment (as on Ctrl-C), exits 4 naming what it
# waited for, within the deadline plus 2 s (an upper bound only: under 8 s); a teardown of the run
# then leaves nothing. (--keep-on-failure: without it, the masked profile's environment is removed
# at once, since it may hold unmasked data.)
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
sim_start --latency pvc-bind=30s
profile=$E2E_PROFILES/staging-portworx.yaml

px_run snapshot -p "$profile" --run e2e-set -q
expect_exit 0

start=$(date +%s%N)
px_run deploy-staging -p "$profile" --run e2e-late --timeout 3s --keep-on-failure
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
echo "  took ${elapsed_ms} ms"
expect_exit 4
((elapsed_ms < 8000)) || e2e_fail "the run took ${elapsed_ms} ms, want under 8 s"
expect_err_contains "pxclone: error: deploy-staging of run e2e-late did not finish before the deadline (--timeout 3s)"
expect_err_contains "persistentvolumeclaim"
expect_err_contains "what exists of staging environment orders-stg-e2e-late (run e2e-late):"
expect_err_contains "  namespace/orders-stg-e2e-late"
expect_err_contains "pxclone teardown --run e2e-late"

px_run teardown -p "$profile" --run e2e-late
expect_exit 0
expect_equal "staging objects left" "" "$(sim_get /_sim/state | jq -r '
    [(.kubernetes | to_entries[] | .value[] | select(.metadata.labels["pxclone.io/role"] == "staging") | .metadata.name),
     (.portworx[] | select(.labels["pxclone.io/role"] == "staging") | .name)] | .[]')"
expect_no_violations
e2e_done
