#!/usr/bin/env bash
# refresh: run r1, deployed from set s1 (production's mongo-data-mongo-1 held "orders of
# monday"), is moved in place to a new set of production ("orders of wednesday"). Its dry run
# prints the record on the namespace, the snapshots and the swap, and sends nothing. Killed
# (SIGKILL, by its pre-hook) before it takes the set, it leaves the new set's id on the
# namespace; run again it takes that set and fails half-way through the swap (pxsim refuses the
# second PVC's create); run again it continues with that set (its snapshots reused, the swap
# resumed), masks again, drops s1 (keep 1, nothing uses it now), clears the record and reports
# what changed. A second refresh then moves on to a newer set. Bad input: no --run (exit 2), an
# unknown run (exit 3).
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
# The 4th PVC create (deploy-staging makes two) fails: the refresh's swap stops half-way.
sim_start --faults "POST /api/v1/namespaces/orders-stg-r1/persistentvolumeclaims#4=500"
profile=$E2E_PROFILES/refresh-portworx.yaml
ns=orders-stg-r1

sj() { # jq over pxsim's state, fetched once after each change (`stale` after one)
    [[ -f $E2E_TMP/state.json ]] || sim_get /_sim/state >"$E2E_TMP/state.json"
    jq "$@" "$E2E_TMP/state.json"
}
stale() { rm -f "$E2E_TMP/state.json"; }
volume_of() { sj -r --arg ns "$1" --arg n "$2" "$E2E_JQ_PVC_VOLUME"; } # NS PVC
data_of() { sj -r --arg id "$1" "$E2E_JQ_VOLUME_DATA"; }
write_data() {
    curl -sS --fail -X PUT --data "$2" "$SIM_URL/_sim/volume-data/$1" >/dev/null ||
        e2e_fail "writing data to volume $1"
    stale
}
mask_jobs() {
    sim_jq '[pxclone_requests[] | select(.method == "POST" and .path == $p and (.query.dryRun // "") == "")] | length' \
        --arg p "/apis/batch/v1/namespaces/$ns/jobs"
}

prod=$(volume_of prod mongo-data-mongo-1)
write_data "$prod" "orders of monday"
px_run snapshot -p "$profile" --run s1 -q; stale
expect_exit 0
px_run deploy-staging -p "$profile" --run r1 --snapshot s1 -q; stale
expect_exit 0
expect_equal "staging data from s1" "orders of monday" "$(data_of "$(volume_of "$ns" mongo-data-mongo-1)")"
write_data "$prod" "orders of wednesday"

sets() { # the profile's snapshot sets, sorted
    sj -r '[.portworx[] | select(.labels["pxclone.io/role"] == "snapshot")
            | .labels["pxclone.io/snapshot-set"]] | unique | join(",")'
}
record_of() { # the namespace's refresh record: "set from" ("-" when absent)
    sj -r --arg ns "$ns" '.kubernetes["v1/namespaces"][] | select(.metadata.name == $ns)
        | .metadata | "\(.annotations["pxclone.io/refresh-set"] // "-") \(.annotations["pxclone.io/refresh-from"] // "-") \(.labels["pxclone.io/snapshot-set"])"'
}

# Bad input.
px_run refresh -p "$profile"
expect_exit 2
expect_err_contains "pxclone: error: refresh: give the environment's run with --run ID"
px_run refresh -p "$profile" --run r9
expect_exit 3
expect_err_contains "pxclone: error: refresh: run r9 of profile orders has no staging namespace"

# The dry run: every write printed, none sent.
request_mark
px_run refresh -p "$profile" --run r1 --dry-run; stale
expect_exit 0
expect_no_mutations_since_mark
expect_out_contains "PATCH /api/v1/namespaces/$ns {\"metadata\":{\"annotations\":{\"pxclone.io/refresh-from\":\"s1\",\"pxclone.io/refresh-set\":\"r1-"
expect_out_contains "POST /v1/volumes/snapshots "
expect_out_contains "POST /v1/volumes/clone "
expect_out_contains "DELETE /api/v1/namespaces/$ns/persistentvolumeclaims/mongo-data-mongo-1"
expect_out_contains "refresh of run r1: $ns would move from snapshot set s1 to r1-"
expect_equal "no record after the dry run" "- - s1" "$(record_of)"

# Killed by its pre-hook, after the record and before any snapshot: the record stays.
masks=$(mask_jobs)
# The set's id is the run and the time: PXCLONE_NOW keeps this refresh's and the next one's apart.
E2E_KILL_PARENT=1 PXCLONE_NOW=2026-12-08T01:00:00Z px_run refresh -p "$profile" --run r1; stale
expect_exit 137
read -r new_set from label <<<"$(record_of)"
[[ $new_set == r1-20261208* && $from == s1 && $label == s1 ]] ||
    e2e_fail "record after the kill: $new_set $from $label"
# Run again: the set is taken, the swap fails half-way; the error says how to finish.
px_run refresh -p "$profile" --run r1; stale
expect_exit 1
expect_err_contains "pxclone refresh -p $profile"
expect_equal "record after the failure" "$new_set s1 s1" "$(record_of)"

# Run again: it finishes with the same set.
px_run refresh -p "$profile" --run r1 -o json; stale
expect_exit 0
expect_json '"\(.kind) \(.namespace) \(.previousSnapshotSet) \(.snapshotSet) \(.resumed) \(.dryRun)"' \
    "RefreshReport $ns s1 $new_set true false"
expect_json '[.snapshot.snapshots[] | .reused] | all' true
expect_json '[.restore.swaps[] | .pvc] | join(",")' "mongo-data-mongo-0,mongo-data-mongo-1"
expect_json '.restore.masked' true
expect_json '.pruned | join(",")' "s1"
expect_equal "record cleared, namespace on the new set" "- - $new_set" "$(record_of)"
expect_equal "staging data of today" "orders of wednesday" "$(data_of "$(volume_of "$ns" mongo-data-mongo-1)")"
expect_equal "masking ran again" $((masks + 1)) "$(mask_jobs)"
expect_equal "sets left" "$new_set" "$(sets)"
px_run list -p "$profile" -o json
expect_exit 0
expect_json '[.items[] | select(.kind == "StagingEnvironment") | "\(.run) \(.snapshotSet) \(.state)"] | join(",")' \
    "r1 $new_set ready"

# A second refresh moves on and drops the first refresh's set.
write_data "$prod" "orders of thursday"
PXCLONE_NOW=2026-12-09T01:00:00Z px_run refresh -p "$profile" --run r1 -o json --timeout 1m; stale
expect_exit 0
expect_json '"\(.previousSnapshotSet) \(.resumed)"' "$new_set false"
next_set=$(json_out .snapshotSet)
[[ $next_set == r1-20261209* ]] || e2e_fail "the second refresh's set: $next_set"
expect_json '.pruned | join(",")' "$new_set"
expect_equal "staging data of thursday" "orders of thursday" "$(data_of "$(volume_of "$ns" mongo-data-mongo-1)")"
expect_equal "only the newest set" "$next_set" "$(sets)"

px_run teardown -p "$profile" --run r1 --snapshots
expect_exit 0
e2e_done
