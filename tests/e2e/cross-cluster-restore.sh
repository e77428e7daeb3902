#!/usr/bin/env bash
# restore in a staging cluster of its own (issue 19): sets s1 and s2 are taken (and backed up to
# the bucket both clusters share) in cluster A; run r1 is deployed in B from s1. Then, given a
# kubeconfig that names only B: `restore --all --snapshot s2` swaps each staging PVC to a volume
# restored from s2's backup; `restore --pvc` rolls one back to its baseline (a local snapshot in
# B: no cloud backup is asked for); `restore --new-pvc` makes a copy from s1's backup; a swap
# killed (SIGKILL) while its cloud restores run is finished by the same command, nothing restored
# twice; a killed --new-pvc is removed by teardown; the dry runs print the restores and send
# nothing. After each of B's steps production is untouched and A not asked. `refresh` (both
# clusters) takes a set in A and swaps r1 in B to restores of its backups. Teardown in B and
# teardown --snapshots in A leave nothing in A, B or the bucket.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
sim_start "${E2E_CLUSTER_A[@]}" --latency backup=50ms
sim_b_start --latency cloud-restore=300ms
profile=$E2E_PROFILES/cross-cluster-pipeline.yaml
ns=orders-stg-r1

add_credential_both SECRET-e2e-xrestore
sim_get /_sim/state >"$E2E_TMP/state-before.json"
sim_b_get /_sim/state >"$E2E_TMP/state-before-b.json"

# bj ARGS...: jq over B's state.
bj() { sim_b_get /_sim/state | jq "$@"; }
# b_volume_of PVC: the Portworx volume behind a staging PVC of r1 in B.
b_volume_of() { bj -r --arg ns "$ns" --arg n "$1" "$E2E_JQ_PVC_VOLUME"; }
b_data_of() { bj -r --arg id "$1" "$E2E_JQ_VOLUME_DATA"; }
b_write_data() {
    curl -sS --fail -X PUT --data "$2" "$SIM_B_URL/_sim/volume-data/$1" >/dev/null ||
        e2e_fail "writing data to B's volume $1"
}
# b_owned: pxclone's objects in B, one "kind name" line each, sorted.
b_owned() {
    bj -r '([.portworx[] | select(.labels["app.kubernetes.io/managed-by"] == "pxclone")
             | "volume \(.name)"]
            + [.kubernetes | to_entries[] | .key as $kind | .value[]
               | select(.metadata.labels["app.kubernetes.io/managed-by"] == "pxclone")
               | "\($kind) \(.metadata.name)"]) | sort | .[]'
}
# b_staging: r1's staging PVCs in B as "pvc set volume-name" lines.
b_staging() {
    bj -r --arg ns "$ns" '
        (.kubernetes["v1/persistentvolumes"] | map({key: .metadata.name, value: .}) | from_entries) as $pvs
        | (.portworx | map({key: .volume.id, value: .name}) | from_entries) as $names
        | [.kubernetes["v1/persistentvolumeclaims"][] | select(.metadata.namespace == $ns and .metadata.labels["pxclone.io/run"] == "r1")
           | "\(.metadata.name) \(.metadata.labels["pxclone.io/snapshot-set"]) \($names[$pvs[.spec.volumeName].spec.csi.volumeHandle] // "-")"]
        | sort | .[]'
}
b_requests() { # METHOD PATH-REGEX: how many of pxclone's requests B logged
    local E2E_SIM_LOG=$E2E_SIM_B_LOG
    sim_jq '[pxclone_requests[] | select(.method == $m and (.path | test($p)))] | length' \
        --arg m "$1" --arg p "$2"
}
b_writes_since() { # N: pxclone's writes to B after B's first N logged requests
    local E2E_SIM_LOG=$E2E_SIM_B_LOG
    sim_jq '.[$n:] | [pxclone_requests[] | select(mutating) | "\(.method) \(.path)"] | .[]' --argjson n "$1"
}
b_log_length() { wc -l <"$E2E_SIM_B_LOG"; }

