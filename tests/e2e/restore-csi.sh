#!/usr/bin/env bash
# restore of a method: csi environment in place: each staging PVC is made again under its name
# from a VolumeSnapshot (the one it came from for its own set; a new VolumeSnapshotContent and
# VolumeSnapshot for another set, the old ones deleted), the masking Job runs again before the
# workloads come back. Checks the data really comes from the chosen set, the dry run writes
# nothing, production and the snapshot sets are untouched, and teardown leaves nothing of the run.
# shellcheck source=tests/e2e/lib.sh disable=SC2154 # prod and old_volume: set by restore_two_sets
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
# The 5th PVC create (deploy-staging makes two, the first restore one) fails: the swap to s2
# stops with one PVC made again and the other deleted, as an interruption would leave it.
sim_start --faults "POST /api/v1/namespaces/orders-csi-r1/persistentvolumeclaims#5=500"

profile=$E2E_PROFILES/restore-csi.yaml
ns=orders-csi-r1

data_source() { # PVC -> its dataSource VolumeSnapshot
    sj -r --arg ns "$ns" --arg n "$1" '.kubernetes["v1/persistentvolumeclaims"][]
        | select(.metadata.namespace == $ns and .metadata.name == $n) | .spec.dataSource.name'
}
# The VolumeSnapshots and contents of the staging namespace, with their set (jq over the state).
staging_snapshots='
    [(.kubernetes["snapshot.storage.k8s.io/v1/volumesnapshots"][] | select(.metadata.namespace == "'$ns'")
      | "vs \(.metadata.name) \(.metadata.labels["pxclone.io/snapshot-set"])"),
     (.kubernetes["snapshot.storage.k8s.io/v1/volumesnapshotcontents"][]
      | select(.spec.volumeSnapshotRef.namespace == "'$ns'")
      | "content \(.metadata.name) \(.metadata.labels["pxclone.io/snapshot-set"])")] | sort | .[]'
set_snapshots() { # the Portworx snapshots behind the sets' VolumeSnapshots in prod, and whether they exist
    sj -r '(.portworx | map(.volume.id)) as $ids
        | [.kubernetes["snapshot.storage.k8s.io/v1/volumesnapshotcontents"][]
           | select(.spec.volumeSnapshotRef.namespace == "prod") | .status.snapshotHandle
           | "\(.) \(. as $h | $ids | index($h) != null)"] | sort | .[]'
}

restore_two_sets "$profile"
sets_before=$(set_snapshots)
[[ $(grep -c ' true$' <<<"$sets_before") == 4 ]] || e2e_fail "the sets' snapshots: $sets_before"

# Dry run: the PVC made again, nothing sent.
mark=$(requests_so_far)
px_run restore -p "$profile" --run r1 --all --dry-run; stale
expect_exit 0
expect_out_contains "would make 2 volumes in $ns from snapshot set s1 (run r1), masked again (dry run)"
expect_out_contains "DELETE /api/v1/namespaces/$ns/persistentvolumeclaims/mongo-data-mongo-1"
expect_out_contains "POST /api/v1/namespaces/$ns/persistentvolumeclaims "
written=$(writes_since "$mark")
[[ -z $written ]] || e2e_fail "the dry run wrote: $written"

# Its own set: the PVC again from the VolumeSnapshot it came from, masked again.
px_run restore -p "$profile" --run r1 --pvc mongo-data-mongo-1; stale
expect_exit 0
expect_out_contains "made 1 volume in $ns from snapshot set s1 (run r1), masked again"
expect_equal "data back to s1's" "orders of monday" "$(data_of "$(volume_of "$ns" mongo-data-mongo-1)")"
expect_equal "same VolumeSnapshot" "mongo-data-mongo-1" "$(data_source mongo-data-mongo-1)"
expect_equal "masking ran again" 2 "$(mask_jobs)"
expect_equal "deployment back" "2 -" "$(workload deployments reports)"

