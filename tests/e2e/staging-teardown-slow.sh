#!/usr/bin/env bash
# teardown waits for the staging namespace to be gone, bounded by --timeout: a namespace that takes
# longer (pxsim: ns-delete=3s) is listed with its state and the teardown exits 5; run again it
# waits until the namespace is gone (exit 0), and a third run has nothing to delete.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
cat >"$E2E_TMP/env.yaml" <<'STATE'
apiVersion: v1
kind: Namespace
metadata:
  name: orders-stg-e2e-slow
  labels:
    app.kubernetes.io/managed-by: pxclone
    pxclone.io/profile: orders
    pxclone.io/run: e2e-slow
    pxclone.io/role: staging
  annotations:
    pxclone.io/created-at: "2026-11-27T10:00:00Z"
STATE
sim_start --state "$E2E_TMP/env.yaml" --latency ns-delete=3s
profile=$E2E_PROFILES/staging-portworx.yaml

px_run teardown -p "$profile" --run e2e-slow --timeout 1s
expect_exit 5
expect_out_contains "namespace/orders-stg-e2e-slow deleted"
expect_err_contains "teardown incomplete: 1 object could not be deleted"
expect_err_contains "namespace/orders-stg-e2e-slow: "
expect_err_contains "still exists (Terminating)"

px_run teardown -p "$profile" --run e2e-slow
expect_exit 0
expect_equal "namespace" "" "$(sim_get /_sim/state | jq -r '
    .kubernetes["v1/namespaces"][] | select(.metadata.name == "orders-stg-e2e-slow") | .metadata.name')"
px_run teardown -p "$profile" --run e2e-slow
expect_exit 0
expect_equal "third teardown" "nothing to delete" "$(cat "$PX_OUT")"
e2e_done