kb=$E2E_TMP/k-b.yaml
kubeconfig_b_only "$kb"
# px_b ARGS...: pxclone with B's kubeconfig alone (PX_OUT, PX_ERR, PX_RC as px_run sets them).
px_b() {
    E2E_RUNS=$((E2E_RUNS + 1))
    PX_OUT=$E2E_TMP/run-$E2E_RUNS.out
    PX_ERR=$E2E_TMP/run-$E2E_RUNS.err
    PX_RC=0
    "$E2E_PXCLONE" "$@" --kubeconfig "$kb" >"$PX_OUT" 2>"$PX_ERR" </dev/null || PX_RC=$?
    echo "run $E2E_RUNS: pxclone $* (kubeconfig of B alone) -> exit $PX_RC"
}
# after_b STEP: what every step in B keeps: A not asked, production untouched, the invariants.
after_b() {
    expect_equal "requests from pxclone to A during $1" "" "$(request_lines_since_mark all)"
    expect_equal "production's data after $1" "$prod_data" "$(data_of_a "$prod")"
    expect_invariants
}
data_of_a() { sim_get /_sim/state | jq -r --arg id "$1" "$E2E_JQ_VOLUME_DATA"; }

# 1. In A: set s1 of "orders of monday", set s2 of "orders of tuesday", each backed up.
prod=$(sim_get /_sim/state | jq -r --arg ns prod --arg n mongo-data-mongo-1 "$E2E_JQ_PVC_VOLUME")
[[ -n $prod ]] || e2e_fail "no production volume for prod/mongo-data-mongo-1"
curl -sS --fail -X PUT --data "orders of monday" "$SIM_URL/_sim/volume-data/$prod" >/dev/null
px_run snapshot -p "$profile" --run s1 --skip-hooks -q
expect_exit 0
curl -sS --fail -X PUT --data "orders of tuesday" "$SIM_URL/_sim/volume-data/$prod" >/dev/null
px_run snapshot -p "$profile" --run s2 --skip-hooks -q
expect_exit 0
prod_data="orders of tuesday"
expect_equal "sets backed up" 4 "$(bucket_backups | wc -l)"
request_mark # on A: nothing from here on (but teardown --snapshots) asks A

# 2. In B: run r1 from s1; its staging data changed by a test.
px_b deploy-staging -p "$profile" --run r1 --snapshot s1 -q
expect_exit 0
old=$(b_volume_of mongo-data-mongo-1)
expect_equal "staging data from s1" "orders of monday" "$(b_data_of "$old")"
b_write_data "$old" "changed by a test"
after_b deploy-staging

# 3. restore --all --snapshot s2, dry run: the restores printed, nothing sent.
mark=$(b_log_length)
px_b restore -p "$profile" --run r1 --all --snapshot s2 --dry-run
expect_exit 0
expect_out_contains "POST /v1/cloudbackups/restore "
expect_out_contains "DELETE /api/v1/namespaces/$ns/persistentvolumeclaims/mongo-data-mongo-1"
expect_out_lacks "POST /v1/volumes/clone "
expect_equal "writes of the dry run to B" "" "$(b_writes_since "$mark")"
px_b restore -p "$profile" --run r1 --all --snapshot s9
expect_exit 3
expect_err_contains "snapshot set s9 of profile orders not found"
after_b "the dry run"

# 4. restore --all --snapshot s2: each PVC swapped to a volume restored from s2's backup, masked
# again; the old volumes and baselines gone.
restores=$(b_requests POST '/v1/cloudbackups/restore$')
px_b restore -p "$profile" --run r1 --all --snapshot s2 -o json
expect_exit 0
expect_json '[.swaps[] | .pvc] | join(",")' "mongo-data-mongo-0,mongo-data-mongo-1"
expect_json '.masked' true
expect_equal "restores asked for the swap" $((restores + 2)) "$(b_requests POST '/v1/cloudbackups/restore$')"
expect_equal "r1's PVCs on s2" "mongo-data-mongo-0 s2 orders-r1-clone-mongo-data-mongo-0-s2
mongo-data-mongo-1 s2 orders-r1-clone-mongo-data-mongo-1-s2" "$(b_staging)"
new=$(b_volume_of mongo-data-mongo-1)
expect_equal "staging data from s2's backup" "orders of tuesday" "$(b_data_of "$new")"
expect_equal "the old volume gone" "" "$(b_data_of "$old")"
expect_equal "r1's volumes in B: restored from s2, and their baselines" "baseline s2
baseline s2
staging s2
staging s2" "$(bj -r '[.portworx[] | select(.labels["pxclone.io/run"] == "r1")
    | "\(.labels["pxclone.io/role"]) \(.labels["pxclone.io/snapshot-set"])"] | sort | .[]')"
