#!/usr/bin/env bash
# restore --snapshot OTHER_SET (portworx): a staging environment deployed from set s1 is swapped
# to set s2 in place. Each PVC keeps its name and is bound to a new clone of s2's snapshot of its
# source; the old clones and baselines go; the masking Job runs again before the workloads come
# back; new baselines are taken. Also: the dry run writes nothing, a swap stopped half-way (one
# PVC made again, the other deleted) is finished by running it again, and teardown leaves nothing
# of the run.
# shellcheck source=tests/e2e/lib.sh disable=SC2154 # prod and old_volume: set by restore_two_sets
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
# The 4th PVC create (deploy-staging makes two) fails: the swap stops with one PVC made again
# and the other deleted, as an interruption would leave it.
sim_start --faults "POST /api/v1/namespaces/orders-stg-r1/persistentvolumeclaims#4=500"

profile=$E2E_PROFILES/restore-portworx.yaml
ns=orders-stg-r1

parent_of() {
    sj -r --arg id "$1" '.portworx[] | select(.volume.id == $id) | .volume.source.parent // ""'
}
snapshot_of() { # SET SOURCE_PVC -> the set's Portworx snapshot of prod/SOURCE_PVC
    sj -r --arg s "$1" --arg p "prod/$2" '.portworx[]
        | select(.labels["pxclone.io/role"] == "snapshot" and .labels["pxclone.io/snapshot-set"] == $s
                 and .labels["pxclone.io/source"] == $p) | .volume.id'
}
# Run r1's Portworx volumes as "role set staging-pvc parent-role" lines.
run_volumes() {
    sj -r '
        (.portworx | map({key: .volume.id, value: .}) | from_entries) as $by_id
        | [.portworx[] | select(.labels["pxclone.io/run"] == "r1")
           | "\(.labels["pxclone.io/role"]) \(.labels["pxclone.io/snapshot-set"]) \(.labels["pxclone.io/staging-pvc"] // "-") \($by_id[.volume.source.parent].labels["pxclone.io/role"] // "-")"]
        | sort | .[]'
}

restore_two_sets "$profile"
old_clone=$old_volume
expect_equal "masking runs after deploy" 1 "$(mask_jobs)"

# Dry run: the swap's writes printed, none sent.
mark=$(requests_so_far)
px_run restore -p "$profile" --run r1 --all --snapshot s2 --dry-run; stale
expect_exit 0
expect_out_contains "would make 2 volumes in $ns from snapshot set s2 (run r1), masked again (dry run)"
expect_out_contains "POST /v1/volumes/clone "
expect_out_contains "DELETE /api/v1/namespaces/$ns/persistentvolumeclaims/mongo-data-mongo-1"
expect_out_contains "DELETE /apis/batch/v1/namespaces/$ns/jobs/orders-r1-mask"
written=$(writes_since "$mark")
[[ -z $written ]] || e2e_fail "the dry run wrote: $written"
px_run restore -p "$profile" --run r1 --all --snapshot s9; stale
expect_exit 3
expect_err_contains "snapshot set s9 of profile orders not found"

# Stopped half-way (the second PVC's create fails): mongo-data-mongo-0 is on s2,
# mongo-data-mongo-1 is missing; its new PV says what it replaces.
px_run restore -p "$profile" --run r1 --all --snapshot s2; stale
expect_exit 1
expect_equal "PVCs after the failure" "mongo-data-mongo-0 s2" "$(sj -r --arg ns "$ns" '
    [.kubernetes["v1/persistentvolumeclaims"][] | select(.metadata.namespace == $ns)
     | "\(.metadata.name) \(.metadata.labels["pxclone.io/snapshot-set"])"] | sort | .[]')"
