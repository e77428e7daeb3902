#!/usr/bin/env bash
# restore in place: a staging environment (two volumes, a StatefulSet and a Deployment mounting
# them) is rolled back to the baselines deploy-staging took. Checks the dry run sends no write,
# the writes in order (golden), the workloads scaled to 0 and back with the annotation gone, the
# SDK restore called with each clone's baseline, a re-run, a resumed restore, and the refusals.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
sim_start

profile=$E2E_PROFILES/restore-portworx.yaml
ns=orders-stg-r1

# What pxsim holds: the baselines as "pvc parent-is-clone" lines, a workload's fields.
baselines() {
    sim_get /_sim/state | jq -r '
        (.portworx | map({key: .volume.id, value: .}) | from_entries) as $by_id
        | [.portworx[] | select(.labels["pxclone.io/role"] == "baseline")
           | "\(.labels["pxclone.io/staging-pvc"]) \(.labels["pxclone.io/run"]) \($by_id[.volume.source.parent].labels["pxclone.io/role"])"]
        | sort | .[]'
}
workload() { # KIND-PLURAL NAME -> "replicas annotation"
    sim_get /_sim/state | jq -r --arg r "apps/v1/$1" --arg n "$2" '
        .kubernetes[$r][] | select(.metadata.namespace == "orders-stg-r1" and .metadata.name == $n)
        | "\(.spec.replicas) \(.metadata.annotations["pxclone.io/restore-replicas"] // "-")"'
}
requests_so_far() { sim_jq 'length'; }
# The Portworx volume behind PVC NAMESPACE/NAME, and its modelled data (pxsim's "sim_data").
volume_of() {
    sim_get /_sim/state | jq -r --arg ns "$1" --arg n "$2" '.kubernetes["v1/persistentvolumes"][]
        | select(.spec.claimRef.namespace == $ns and .spec.claimRef.name == $n)
        | .spec.csi.volumeHandle // .spec.portworxVolume.volumeID'
}
data_of() {
    sim_get /_sim/state | jq -r --arg id "$1" "$E2E_JQ_VOLUME_DATA"
}
write_data() {
    curl -sS --fail -X PUT --data "$2" "$SIM_URL/_sim/volume-data/$1" >/dev/null ||
        e2e_fail "writing data to volume $1"
}
# pxclone's writes after request number $1, as "METHOD PATH BODY" lines (Portworx ids as {uuid}).
writes_since() {
    sim_jq '.[$n:] | [pxclone_requests[] | select(mutating)
        | "\(.method) \(uuid_free_path) \(.body | tostring | gsub("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"; "{uuid}"))"] | .[]' --argjson n "$1"
}
expect_writes_golden() { # FILE SINCE: the writes in the order the plan fixes, bodies included
    local got
    got=$(writes_since "$2")
    _expect_golden_lines "$1" exact "$got" "writes"
}
restores_since() { # the SDK restores after request $1 as "volume snapshot" lines
    sim_jq '.[$n:] | [pxclone_requests[]
        | select(.method == "POST" and is_px and px_path == "/v1/volumes/snapshots/restore")
        | "\(.body.volume_id) \(.body.snapshot_id)"] | .[]' --argjson n "$1"
}

# Production holds "orders of monday" when the snapshot is taken.
write_data "$(volume_of prod mongo-data-mongo-1)" "orders of monday"

# The environment, with its baselines: taken once the masking Job completed, never before.
px_run snapshot -p "$profile" --run s1 -q
expect_exit 0
px_run deploy-staging -p "$profile" --run r1 --snapshot s1 -q
expect_exit 0
order=$(sim_jq '[pxclone_requests[] | select(.method != "GET") | if (.path | endswith("/jobs")) then "job"
    elif (is_px and px_path == "/v1/volumes/snapshots" and .body.labels["pxclone.io/role"] == "baseline")
    then "baseline" else empty end] | join(",")')
expect_equal "masking Job, then the baselines" "job,baseline,baseline" "$order"
expect_equal "baselines after deploy-staging" $'mongo-data-mongo-0 r1 staging\nmongo-data-mongo-1 r1 staging' "$(baselines)"
expect_equal "sts before" "1 -" "$(workload statefulsets mongo)"
expect_equal "deployment before" "2 -" "$(workload deployments reports)"

# A test run changes the staging data.
clone=$(volume_of "$ns" mongo-data-mongo-1)
expect_equal "staging data after deploy" "orders of monday" "$(data_of "$clone")"
write_data "$clone" "orders changed by a test"

