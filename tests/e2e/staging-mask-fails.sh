#!/usr/bin/env bash
# The masking Job fails (pxsim fails every Job: faults kinds=job-fail at rate 1): the
# environment holds unmasked production data, so deploy-staging removes it and exits 1 with the
# Job's reason and the tail of its pod's log (read through the API server, credentials redacted);
# nothing of the run is left. With --keep-on-failure it stays (list: partial) for
# debugging, until a teardown removes it.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
sim_start --faults rate=1,kinds=job-fail
profile=$E2E_PROFILES/staging-portworx.yaml

# What pxsim holds of RUN: Kubernetes objects labelled for it, its namespace, its Portworx clones.
run_objects() {
    sim_get /_sim/state | jq -r --arg run "$1" '
        [(.kubernetes | to_entries[] | .value[] | select(.metadata.labels["pxclone.io/run"] == $run)
          | "\(.metadata.namespace // "-") \(.metadata.name)"),
         (.portworx[] | select(.labels["pxclone.io/run"] == $run) | "portworx \(.name)")] | sort | .[]'
}

px_run snapshot -p "$profile" --run e2e-set -q
expect_exit 0

px_run deploy-staging -p "$profile" --run e2e-mask -o json
expect_exit 1
expect_out_lacks "namespace"
expect_err_contains "job/orders-e2e-mask-mask"
expect_err_contains "BackoffLimitExceeded"
expect_err_contains "; log of pod orders-e2e-mask-mask-"
expect_err_contains "masking users | auth with MASK_PASSWORD=<redacted> | MongoServerError: not primary (the environment was removed)"
expect_err_contains "mongodb://<redacted>@mongo-0.mongo:27017/orders"
expect_err_lacks "e2e-uri-pw"
expect_err_lacks "e2e-mask-pw-123"
expect_err_contains "(the environment was removed)"
# Read as the API serves it: the Job's pod by its controller-uid, then its log's tail.
expect_equal "log reads" "GET /api/v1/namespaces/orders-stg-e2e-mask/pods/{pod}/log?container=mask&limitBytes=16384&tailLines=5" \
    "$(sim_jq '[pxclone_requests[] | select(.path | endswith("/log")) | "\(.method) \(.path | sub("pods/[^/]+/log$"; "pods/{pod}/log"))\(canonical_query)"] | unique | .[]')"
expect_equal "objects of run e2e-mask" "" "$(run_objects e2e-mask)"
# The app never started on unmasked data.
expect_equal "orders Deployment applies" 0 \
    "$(sim_jq '[pxclone_requests[] | select(.method == "PATCH" and (.path | endswith("/deployments/orders")))] | length')"

px_run deploy-staging -p "$profile" --run e2e-keep --keep-on-failure
expect_exit 1
expect_err_contains "BackoffLimitExceeded"
expect_err_lacks "the environment was removed"
[[ -n $(run_objects e2e-keep) ]] || e2e_fail "--keep-on-failure removed the environment"
px_run list -p "$profile" -o json
expect_exit 0
expect_json '[.items[] | select(.kind == "StagingEnvironment") | "\(.run) \(.state)"] | join(",")' "e2e-keep partial"
px_run teardown -p "$profile" --run e2e-keep
expect_exit 0
expect_equal "objects of run e2e-keep after teardown" "" "$(run_objects e2e-keep)"
e2e_done