after_b "restore --snapshot s2"

# 5. restore --pvc: back to the baseline (B's own snapshot): no cloud backup or restore asked;
# its dry run first.
b_write_data "$new" "changed again"
mark=$(b_log_length)
px_b restore -p "$profile" --run r1 --pvc mongo-data-mongo-1 --dry-run
expect_exit 0
expect_out_contains "would restore 1 volume in $ns to its baseline"
expect_out_contains "POST /v1/volumes/snapshots/restore"
expect_equal "writes of the dry run to B" "" "$(b_writes_since "$mark")"
px_b restore -p "$profile" --run r1 --pvc mongo-data-mongo-1
expect_exit 0
expect_equal "staging data after the roll-back" "orders of tuesday" "$(b_data_of "$new")"
expect_equal "the PVC's volume" "$new" "$(b_volume_of mongo-data-mongo-1)"
expect_equal "cloud backup requests of the roll-back" "" \
    "$(tail -n "+$((mark + 1))" "$E2E_SIM_B_LOG" | grep -F '/cloudbackups' || true)"
after_b "restore --pvc"

# 6. restore --new-pvc: a copy of s1's mongo-data-mongo-1 from its backup (run n1), dry run first.
mark=$(b_log_length)
px_b restore -p "$profile" --run n1 --snapshot s1 --new-pvc copy -n "$ns" --from mongo-data-mongo-1 --dry-run
expect_exit 0
expect_out_contains "POST /v1/cloudbackups/restore "
expect_out_contains "POST /api/v1/namespaces/$ns/persistentvolumeclaims "
expect_equal "writes of the dry run to B" "" "$(b_writes_since "$mark")"
px_b restore -p "$profile" --run n1 --snapshot s1 --new-pvc copy -n "$ns" --from mongo-data-mongo-1 -o json
expect_exit 0
expect_json '.run' n1
copy=$(json_out '.cloneId')
expect_equal "the copy's data from s1's backup" "orders of monday" "$(b_data_of "$copy")"
expect_equal "the copy's volume" "orders-n1-clone-copy staging s1" "$(bj -r --arg id "$copy" '
    .portworx[] | select(.volume.id == $id) | "\(.name) \(.labels["pxclone.io/role"]) \(.labels["pxclone.io/snapshot-set"])"')"
after_b "restore --new-pvc"

# 7. A swap back to s1 killed (SIGKILL) once it has labelled its first restored volume, the
# restores still running: the same command finishes it, each volume restored once in all.
restores=$(b_requests POST '/v1/cloudbackups/restore$')
# kill_at_first_label ARGS...: pxclone ARGS in B, killed once it has labelled a restored volume.
kill_at_first_label() {
    local E2E_SIM_LOG=$E2E_SIM_B_LOG a_mark=$E2E_MARK
    E2E_MARK=$(b_log_length)
    "$E2E_PXCLONE" "$@" --kubeconfig "$kb" -q >/dev/null 2>&1 </dev/null &
    PX_PID=$!
    signal_at_request KILL '^PUT (/api/v1/namespaces/kube-system/services/[^/]*/proxy)?/v1/volumes/'
    wait "$PX_PID" 2>/dev/null || true
    PX_PID=""
    E2E_MARK=$a_mark
}
kill_at_first_label restore -p "$profile" --run r1 --all --snapshot s1
killed=$(b_requests POST '/v1/cloudbackups/restore$')
[[ $killed -gt $restores ]] || e2e_fail "the killed run asked for no restore"
[[ $(b_owned | grep -c 'volume orders-r1-clone-mongo-data-mongo-.-s1$') -ge 1 ]] ||
    e2e_fail "the killed run left no labelled volume: $(b_owned)"
px_b restore -p "$profile" --run r1 --all --snapshot s1 -o json
expect_exit 0
expect_equal "restores asked for the swap back, in all" $((restores + 2)) "$(b_requests POST '/v1/cloudbackups/restore$')"
expect_equal "r1's PVCs on s1" "mongo-data-mongo-0 s1 orders-r1-clone-mongo-data-mongo-0-s1
mongo-data-mongo-1 s1 orders-r1-clone-mongo-data-mongo-1-s1" "$(b_staging)"
expect_equal "staging data from s1's backup" "orders of monday" "$(b_data_of "$(b_volume_of mongo-data-mongo-1)")"
expect_equal "r1's volumes in B" "baseline s1
baseline s1
staging s1
staging s1" "$(bj -r '[.portworx[] | select(.labels["pxclone.io/run"] == "r1")
    | "\(.labels["pxclone.io/role"]) \(.labels["pxclone.io/snapshot-set"])"] | sort | .[]')"
