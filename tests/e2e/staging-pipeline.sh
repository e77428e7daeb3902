#!/usr/bin/env bash
# The whole pipeline with the MongoDB example profile (method portworx): snapshot →
# deploy-staging → list → teardown --snapshots. deploy-staging and teardown each send exactly the
# golden mutating requests (--parallel 1 fixes their order); `-o env` prints the environment for
# CodeBuild's exported variables, shell-safe; list shows it ready and its set used by it; after
# the teardown pxsim holds what it held at the start (ignoring resourceVersion, uid, timestamps,
# counters), and a second teardown has nothing to delete.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
sim_start
profile=$E2E_SRC/examples/mongodb/pxclone.yaml

px_run snapshot -p "$profile" --run e2e-set --skip-hooks -q
expect_exit 0

request_mark
px_run deploy-staging -p "$profile" --run e2e-stg --parallel 1 -o env
expect_exit 0
expect_golden_since_mark "$E2E_DIR/staging-pipeline.deploy.requests"
expect_equal "-o env" "PXCLONE_NAMESPACE='orders-stg-e2e-stg'
PXCLONE_RUN='e2e-stg'
PXCLONE_SNAPSHOT_SET='e2e-set'
PXCLONE_SERVICE_MONGO='mongo.orders-stg-e2e-stg.svc:27017'
PXCLONE_SERVICE_ORDERS='orders.orders-stg-e2e-stg.svc:80'" "$(cat "$PX_OUT")"
expect_equal "sourced -o env" "orders-stg-e2e-stg e2e-set orders.orders-stg-e2e-stg.svc:80" \
    "$(env -i bash -c 'set -u; source "$1" && echo "$PXCLONE_NAMESPACE $PXCLONE_SNAPSHOT_SET $PXCLONE_SERVICE_ORDERS"' _ "$PX_OUT")"

# What pxsim holds: three clones of the set's snapshots, each behind a PV and a Bound PVC, the
# workloads ready, the app running the image override.
state=$(sim_get /_sim/state)
expect_equal "clones (name parent-is-a-set-snapshot)" "orders-e2e-stg-clone-mongo-data-mongo-0 true
orders-e2e-stg-clone-mongo-data-mongo-1 true
orders-e2e-stg-clone-mongo-data-mongo-2 true" "$(jq -r '
    ([.portworx[] | select(.labels["pxclone.io/snapshot-set"] == "e2e-set" and .labels["pxclone.io/role"] == "snapshot") | .volume.id]) as $snaps
    | [.portworx[] | select(.labels["pxclone.io/run"] == "e2e-stg" and .labels["pxclone.io/role"] == "staging")
       | "\(.name) \(.volume.source.parent as $p | $snaps | index($p) != null)"] | sort | .[]' <<<"$state")"
expect_equal "staging PVCs" "mongo-data-mongo-0 Bound
mongo-data-mongo-1 Bound
mongo-data-mongo-2 Bound" "$(jq -r '[.kubernetes["v1/persistentvolumeclaims"][]
    | select(.metadata.namespace == "orders-stg-e2e-stg") | "\(.metadata.name) \(.status.phase)"] | sort | .[]' <<<"$state")"
expect_equal "PV handles are the clones" "3" "$(jq -r '
    ([.portworx[] | select(.labels["pxclone.io/run"] == "e2e-stg") | .volume.id]) as $clones
    | [.kubernetes["v1/persistentvolumes"][] | select(.metadata.labels["pxclone.io/run"] == "e2e-stg")
       | select(.spec.csi.volumeHandle as $h | $clones | index($h) != null)] | length' <<<"$state")"
expect_equal "workloads" "orders 1 registry.example.com/orders:
statefulset mongo 3" "$(jq -r '
    ([.kubernetes["apps/v1/deployments"][] | select(.metadata.namespace == "orders-stg-e2e-stg")
      | "\(.metadata.name) \(.status.availableReplicas) \(.spec.template.spec.containers[0].image | sub("[^:]*$"; ""))"]
     + [.kubernetes["apps/v1/statefulsets"][] | select(.metadata.namespace == "orders-stg-e2e-stg")
      | "statefulset \(.metadata.name) \(.status.readyReplicas)"]) | .[]' <<<"$state")"
expect_equal "mask job" "Complete" "$(jq -r '[.kubernetes["batch/v1/jobs"][] | select(.metadata.namespace == "orders-stg-e2e-stg")
    | .status.conditions[]? | select(.status == "True") | .type] | join(",")' <<<"$state")"

px_run list -p "$profile" -o json
expect_exit 0
expect_json '[.items[] | select(.kind == "StagingEnvironment") | "\(.run) \(.namespace) \(.snapshotSet) \(.state)"] | join(",")' \
    "e2e-stg orders-stg-e2e-stg e2e-set ready"
expect_json '[.items[] | select(.kind == "SnapshotSet") | "\(.snapshotSet) \(.state) \(.usedBy | join("+"))"] | join(",")' \
    "e2e-set complete e2e-stg"
px_run list -p "$profile" -o name
expect_exit 0
expect_equal "list -o name" "snapshot-set/e2e-set
run/e2e-stg" "$(cat "$PX_OUT")"

request_mark
px_run teardown -p "$profile" --run e2e-stg --snapshots --parallel 1
expect_exit 0
expect_out_contains "namespace/orders-stg-e2e-stg deleted"
expect_out_contains "teardown complete: "
expect_golden_since_mark "$E2E_DIR/staging-pipeline.teardown.requests"

# Back to the start: the same objects with the same content, but for what the server counts, and
# for what pxsim'"'"'s controllers do to production on their own time (its Pods and ReplicaSets,
# which the controllers make a moment after pxsim starts, possibly after the state above was
# taken; the status of its workloads; the revision annotation the Deployment controller sets with
# the first ReplicaSet; pxclone writing to any of them would be a violation).
normalise='
def scrub: walk(if type == "object" then
        del(.resourceVersion, .uid, .creationTimestamp, .generation, .managedFields,
            .lastTransitionTime, .lastUpdateTime, .lastProbeTime, .startTime, .ctime,
            .observedGeneration)
    else . end);
def controllers_free: del(.["v1/pods"], .["apps/v1/replicasets"])
    | with_entries(if (.key | test("/(deployments|statefulsets)$"))
                   then .value |= map(del(.status)
                       | del(.metadata.annotations["deployment.kubernetes.io/revision"])
                       | if .metadata.annotations == {} then del(.metadata.annotations)
                         else . end)
                   else . end);
{kubernetes: (.kubernetes | map_values(sort_by(.metadata.namespace, .metadata.name))
              | with_entries(select(.value | length > 0)) | controllers_free),
 portworx: (.portworx | sort_by(.volume.id))} | scrub'
expect_equal "pxsim state after teardown (normalised)" \
    "$(jq -S "$normalise" "$E2E_TMP/state-before.json")" "$(sim_get /_sim/state | jq -S "$normalise")"

# Idempotent.
px_run teardown -p "$profile" --run e2e-stg --snapshots
expect_exit 0
expect_equal "second teardown" "nothing to delete" "$(cat "$PX_OUT")"
e2e_done
