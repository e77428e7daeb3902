#!/usr/bin/env bash
# A staging namespace held by another system's finalizer (pxsim keeps finalizers it does not own,
# as a real API server does): teardown deletes it, waits up to --timeout while it stays
# Terminating, exits 5 naming the namespace and the finalizer, and never removes that finalizer
# itself. Once its owner has removed it (here: a merge patch through the API, as that system
# would send), the namespace goes and a later teardown finds nothing labelled for the run.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
ns=orders-stg-e2e-held
cat >"$E2E_TMP/env.yaml" <<STATE
apiVersion: v1
kind: Namespace
metadata:
  name: $ns
  finalizers: [backup.example.com/protect]
  labels:
    app.kubernetes.io/managed-by: pxclone
    pxclone.io/profile: orders
    pxclone.io/run: e2e-held
    pxclone.io/role: staging
  annotations:
    pxclone.io/created-at: "2026-11-27T10:00:00Z"
STATE
sim_start --state "$E2E_TMP/env.yaml"
profile=$E2E_PROFILES/staging-portworx.yaml

# What pxsim holds labelled for the run, on both APIs (Kubernetes objects with whether they are
# being deleted and their finalizers).
run_objects() {
    sim_get /_sim/state | jq -r '
        [(.kubernetes | to_entries[] | .value[] | select(.metadata.labels["pxclone.io/run"] == "e2e-held")
          | "\(.kind) \(.metadata.name) \(.metadata.deletionTimestamp != null) \(.metadata.finalizers | tostring)"),
         (.portworx[] | select(.labels["pxclone.io/run"] == "e2e-held") | "portworx \(.name)")] | sort | .[]'
}

px_run teardown -p "$profile" --run e2e-held --timeout 1s
expect_exit 5
expect_out_contains "namespace/$ns deleted"
# One line naming the namespace and what holds it.
[[ $(grep -c 'pxclone: error:' "$PX_ERR") == 1 ]] || e2e_fail "expected one error line"
expect_err_contains "teardown incomplete: 1 object could not be deleted: namespace/$ns: timed out after 1s"
expect_err_contains "still exists (Terminating): finalizers backup.example.com/protect"
expect_err_contains "pxclone never removes finalizers it did not set"
expect_equal "the held namespace" "Namespace $ns true [\"backup.example.com/protect\"]" "$(run_objects)"
# pxclone only deleted: no PATCH/PUT of the namespace (nor of anything else).
expect_equal "pxclone's writes" "DELETE /api/v1/namespaces/$ns" \
    "$(sim_jq '[pxclone_requests[] | select(mutating) | "\(.method) \(.path)"] | unique | .[]')"

# The finalizer's owner removes it; the namespace then goes.
curl -sS --fail --max-time 10 -X PATCH -H "Authorization: Bearer $E2E_TOKEN" \
    -H 'Content-Type: application/merge-patch+json' --data '{"metadata":{"finalizers":null}}' \
    "$SIM_URL/api/v1/namespaces/$ns" >/dev/null || e2e_fail "removing the finalizer failed"
px_run teardown -p "$profile" --run e2e-held
expect_exit 0
expect_equal "run e2e-held leftovers" "" "$(run_objects)"
e2e_done