masks=$(mask_jobs)
# Running it again finishes it.
px_run restore -p "$profile" --run r1 --all --snapshot s2 -o json; stale
expect_exit 0
expect_json '[.swaps[] | .pvc] | join(",")' "mongo-data-mongo-0,mongo-data-mongo-1"
expect_json '.masked' true
new_clone=$(volume_of "$ns" mongo-data-mongo-1)
[[ $new_clone != "$old_clone" ]] || e2e_fail "pvc mongo-data-mongo-1 is still on $old_clone"
expect_equal "the new volume is a clone of s2's snapshot" "$(snapshot_of s2 mongo-data-mongo-1)" "$(parent_of "$new_clone")"
expect_equal "staging data from s2" "orders of tuesday" "$(data_of "$new_clone")"
expect_equal "the output names it" "$new_clone" "$(json_out '.swaps[] | select(.pvc == "mongo-data-mongo-1") | .volumeId')"
expect_equal "old clone gone" "" "$(data_of "$old_clone")$(parent_of "$old_clone")"
expect_equal "run r1's volumes: clones of s2 and their baselines" "baseline s2 mongo-data-mongo-0 staging
baseline s2 mongo-data-mongo-1 staging
staging s2 - snapshot
staging s2 - snapshot" "$(run_volumes)"
expect_equal "masking ran again" $((masks + 1)) "$(mask_jobs)"
expect_equal "mask Job complete" "True" "$(sj -r --arg ns "$ns" '.kubernetes["batch/v1/jobs"][]
    | select(.metadata.namespace == $ns) | .status.conditions[] | select(.type == "Complete") | .status')"
pvcs=$(sj -r --arg ns "$ns" '[.kubernetes["v1/persistentvolumeclaims"][] | select(.metadata.namespace == $ns)
    | "\(.metadata.name) \(.status.phase) \(.metadata.labels["pxclone.io/snapshot-set"])"] | sort | .[]')
expect_equal "PVCs: same names, bound, set s2" "mongo-data-mongo-0 Bound s2
mongo-data-mongo-1 Bound s2" "$pvcs"
expect_equal "no swap left unfinished" "0" "$(sj '[.kubernetes["v1/persistentvolumes"][]
    | select(.metadata.annotations["pxclone.io/restore-replaces"] != null)] | length')"
expect_equal "sts back" "1 -" "$(workload statefulsets mongo)"
expect_equal "deployment back" "2 -" "$(workload deployments reports)"
expect_equal "the namespace is on s2" "s2" "$(sj -r --arg ns "$ns" '.kubernetes["v1/namespaces"][]
    | select(.metadata.name == $ns) | .metadata.labels["pxclone.io/snapshot-set"]')"

# Again to s2: the PVCs are on it, so they are rolled back to their (new) baselines.
write_data "$new_clone" "changed again"
px_run restore -p "$profile" --run r1 --pvc mongo-data-mongo-1 --snapshot s2; stale
expect_exit 0
expect_out_contains "restored 1 volume in $ns to its baseline (run r1, snapshot set s2)"
expect_equal "rolled back to s2's masked data" "orders of tuesday" "$(data_of "$new_clone")"

# list shows the environment; teardown leaves nothing of run r1 anywhere.
px_run list -p "$profile" -o json; stale
expect_exit 0
expect_json '[.items[] | select(.kind == "StagingEnvironment") | select(.run == "r1") | .type] | join(",")' "namespace"
expect_json '[.items[] | select(.kind == "StagingEnvironment") | select(.run == "r1") | "\(.snapshotSet) \(.snapshotSets | join(","))"] | join(";")' "s2 s2"
expect_json '[.items[] | select(.kind == "SnapshotSet") | "\(.snapshotSet) \(.usedBy | join(","))"] | sort | join(";")' "s1 ;s2 r1"
px_run teardown -p "$profile" --run r1; stale
expect_exit 0
expect_err_lacks "not deleting"
left=$(sj -r '[(.kubernetes[][] | select(.metadata.labels["pxclone.io/run"] == "r1")
    | "\(.kind) \(.metadata.name)"), (.portworx[] | select(.labels["pxclone.io/run"] == "r1") | .name)] | .[]')
expect_equal "run r1 after teardown" "" "$left"
expect_equal "production data untouched" "orders of tuesday" "$(data_of "$prod")"
e2e_done
