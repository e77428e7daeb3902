#!/usr/bin/env bash
# pxsim as two clusters sharing one object store (issue 19), through lib.sh's sim_b_start: cluster
# A backs up a production volume, cluster B finds the backup by its labels, restores it as a new
# volume and deletes the backup; each side answers only its own token; nothing is left in the
# bucket and production is untouched. pxclone itself is not run: this checks the simulator and
# the helpers the cross-cluster scenarios build on.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
sim_start "${E2E_CLUSTER_A[@]}" --latency backup=300ms,cloud-restore=300ms
sim_b_start

# px URL TOKEN METHOD PATH [BODY]: a Portworx gateway call; prints the body, then the status.
px() {
    local data=()
    [[ $# -lt 5 ]] || data=(--data "$5")
    curl -sS --max-time 20 -X "$3" -H "Authorization: bearer $2" \
        -H 'Content-Type: application/json' "${data[@]}" -w '\n%{http_code}' "$1$4" ||
        e2e_fail "$3 $1$4 failed"
}
# px_ok ...: like px, the body only, and the status must be 200.
px_ok() {
    local reply
    reply=$(px "$@")
    [[ ${reply##*$'\n'} == 200 ]] || e2e_fail "$3 $4: expected 200, got: $reply"
    printf '%s\n' "${reply%$'\n'*}"
}
# await_status URL TOKEN BODY STATUS: the status call's only entry reaches STATUS (at most 10 s).
await_status() {
    local got="" tries
    for ((tries = 100; tries > 0; --tries)); do
        got=$(px_ok "$1" "$2" POST /v1/cloudbackups/status "$3" | jq -r '.statuses[]?.status')
        [[ $got != "$4" ]] || return 0
        sleep 0.1
    done
    e2e_fail "status $3: expected $4, got '$got'"
}

expect_equal "A's cluster id" "$E2E_CLUSTER_A_ID" \
    "$(px_ok "$SIM_URL" "$E2E_TOKEN" GET /v1/clusters/inspectcurrent | jq -r .cluster.id)"
expect_equal "B's cluster id" "$E2E_CLUSTER_B_ID" \
    "$(px_ok "$SIM_B_URL" "$E2E_TOKEN_B" GET /v1/clusters/inspectcurrent | jq -r .cluster.id)"
reply=$(px "$SIM_B_URL" "$E2E_TOKEN" GET /v1/credentials)
expect_equal "A's token at B" 403 "${reply##*$'\n'}"
expect_equal "cluster, context and user pxsim-b in k.yaml" 3 \
    "$(grep -c '^- name: pxsim-b$' "$E2E_TMP/k.yaml")"

# pxclone's ownership labels (expect_created_owned checks backups and restores for them).
owned='{"app.kubernetes.io/managed-by":"pxclone","pxclone.io/profile":"e2e","pxclone.io/role":"snapshot","pxclone.io/run":"e2e"}'
credential='{"name":"s3-staging","bucket":"pxclone-staging","aws_credential":{"access_key":"AKID","secret_key":"SECRET-e2e","endpoint":"http://127.0.0.1:9000","region":"us-east-1"}}'
cred_a=$(px_ok "$SIM_URL" "$E2E_TOKEN" POST /v1/credentials "$credential" | jq -r .credential_id)
cred_b=$(px_ok "$SIM_B_URL" "$E2E_TOKEN_B" POST /v1/credentials "$credential" | jq -r .credential_id)
[[ $cred_a != "$cred_b" ]] || e2e_fail "both clusters gave credential id $cred_a"

volume=$(sim_get /_sim/state | jq -r '[.portworx[] | select(.volume.source.parent == null)][0].volume.id')
task=$(px_ok "$SIM_URL" "$E2E_TOKEN" POST /v1/cloudbackups \
    "{\"volume_id\":\"$volume\",\"credential_id\":\"$cred_a\",\"task_id\":\"e2e-bk\",\"labels\":$owned}" |
    jq -r .task_id)
expect_equal "task id" e2e-bk "$task"
await_status "$SIM_URL" "$E2E_TOKEN" '{"task_id":"e2e-bk"}' SdkCloudBackupStatusTypeDone

filter="{\"credential_id\":\"$cred_b\",\"metadata_filter\":{\"pxclone.io/run\":\"e2e\"}"
expect_equal "B's own backups" '{}' \
    "$(px_ok "$SIM_B_URL" "$E2E_TOKEN_B" POST /v1/cloudbackups/enumerate/filters "$filter}")"
backup=$(px_ok "$SIM_B_URL" "$E2E_TOKEN_B" POST /v1/cloudbackups/enumerate/filters "$filter,\"all\":true}" |
    jq -r '.backups[0].id')
[[ $backup == pxclone-staging/"$volume"-* ]] || e2e_fail "backup id '$backup'"
expect_equal "bucket" "$backup	$owned" "$(bucket_backups)"

restored=$(px_ok "$SIM_B_URL" "$E2E_TOKEN_B" POST /v1/cloudbackups/restore \
    "{\"backup_id\":\"$backup\",\"credential_id\":\"$cred_b\",\"restore_volume_name\":\"e2e-stage\",\"locator\":{\"volume_labels\":$owned}}" |
    jq -r .restore_volume_id)
await_status "$SIM_B_URL" "$E2E_TOKEN_B" "{\"volume_id\":\"$restored\"}" SdkCloudBackupStatusTypeDone
expect_equal "restored volume" "e2e-stage $owned" \
    "$(sim_b_get /_sim/state | jq -r --arg id "$restored" '.portworx[] | select(.volume.id == $id) | "\(.name) \(.labels | tojson)"')"

# The id's slash cannot be in the path: the part before it goes as ?bucket=.
reply=$(px "$SIM_B_URL" "$E2E_TOKEN_B" DELETE "/v1/cloudbackups/backup/$backup?credential_id=$cred_b")
expect_equal "DELETE with the slash in the path" $'Not Found\n\n404' "$reply"
px_ok "$SIM_B_URL" "$E2E_TOKEN_B" DELETE \
    "/v1/cloudbackups/backup/${backup#*/}?bucket=${backup%%/*}&credential_id=$cred_b" >/dev/null
expect_equal "bucket after the delete" "" "$(bucket_backups)"
expect_equal "A's status after B's delete" '{}' \
    "$(px_ok "$SIM_URL" "$E2E_TOKEN" POST /v1/cloudbackups/status '{"task_id":"e2e-bk"}')"
expect_no_violations
if grep -rqF SECRET-e2e "$E2E_TMP"/sim-*requests*.jsonl; then
    e2e_fail "a credential's secret key is in a request log"
fi

# A restarted beside a running B: k.yaml names both again, with A's new address.
sim_restart
expect_equal "cluster, context and user pxsim-b in k.yaml after A's restart" 3 \
    "$(grep -c '^- name: pxsim-b$' "$E2E_TMP/k.yaml")"
grep -qF "server: $SIM_URL" "$E2E_TMP/k.yaml" || e2e_fail "k.yaml lacks A's new address $SIM_URL"
expect_equal "B still answers" "$E2E_CLUSTER_B_ID" \
    "$(px_ok "$SIM_B_URL" "$E2E_TOKEN_B" GET /v1/clusters/inspectcurrent | jq -r .cluster.id)"
e2e_done
