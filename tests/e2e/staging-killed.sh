#!/usr/bin/env bash
# deploy-staging killed (SIGKILL: no clean-up of its own) in each step in turn: after the
# namespace, in the clones, the PVs, the PVCs, the manifests, while the masking Job runs and while
# waiting for the workloads. Each time `list` shows the environment partial, and `teardown --run`
# leaves nothing labelled for that run, on either API, and no violation. The signal follows
# pxsim's request log: it goes out as soon as the step's first request has been carried out;
# the Job and the rollouts take a modelled time, so the process is inside the step.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
sim_start --latency job=2s,rollout=300ms
profile=$E2E_PROFILES/staging-portworx.yaml
px=/api/v1/namespaces/kube-system/services/portworx-api:9021/proxy

px_run snapshot -p "$profile" --run e2e-set -q
expect_exit 0

k=0
for step in "namespace|^POST /api/v1/namespaces$" \
    "clones|^POST $px/v1/volumes/clone$" \
    "pvs|^POST /api/v1/persistentvolumes$" \
    "pvcs|/persistentvolumeclaims$" \
    "manifests|^PATCH .*/services/mongo$" \
    "masking|^POST .*/jobs$" \
    "wait|^PATCH .*/deployments/orders$"; do
    k=$((k + 1))
    name=${step%%|*}
    run=e2e-kill-$k
    request_mark
    px_start deploy-staging -p "$profile" --run "$run"
    signal_at_request KILL "${step#*|}"
    px_wait
    expect_exit 137

    px_run list -p "$profile" -o json
    expect_exit 0
    expect_json "[.items[] | select(.kind == \"StagingEnvironment\") | select(.run == \"$run\") | .state] | join(\",\")" partial

    px_run teardown -p "$profile" --run "$run"
    expect_exit 0
    left=$(sim_get /_sim/state | jq -c --arg run "$run" '
        [(.kubernetes | to_entries[] | .value[] | select(.metadata.labels["pxclone.io/run"] == $run)
          | "\(.kind // "?")/\(.metadata.name)"),
         (.kubernetes["v1/namespaces"][] | select(.metadata.name == "orders-stg-\($run)") | "ns"),
         (.portworx[] | select(.labels["pxclone.io/run"] == $run) | .name)]')
    expect_equal "left of $run (killed in $name)" "[]" "$left"
done
expect_equal "staging objects left" "" "$(sim_get /_sim/state | jq -r '
    [(.kubernetes | to_entries[] | .value[] | select(.metadata.labels["pxclone.io/role"] == "staging") | .metadata.name),
     (.portworx[] | select(.labels["pxclone.io/role"] == "staging") | .name)] | .[]')"
e2e_done
