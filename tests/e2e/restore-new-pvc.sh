#!/usr/bin/env bash
# restore --new-pvc: one snapshot of a set becomes a new PVC (Portworx clone + static PV + PVC)
# in a namespace pxclone does not own, labelled so that list shows it and teardown removes it
# (and its baseline) while the namespace stays. Also: the dry run writes nothing, a re-run adopts
# what is there, the source namespace and a foreign PVC name are refused.
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
sim_start

profile=$E2E_PROFILES/restore-portworx.yaml
ns=orders-stg-r1 # a namespace that exists; the copy belongs to run n1, not to r1

requests_so_far() { sim_jq 'length'; }
writes_since() {
    sim_jq '.[$n:] | [pxclone_requests[] | select(mutating) | "\(.method) \(.path)"] | .[]' --argjson n "$1"
}
# pxclone's objects of run n1: Kubernetes "kind/name" and Portworx "role name" lines.
run_objects() {
    sim_get /_sim/state | jq -r '
        ([.kubernetes | to_entries[] | (.key | split("/")[-1]) as $plural | .value[]
          | select(.metadata.labels["pxclone.io/run"] == "n1") | "\($plural)/\(.metadata.name)"]
         + [.portworx[] | select(.labels["pxclone.io/run"] == "n1")
            | "\(.labels["pxclone.io/role"]) \(.name)"]) | sort | .[]'
}

px_run snapshot -p "$profile" --run s1 -q
expect_exit 0
px_run deploy-staging -p "$profile" --run r1 --snapshot s1 -q
expect_exit 0

# Dry run: the objects, no write.
mark=$(requests_so_far)
px_run restore -p "$profile" --run n1 --snapshot s1 --new-pvc copy -n "$ns" --from mongo-data-mongo-1 --dry-run
expect_exit 0
expect_out_contains "POST /v1/volumes/clone "
expect_out_contains "POST /api/v1/namespaces/$ns/persistentvolumeclaims "
expect_out_contains "POST /v1/volumes/snapshots "
written=$(writes_since "$mark")
[[ -z $written ]] || e2e_fail "the dry run wrote: $written"

# Refused: the source namespace; a name taken by something else; a missing namespace or source.
px_run restore -p "$profile" --run n1 --snapshot s1 --new-pvc copy -n prod --from mongo-data-mongo-1
expect_exit 2
expect_err_contains "-n prod is the source namespace"
px_run restore -p "$profile" --run n1 --snapshot s1 --new-pvc mongo-data-mongo-0 -n "$ns" --from mongo-data-mongo-1
expect_exit 2
expect_err_contains "exists and is not pxclone's copy of prod/mongo-data-mongo-1"
px_run restore -p "$profile" --run n1 --snapshot s1 --new-pvc copy -n nowhere --from mongo-data-mongo-1
expect_exit 3
px_run restore -p "$profile" --run n1 --snapshot s1 --new-pvc copy -n "$ns" --from mongo-data-mongo-2
expect_exit 3
written=$(writes_since "$mark")
[[ -z $written ]] || e2e_fail "a refused restore wrote: $written"

# The copy: Bound, from the set's snapshot of the source, with its baseline.
px_run restore -p "$profile" --run n1 --snapshot s1 --new-pvc copy -n "$ns" --from mongo-data-mongo-1 -o json
expect_exit 0
expect_json '.pvc + " " + .source + " " + .snapshotSet + " " + .run' "copy prod/mongo-data-mongo-1 s1 n1"
clone=$(json_out .cloneId)
state=$(sim_get /_sim/state)
expect_equal "pvc phase" "Bound" "$(jq -r --arg ns "$ns" '.kubernetes["v1/persistentvolumeclaims"][]
    | select(.metadata.namespace == $ns and .metadata.name == "copy") | .status.phase' <<<"$state")"
snapshot_of_source=$(jq -r '[.portworx[] | select(.labels["pxclone.io/role"] == "snapshot"
    and .labels["pxclone.io/source"] == "prod/mongo-data-mongo-1")][0].volume.id' <<<"$state")
expect_equal "the clone's parent" "$snapshot_of_source" \
    "$(jq -r --arg id "$clone" '.portworx[] | select(.volume.id == $id) | .volume.source.parent' <<<"$state")"
expect_equal "run n1's objects" $'baseline orders-n1-baseline-copy\npersistentvolumeclaims/copy\npersistentvolumes/orders-n1-copy\nstaging orders-n1-clone-copy' "$(run_objects)"

# Re-run without --run: the copy is found and adopted under its own run; nothing new.
clones=$(count_requests POST /v1/volumes/clone)
snapshots=$(count_requests POST /v1/volumes/snapshots)
px_run restore -p "$profile" --snapshot s1 --new-pvc copy -n "$ns" --from mongo-data-mongo-1
expect_exit 0
expect_out_contains "pvc/copy in $ns ready: prod/mongo-data-mongo-1 from snapshot set s1 (volume $clone, run n1"
expect_equal "clone calls after the re-run" "$clones" "$(count_requests POST /v1/volumes/clone)"
expect_equal "snapshot calls after the re-run" "$snapshots" "$(count_requests POST /v1/volumes/snapshots)"

# list shows it as run n1; teardown --run n1 removes it all but the namespace (not pxclone's
# for this run).
px_run list -p "$profile" -o json
expect_exit 0
expect_json '[.items[] | select(.kind == "StagingEnvironment") | select(.run == "n1") | .namespace] | join(",")' "$ns"
# A copy in a namespace the run does not own: kind pvc, ready once Bound (not "Orphaned").
expect_json '[.items[] | select(.kind == "StagingEnvironment") | select(.run == "n1") | "\(.type) \(.phase) \(.state) \(.pvcs | join(","))"] | join(",")' \
    "pvc Bound ready copy"
px_run list -p "$profile"
expect_exit 0
grep -Eq "^n1 +$ns pvc/copy +s1 .* ready" "$PX_OUT" || e2e_fail "list text: $(cat "$PX_OUT")"
px_run teardown -p "$profile" --run n1
expect_exit 0
expect_err_lacks "not deleting"
expect_equal "run n1's objects after teardown" "" "$(run_objects)"
sim_get /_sim/state | jq -e --arg ns "$ns" '[.kubernetes["v1/namespaces"][] | select(.metadata.name == $ns)] | length == 1' >/dev/null ||
    e2e_fail "namespace $ns was deleted"
e2e_done
