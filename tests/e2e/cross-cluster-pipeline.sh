#!/usr/bin/env bash
# Staging in another cluster, the whole pipeline (issue 19): `pxclone snapshot` in cluster A with
# a transfer backs the set up to the bucket both clusters share; `deploy-staging` with a kubeconfig
# that names only cluster B finds the set by its backups there, restores each volume from its
# backup into a static PV + PVC, masks and starts the workloads (ready), and sends nothing to A;
# `list` shows the environment; `teardown --run` leaves nothing of pxclone's in B; `teardown
# --snapshots` nothing in A or in the bucket. Production is untouched after each step.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
sim_start "${E2E_CLUSTER_A[@]}" --latency backup=100ms
sim_b_start --latency cloud-restore=100ms
profile=$E2E_PROFILES/cross-cluster-pipeline.yaml

# The credential s3-e2e on each cluster, as an administrator would make it.
add_credential_both SECRET-e2e-pipeline
sim_get /_sim/state >"$E2E_TMP/state-before.json" # the credentials are the admin's, not pxclone's
sim_b_get /_sim/state >"$E2E_TMP/state-before-b.json"

# b_owned: pxclone's objects in B (Portworx volumes and Kubernetes objects with its labels), one
# "kind name" line each, sorted.
b_owned() {
    sim_b_get /_sim/state | jq -r '
        ([.portworx[] | select(.labels["app.kubernetes.io/managed-by"] == "pxclone")
          | "volume \(.name)"]
         + [.kubernetes | to_entries[] | .key as $kind | .value[]
            | select(.metadata.labels["app.kubernetes.io/managed-by"] == "pxclone")
            | "\($kind) \(.metadata.name)"]) | sort | .[]'
}

# 1. Snapshot s1 in A: complete once each volume's backup is Done.
px_run snapshot -p "$profile" --run s1 --skip-hooks -o json
expect_exit 0
expect_json '.snapshots | length' 2
expect_invariants

# 2. deploy-staging in B, given a kubeconfig with B's context alone: A cannot be reached, and is
# not asked (its request log gets nothing of pxclone's).
kb=$E2E_TMP/k-b.yaml
kubeconfig_b_only "$kb"
request_mark
E2E_RUNS=$((E2E_RUNS + 1))
PX_OUT=$E2E_TMP/run-$E2E_RUNS.out
PX_ERR=$E2E_TMP/run-$E2E_RUNS.err
PX_RC=0
"$E2E_PXCLONE" deploy-staging -p "$profile" --run d1 --kubeconfig "$kb" -o json \
    >"$PX_OUT" 2>"$PX_ERR" </dev/null || PX_RC=$?
echo "run $E2E_RUNS: pxclone deploy-staging --run d1 (kubeconfig of B alone) -> exit $PX_RC"
[[ $PX_RC == 0 ]] || e2e_fail "deploy-staging: exit $PX_RC: $(cat "$PX_ERR")"
expect_json '.namespace' orders-stg-d1
expect_json '.snapshotSet' s1
expect_equal "requests from pxclone to A during deploy-staging" "" "$(request_lines_since_mark all)"
state=$(sim_b_get /_sim/state)
expect_equal "B's staging volumes (restored, not cloned)" "orders-d1-clone-mongo-data-mongo-0 prod/mongo-data-mongo-0 true
orders-d1-clone-mongo-data-mongo-1 prod/mongo-data-mongo-1 true" "$(jq -r '
    [.portworx[] | select(.labels["pxclone.io/run"] == "d1" and .labels["pxclone.io/role"] == "staging")
     | "\(.name) \(.labels["pxclone.io/source"]) \(.volume.source.parent == null)"] | sort | .[]' <<<"$state")"
expect_equal "B's staging PVCs" "mongo-data-mongo-0 Bound
mongo-data-mongo-1 Bound" "$(jq -r '[.kubernetes["v1/persistentvolumeclaims"][]
    | select(.metadata.namespace == "orders-stg-d1") | "\(.metadata.name) \(.status.phase)"] | sort | .[]' <<<"$state")"
expect_equal "B's PVs are the restored volumes" 2 "$(jq -r '
    ([.portworx[] | select(.labels["pxclone.io/run"] == "d1") | .volume.id]) as $restored
    | [.kubernetes["v1/persistentvolumes"][] | select(.metadata.labels["pxclone.io/run"] == "d1")
       | select(.spec.csi.volumeHandle as $h | $restored | index($h) != null)] | length' <<<"$state")"
expect_equal "B's workloads ready" "deployment reports 2
statefulset mongo 1" "$(jq -r '
    [.kubernetes["apps/v1/deployments"][] | select(.metadata.namespace == "orders-stg-d1")
     | "deployment \(.metadata.name) \(.status.availableReplicas)"]
    + [.kubernetes["apps/v1/statefulsets"][] | select(.metadata.namespace == "orders-stg-d1")
     | "statefulset \(.metadata.name) \(.status.readyReplicas)"] | .[]' <<<"$state")"
expect_equal "the staging namespace in A" "" "$(sim_get /_sim/state |
    jq -r '[.kubernetes["v1/namespaces"][] | select(.metadata.name == "orders-stg-d1")] | .[].metadata.name')"
expect_invariants

# 3. list: the environment in B, ready, from set s1 (kept in A, backed up).
px_run list -p "$profile" -o json
expect_exit 0
expect_json '[.items[] | select(.kind == "StagingEnvironment") | "\(.run) \(.namespace) \(.snapshotSet) \(.state)"] | join(",")' \
    "d1 orders-stg-d1 s1 ready"
expect_json '[.items[] | select(.kind == "SnapshotSet") | "\(.snapshotSet) \(.state)"] | join(",")' \
    "s1 complete"
expect_invariants

# 4. teardown --run d1: nothing of pxclone's left in B; A's set stays.
px_run teardown -p "$profile" --run d1
expect_exit 0
expect_out_contains "namespace/orders-stg-d1 deleted"
expect_equal "pxclone's objects in B after teardown" "" "$(b_owned)"
[[ -n $(sim_owned_snapshots s1) ]] || e2e_fail "teardown --run d1 deleted set s1's snapshots"
expect_invariants

# 5. teardown --snapshots: nothing in A's snapshots or in the bucket.
px_run teardown -p "$profile" --run s1 --snapshots
expect_exit 0
expect_out_contains "teardown complete: 2 objects and 2 cloud backups deleted"
expect_equal "pxclone's snapshots in A" "" "$(sim_owned_snapshots)"
expect_equal "the bucket after teardown --snapshots" "" "$(bucket_backups)"
expect_equal "pxclone's objects in B at the end" "" "$(b_owned)"
if grep -rqF SECRET-e2e-pipeline "$E2E_TMP"/run-*; then
    e2e_fail "a credential's secret key is in pxclone's output"
fi
e2e_done