after_b "the swap back"

# A --new-pvc killed while its cloud restore runs: teardown --run removes what it restored.
kill_at_first_label restore -p "$profile" --run n2 --snapshot s2 --new-pvc copy2 -n "$ns" --from mongo-data-mongo-0
[[ -n $(b_owned | grep -F 'volume orders-n2-clone-copy2') ]] ||
    e2e_fail "the killed --new-pvc left no labelled volume: $(b_owned)"
px_b teardown -p "$profile" --run n2
expect_exit 0
expect_equal "run n2's objects in B after teardown" "" "$(bj -r '.portworx[] | select(.name | startswith("orders-n2-")) | .name')"
after_b "teardown of the killed --new-pvc"

# refresh needs both clusters (k.yaml names both; --context the source's): the new set taken
# in A and backed up, r1's PVCs swapped in B to volumes restored from its backups. Dry run first:
# nothing written to either.
a_writes=$(request_lines_since_mark | wc -l)
b_mark=$(b_log_length)
px_run refresh -p "$profile" --run r1 --dry-run
expect_exit 0
expect_out_contains "POST /v1/cloudbackups/restore "
expect_out_contains "/v1/volumes/snapshots "
expect_equal "writes of the refresh's dry run to B" "" "$(b_writes_since "$b_mark")"
expect_equal "writes of the refresh's dry run to A" "$a_writes" "$(request_lines_since_mark | wc -l)"
curl -sS --fail -X PUT --data "orders of wednesday" "$SIM_URL/_sim/volume-data/$prod" >/dev/null
prod_data="orders of wednesday"
restores=$(b_requests POST '/v1/cloudbackups/restore$')
px_run refresh -p "$profile" --run r1 -o json
expect_exit 0
refreshed=$(json_out '.snapshot.snapshotSet')
[[ $refreshed == r1-* ]] || e2e_fail "refresh's set: '$refreshed'"
expect_equal "restores asked by refresh" $((restores + 2)) "$(b_requests POST '/v1/cloudbackups/restore$')"
expect_equal "r1's PVCs on the refreshed set" "mongo-data-mongo-0 $refreshed orders-r1-clone-mongo-data-mongo-0-$refreshed
mongo-data-mongo-1 $refreshed orders-r1-clone-mongo-data-mongo-1-$refreshed" "$(b_staging)"
expect_equal "staging data from the refreshed set's backup" "orders of wednesday" \
    "$(b_data_of "$(b_volume_of mongo-data-mongo-1)")"
expect_equal "the refresh record cleared" "null" "$(bj -c --arg ns "$ns" '.kubernetes["v1/namespaces"][]
    | select(.metadata.name == $ns) | .metadata.annotations["pxclone.io/refresh-set"]')"
expect_invariants
request_mark # on A: B's commands from here on do not ask it

# 8. teardown in B (r1, then the copy n1): nothing of pxclone's left in B.
px_b teardown -p "$profile" --run r1
expect_exit 0
expect_out_contains "namespace/$ns deleted"
px_b teardown -p "$profile" --run n1
expect_exit 0
expect_equal "pxclone's objects in B after teardown" "" "$(b_owned)"
expect_equal "Portworx volumes in B after teardown" 0 "$(bj '.portworx | length')"
after_b teardown

# 9. teardown --snapshots in A: nothing in A's snapshots or in the bucket.
px_run teardown -p "$profile" --run s1 --snapshots
expect_exit 0
px_run teardown -p "$profile" --run s2 --snapshots
expect_exit 0
px_run teardown -p "$profile" --run "$refreshed" --snapshots
expect_exit 0
expect_equal "pxclone's snapshots in A" "" "$(sim_owned_snapshots)"
expect_equal "the bucket at the end" "" "$(bucket_backups)"
expect_equal "pxclone's objects in B at the end" "" "$(b_owned)"
expect_equal "production's data at the end" "orders of wednesday" "$(data_of_a "$prod")"
if grep -rqF SECRET-e2e-xrestore "$E2E_TMP"/run-*; then
    e2e_fail "a credential's secret key is in pxclone's output"
fi
e2e_done
