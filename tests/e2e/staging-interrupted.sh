#!/usr/bin/env bash
# SIGINT, then SIGTERM, during deploy-staging: no further step starts, the requests in flight end,
# and pxclone prints what exists of the environment (namespace, volumes, applied objects) and
# exits 130; a teardown of the run then leaves nothing of it.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
# The waits are long so that the signal lands inside them on a loaded machine; it cuts them short.
sim_start --latency job=20s,pvc-bind=5s
profile=$E2E_PROFILES/staging-portworx.yaml

px_run snapshot -p "$profile" --run e2e-set -q
expect_exit 0

# SIGINT while the masking Job runs: the database and its Service exist, the app does not.
request_mark
px_start deploy-staging -p "$profile" --run e2e-int
signal_at_request INT '^POST .*/jobs$'
px_wait
expect_exit 130
expect_err_contains "pxclone: error: deploy-staging of run e2e-int interrupted"
expect_err_contains "what exists of staging environment orders-stg-e2e-int (run e2e-int):"
expect_err_contains "  namespace/orders-stg-e2e-int"
expect_err_contains "  persistentvolumeclaim/mongo-data-mongo-1 in orders-stg-e2e-int"
expect_err_contains "  statefulset/mongo in orders-stg-e2e-int"
expect_err_contains "  service/mongo in orders-stg-e2e-int"
expect_err_contains "  job/orders-e2e-int-mask in orders-stg-e2e-int"
expect_err_lacks "deployment/orders"
expect_err_contains "pxclone teardown --run e2e-int"
[[ $(grep -c '^  portworx volume ' "$PX_ERR") == 3 ]] || e2e_fail "expected 3 clones in the account"
expect_equal "requests after the Job's" "" "$(request_lines_since_mark mutating |
    sed -n '/\/jobs$/,$p' | sed 1d)"

# SIGTERM while the PVCs wait to be bound: no manifest is applied.
request_mark
px_start deploy-staging -p "$profile" --run e2e-term
signal_at_request TERM '/persistentvolumeclaims$'
px_wait
expect_exit 130
expect_err_contains "  namespace/orders-stg-e2e-term"
expect_err_lacks "service/"
expect_equal "applies" "" "$(request_lines_since_mark mutating | grep '^PATCH' || true)"

for run in e2e-int e2e-term; do
    px_run teardown -p "$profile" --run "$run"
    expect_exit 0
done
expect_equal "staging objects left" "" "$(sim_get /_sim/state | jq -r '
    [(.kubernetes | to_entries[] | .value[] | select(.metadata.labels["pxclone.io/role"] == "staging") | .metadata.name),
     (.portworx[] | select(.labels["pxclone.io/role"] == "staging") | .name)] | .[]')"
e2e_done
