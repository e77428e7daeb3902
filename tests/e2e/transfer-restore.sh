#!/usr/bin/env bash
# The staging side of a transfer (issue 19) against two pxsim processes sharing one object store:
# cluster A backs up two production volumes through the SDK (as `snapshot` with a transfer does,
# with pxclone's metadata), and `pxclone deploy-staging` (a staging.cluster profile, given a
# kubeconfig with B's context alone) finds the set on cluster B by its backups' metadata and
# restores each volume there as a run's staging volume: named and labelled as a clone, polled
# until Done. A re-run restores nothing twice; a failed restore deletes only the volume it made
# and the next run restores it again; a run killed while restoring is finished by the next; a
# missing set is exit 3, an ambiguous credential exit 1; A and the bucket are not written (nor
# A asked) by B's runs.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
profile=$E2E_PROFILES/transfer-restore.yaml
sim_start "${E2E_CLUSTER_A[@]}" --latency backup=200ms
# B's third restore fails (the backup-fail fault ends it Failed, its volume left behind).
sim_b_start --latency cloud-restore=300ms --faults 'POST /v1/cloudbackups/restore#3=backup-fail'

px_ok() {
    local reply
    reply=$(curl -sS --max-time 20 -X "$3" -H "Authorization: bearer $2" \
        -H 'Content-Type: application/json' ${5:+--data "$5"} -w '\n%{http_code}' "$1$4") ||
        e2e_fail "$3 $1$4 failed"
    [[ ${reply##*$'\n'} == 200 ]] || e2e_fail "$3 $4: expected 200, got: $reply"
    printf '%s\n' "${reply%$'\n'*}"
}
# await_backup TASK: A's backup task reaches Done (polled; bounded by 200 tries).
await_backup() {
    local got="" tries
    for ((tries = 200; tries > 0; --tries)); do
        got=$(px_ok "$SIM_URL" "$E2E_TOKEN" POST /v1/cloudbackups/status "{\"task_id\":\"$1\"}" |
            jq -r --arg t "$1" '.statuses[$t].status // ""')
        [[ $got != SdkCloudBackupStatusTypeDone ]] || return 0
        [[ $got != SdkCloudBackupStatusTypeFailed ]] || e2e_fail "backup $1 failed"
        sleep 0.1
    done
    e2e_fail "backup $1: expected Done, got '$got'"
}
# kb.yaml: a kubeconfig with B's context alone (A cannot even be reached through it).
kb=$E2E_TMP/kb.yaml
kubeconfig_b_only "$kb"
# restore RUN [SET]: deploy-staging of run RUN from set SET (s1) in B; stdout, stderr, exit code
# in R_OUT, R_ERR, R_RC.
restore() {
    R_OUT=$E2E_TMP/restore-$1-$((++E2E_RUNS)).out
    R_ERR=${R_OUT%.out}.err
    R_RC=0
    "$E2E_PXCLONE" deploy-staging -p "$profile" --run "$1" --snapshot "${2:-s1}" \
        --kubeconfig "$kb" -q >"$R_OUT" 2>"$R_ERR" </dev/null || R_RC=$?
    echo "deploy-staging run $1 set ${2:-s1} -> exit $R_RC"
}
# b_volumes RUN: B's volumes labelled for RUN (not the baselines, snapshots of them), one "name<TAB>source<TAB>role" line each, sorted.
b_volumes() {
    sim_b_get /_sim/state | jq -r --arg run "$1" '.portworx[]
        | select(.labels["pxclone.io/run"] == $run and .volume.source.parent == null)
        | [.name, .labels["pxclone.io/source"], .labels["pxclone.io/role"]] | @tsv' | sort
}
# b_restores: how many restores pxclone's driver asked B for.
b_restores() {
    local E2E_SIM_LOG=$E2E_SIM_B_LOG
    count_requests POST /v1/cloudbackups/restore
}

credential='{"name":"s3-staging","bucket":"pxclone-staging","aws_credential":{"access_key":"AKID","secret_key":"SECRET-e2e","endpoint":"http://127.0.0.1:9000","region":"us-east-1"}}'
cred_a=$(px_ok "$SIM_URL" "$E2E_TOKEN" POST /v1/credentials "$credential" | jq -r .credential_id)
px_ok "$SIM_B_URL" "$E2E_TOKEN_B" POST /v1/credentials "$credential" >/dev/null

# Set s1 on A: a backup of each of two production volumes, with the metadata `snapshot` gives.
i=0
for volume in $(sim_get /_sim/state |
    jq -r '[.portworx[] | select(.volume.source.parent == null)][0:2][] | .volume.id'); do
    i=$((i + 1))
    metadata="{\"app.kubernetes.io/managed-by\":\"pxclone\",\"pxclone.io/profile\":\"e2e\",\"pxclone.io/run\":\"s1\",\"pxclone.io/role\":\"snapshot\",\"pxclone.io/snapshot-set\":\"s1\",\"pxclone.io/set-size\":\"2\",\"pxclone.io/source\":\"prod/pvc-$i\",\"pxclone.io/created-at\":\"2026-12-07T10:00:00Z\",\"pxclone.io/snapshot-id\":\"$volume\",\"pxclone.io/size\":\"1073741824\"}"
    px_ok "$SIM_URL" "$E2E_TOKEN" POST /v1/cloudbackups \
        "{\"volume_id\":\"$volume\",\"credential_id\":\"$cred_a\",\"task_id\":\"e2e-bk-$i\",\"labels\":$metadata}" >/dev/null
done
[[ $i == 2 ]] || e2e_fail "the seed state has $i production volumes, expected 2 or more"
await_backup e2e-bk-1
await_backup e2e-bk-2
bucket_before=$(bucket_backups)
request_mark # on A: nothing from here on writes there

# Run r1: both volumes restored on B, named and labelled as clones of run r1.
restore r1
[[ $R_RC == 0 ]] || e2e_fail "restore r1: exit $R_RC: $(cat "$R_ERR")"
expect_equal "restored volumes of r1" $'e2e-r1-clone-pvc-1\tprod/pvc-1\tstaging\ne2e-r1-clone-pvc-2\tprod/pvc-2\tstaging' \
    "$(b_volumes r1)"
expect_equal "r1's PVCs in B" "pvc-1 Bound
pvc-2 Bound" "$(sim_b_get /_sim/state | jq -r '[.kubernetes["v1/persistentvolumeclaims"][]
    | select(.metadata.namespace == "e2e-stg-r1") | "\(.metadata.name) \(.status.phase)"] | sort | .[]')"
expect_equal "restores asked" 2 "$(b_restores)"

# A re-run finds both and restores nothing again.
first=$(b_volumes r1)
restore r1
[[ $R_RC == 0 ]] || e2e_fail "restore r1 again: exit $R_RC: $(cat "$R_ERR")"
expect_equal "re-run's volumes" "$first" "$(b_volumes r1)"
expect_equal "restores asked after the re-run" 2 "$(b_restores)"

# Run r2: its first restore (B's third) fails: that volume is deleted, the other one kept.
restore r2
expect_equal "exit code of the failed restore" 1 "$R_RC"
grep -qF "failed on the staging cluster (context pxsim-b): Failed (pxsim: injected fault: the cloud restore failed)" "$R_ERR" ||
    e2e_fail "no clear line for the failed restore: $(cat "$R_ERR")"
expect_equal "r2's volumes after the failure" 1 "$(b_volumes r2 | wc -l)"
# The next run restores the missing one (the other is adopted).
restore r2
[[ $R_RC == 0 ]] || e2e_fail "restore r2 again: exit $R_RC: $(cat "$R_ERR")"
expect_equal "restored volumes of r2" $'e2e-r2-clone-pvc-1\tprod/pvc-1\tstaging\ne2e-r2-clone-pvc-2\tprod/pvc-2\tstaging' \
    "$(b_volumes r2)"
expect_equal "restores asked after r2" 5 "$(b_restores)"

# Run r5 killed (SIGKILL) once it has labelled its first restored volume, its restores still
# running: the next run adopts what it restored (running or done) and restores only the rest, so
# r5 has its two volumes and two restores in all.
kill_at_first_label() {
    local E2E_SIM_LOG=$E2E_SIM_B_LOG
    E2E_MARK=$(wc -l <"$E2E_SIM_B_LOG")
    "$E2E_PXCLONE" deploy-staging -p "$profile" --run r5 --snapshot s1 --kubeconfig "$kb" -q \
        >/dev/null 2>&1 </dev/null &
    PX_PID=$!
    signal_at_request KILL '^PUT (/api/v1/namespaces/kube-system/services/[^/]*/proxy)?/v1/volumes/'
    wait "$PX_PID" 2>/dev/null || true
}
kill_at_first_label
left=$(b_volumes r5 | wc -l)
[[ $left -ge 1 ]] || e2e_fail "the killed run left no labelled volume to adopt"
restore r5
[[ $R_RC == 0 ]] || e2e_fail "restore r5 after the kill: exit $R_RC: $(cat "$R_ERR")"
expect_equal "restored volumes of r5" $'e2e-r5-clone-pvc-1\tprod/pvc-1\tstaging\ne2e-r5-clone-pvc-2\tprod/pvc-2\tstaging' \
    "$(b_volumes r5)"
expect_equal "restores asked after r5" 7 "$(b_restores)"

# A set that has no backup: exit 3, as a missing snapshot set.
restore r3 nope
expect_equal "exit code of a missing set" 3 "$R_RC"
grep -qF "snapshot set nope of profile e2e has no backup" "$R_ERR" || e2e_fail "$(cat "$R_ERR")"
# An ambiguous credential name: exit 1, nothing restored.
px_ok "$SIM_B_URL" "$E2E_TOKEN_B" POST /v1/credentials "$credential" >/dev/null
restore r4
expect_equal "exit code of an ambiguous credential" 1 "$R_RC"
grep -qF "the cloud credential name 's3-staging' is ambiguous" "$R_ERR" || e2e_fail "$(cat "$R_ERR")"
expect_equal "restores asked at the end" 7 "$(b_restores)"

expect_equal "bucket untouched by B" "$bucket_before" "$(bucket_backups)"
expect_equal "requests from pxclone to A since the set was backed up" "" \
    "$(request_lines_since_mark all)"
if grep -qF SECRET-e2e "$E2E_TMP"/restore-*; then
    e2e_fail "a credential's secret key is in pxclone's output"
fi
e2e_done