# --dry-run: the plan, and not one write.
mark=$(requests_so_far)
px_run restore -p "$profile" --run r1 --all --dry-run
expect_exit 0
expect_out_contains "would restore 2 volumes in $ns to their baselines (run r1, snapshot set s1) (dry run)"
expect_out_contains "PATCH /apis/apps/v1/namespaces/$ns/deployments/reports/scale {\"spec\":{\"replicas\":0}}"
expect_out_contains "POST /v1/volumes/snapshots/restore"
written=$(writes_since "$mark")
[[ -z $written ]] || e2e_fail "the dry run wrote: $written"

# Refused: the source namespace, another run's PVC; nothing written.
px_run restore -p "$profile" --run r1 --pvc mongo-data-mongo-0 -n prod
expect_exit 2
expect_err_contains "namespace prod is the source namespace"
px_run restore -p "$profile" --run r2 --pvc mongo-data-mongo-0 -n "$ns"
expect_exit 2
expect_err_contains "it is not labelled pxclone.io/run=r2: it belongs to another run"
px_run restore -p "$profile" --run r1 --pvc nope
expect_exit 3
px_run restore -p "$profile" --run r1 --pvc mongo-data-mongo-0 --snapshot s9
expect_exit 3
expect_err_contains "snapshot set s9 of profile orders not found"
written=$(writes_since "$mark")
[[ -z $written ]] || e2e_fail "a refused restore wrote: $written"
expect_equal "data after the dry run and refusals" "orders changed by a test" "$(data_of "$clone")"

# The restore: writes in order (golden), each clone restored to its own baseline, workloads back.
mark=$(requests_so_far)
px_run restore -p "$profile" --run r1 --all -o json
expect_exit 0
expect_writes_golden "$E2E_DIR/restore-in-place.writes" "$mark"
expect_json '[.volumes[].pvc] | join(",")' "mongo-data-mongo-0,mongo-data-mongo-1"
expect_json '[.workloads[] | "\(.kind)/\(.name)=\(.replicas)"] | join(",")' "Deployment/reports=2,StatefulSet/mongo=1"
expected_restores=$(sim_get /_sim/state | jq -r '
    [.portworx[] | select(.labels["pxclone.io/role"] == "baseline") | "\(.volume.source.parent) \(.volume.id)"]
    | sort | .[]')
expect_equal "SDK restores (clone baseline)" "$expected_restores" "$(restores_since "$mark" | sort)"
expect_equal "restores in the output" "$expected_restores" \
    "$(json_out '.volumes[] | "\(.cloneId) \(.baselineId)"' | sort)"
expect_equal "staging data after restore" "orders of monday" "$(data_of "$clone")"
expect_equal "sts after" "1 -" "$(workload statefulsets mongo)"
expect_equal "deployment after" "2 -" "$(workload deployments reports)"

# Re-run: the same again, harmless; nothing new is made.
px_run restore -p "$profile" --run r1 --pvc mongo-data-mongo-1
expect_exit 0
expect_out_contains "restored 1 volume in $ns to its baseline (run r1, snapshot set s1)"
expect_out_contains "deployment/reports  back to 2"
expect_equal "deployment after the re-run" "2 -" "$(workload deployments reports)"
expect_equal "sts untouched by the re-run" "1 -" "$(workload statefulsets mongo)"
expect_equal "baselines after the re-run" $'mongo-data-mongo-0 r1 staging\nmongo-data-mongo-1 r1 staging' "$(baselines)"

# Resume: an earlier restore recorded 3 replicas and was interrupted at 0; restore brings back 3.
kube() { # METHOD PATH BODY: a write as another client would make it
    curl -sS --fail -X "$1" -H "Authorization: Bearer $E2E_TOKEN" \
        -H 'Content-Type: application/merge-patch+json' --data "$3" "$SIM_URL$2" >/dev/null ||
        e2e_fail "$1 $2 failed"
}
kube PATCH "/apis/apps/v1/namespaces/$ns/deployments/reports" \
    '{"metadata":{"annotations":{"pxclone.io/restore-replicas":"3"}}}'
kube PATCH "/apis/apps/v1/namespaces/$ns/deployments/reports/scale" '{"spec":{"replicas":0}}'
expect_equal "interrupted" "0 3" "$(workload deployments reports)"
px_run restore -p "$profile" --run r1 --pvc mongo-data-mongo-1
expect_exit 0
expect_equal "resumed" "3 -" "$(workload deployments reports)"

# teardown removes the baselines with the environment.
px_run teardown -p "$profile" --run r1
expect_exit 0
expect_err_lacks "not deleting"
expect_equal "baselines after teardown" "" "$(baselines)"
e2e_done