# Another set: new content and VolumeSnapshot of s2, the old ones deleted. Stopped half-way
# (the second PVC's create fails), then run again to finish.
write_data "$(volume_of "$ns" mongo-data-mongo-1)" "changed again"
px_run restore -p "$profile" --run r1 --all --snapshot s2; stale
expect_exit 1
expect_equal "PVCs after the failure" "mongo-data-mongo-0 orders-r1-mongo-data-mongo-0-s2" "$(sj -r --arg ns "$ns" '
    [.kubernetes["v1/persistentvolumeclaims"][] | select(.metadata.namespace == $ns)
     | "\(.metadata.name) \(.spec.dataSource.name)"] | sort | .[]')"
masks=$(mask_jobs)
mark=$(requests_so_far)
px_run restore -p "$profile" --run r1 --all --snapshot s2 -o json; stale
expect_exit 0
# mask.after: the database is back before the masking Job, the reader only after it.
expect_equal "scale-ups and the masking Job, in order" "statefulsets/mongo 1
job
deployments/reports 2" "$(sim_jq '.[$n:] | [pxclone_requests[] | select(.method != "GET")
    | if .method == "POST" and (.path | endswith("/jobs")) then "job"
      elif .method == "PATCH" and (.path | endswith("/scale")) and .body.spec.replicas > 0
      then (.path | split("/") | .[-3:-1] | join("/")) + " \(.body.spec.replicas)"
      else empty end] | .[]' --argjson n "$mark")"
expect_json '[.swaps[] | "\(.pvc) \(.method) \(.volumeId) \(.replaces)"] | join(",")' \
    "mongo-data-mongo-0 csi orders-r1-mongo-data-mongo-0-s2 mongo-data-mongo-0,mongo-data-mongo-1 csi orders-r1-mongo-data-mongo-1-s2 mongo-data-mongo-1"
expect_equal "data from s2" "orders of tuesday" "$(data_of "$(volume_of "$ns" mongo-data-mongo-1)")"
expect_equal "PVC from s2's VolumeSnapshot" "orders-r1-mongo-data-mongo-1-s2" "$(data_source mongo-data-mongo-1)"
# The old VolumeSnapshots were deleted without waiting: they go once the snapshot controller
# has dropped their finalizers, on its own time.
await_sim_state "staging VolumeSnapshots and contents" "$staging_snapshots" "content orders-r1-mongo-data-mongo-0-s2 s2
content orders-r1-mongo-data-mongo-1-s2 s2
vs orders-r1-mongo-data-mongo-0-s2 s2
vs orders-r1-mongo-data-mongo-1-s2 s2"
expect_equal "masking ran again" $((masks + 1)) "$(mask_jobs)"
expect_equal "sts back" "1 -" "$(workload statefulsets mongo)"
expect_equal "deployment back" "2 -" "$(workload deployments reports)"
expect_equal "the sets' Portworx snapshots kept" "$sets_before" "$(set_snapshots)"
expect_equal "no swap left unfinished" "0" "$(sj '[.kubernetes["v1/persistentvolumeclaims"][]
    | select(.metadata.annotations["pxclone.io/restore-replaces"] != null)] | length')"

px_run teardown -p "$profile" --run r1; stale
expect_exit 0
expect_err_lacks "not deleting"
state=$(sim_get /_sim/state)
expect_equal "run r1 after teardown" "" "$(jq -r '[(.kubernetes[][] | select(.metadata.labels["pxclone.io/run"] == "r1")
    | "\(.kind) \(.metadata.name)"), (.portworx[] | select(.labels["pxclone.io/run"] == "r1") | .name)] | .[]' <<<"$state")"
expect_equal "PVs not of prod" "" "$(jq -r '[.kubernetes["v1/persistentvolumes"][] | select(.spec.claimRef.namespace != "prod") | .metadata.name] | .[]' <<<"$state")"
expect_equal "production data untouched" "orders of tuesday" "$(data_of "$prod")"
e2e_done
