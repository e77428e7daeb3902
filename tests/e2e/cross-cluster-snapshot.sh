#!/usr/bin/env bash
# Staging in another cluster, the source side (issue 19): `pxclone snapshot` in cluster A with a
# transfer backs every snapshot up to the bucket both clusters share and counts the set only
# once each backup is Done; the backups carry the set's labels as their metadata; `list` shows
# each volume's transfer state; keep: 1 and a second snapshot delete the first set's backups
# with its snapshots; `teardown --snapshots` removes the rest. Afterwards nothing of pxclone's
# is left in A or in the bucket, B was only read, and production is untouched (e2e_done).
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
sim_start "${E2E_CLUSTER_A[@]}" --latency backup=300ms
sim_b_start
profile=$E2E_PROFILES/cross-cluster-snapshot.yaml

# The credential s3-e2e on each cluster, as an administrator would make it (pxctl credentials
# create); its secret key must never show in pxclone's output or requests.
add_credential_both SECRET-e2e-cross
sim_get /_sim/state >"$E2E_TMP/state-before.json" # the credential is the admin's, not pxclone's

# validate --online checks both sides: each credential resolves on its own cluster.
px_run validate --online -p "$profile"
expect_exit 0
for check in source-credential staging-cluster staging-portworx staging-credential; do
    expect_out_contains "$check"
done
expect_out_contains "staging cluster (context pxsim-b)"

# deploy-staging in B before any set was backed up: no set there (exit 3), B only read.
px_run deploy-staging -p "$profile" --run d1
expect_exit 3
expect_err_contains "no snapshot set of profile orders"

# Snapshot r1: complete only with every backup Done; the backups carry the set's labels.
px_run snapshot -p "$profile" --run r1 -o json
expect_exit 0
expect_json '.snapshots | length' 2
expect_equal "r1's backups in the bucket, with the set's labels" \
    "mongo-data-mongo-0 mongo-data-mongo-1" \
    "$(bucket_metadata | jq -r '[.[] | select(.["pxclone.io/snapshot-set"] == "r1"
        and .["pxclone.io/run"] == "r1" and .["pxclone.io/profile"] == "orders"
        and .["pxclone.io/role"] == "snapshot" and .["pxclone.io/created-at"] != null
        and .["app.kubernetes.io/managed-by"] == "pxclone")
        | .["pxclone.io/source"] | sub("^prod/"; "")] | sort | join(" ")')"
# Each backup names the snapshot it was made of, one of the set's.
expect_equal "backed-up snapshots" \
    "$(json_out '[.snapshots[].portworxSnapshotId] | sort | join(" ")')" \
    "$(bucket_metadata | jq -r '[.[]["pxclone.io/snapshot-id"]] | sort | join(" ")')"

# list: the transfer state of each volume, in JSON and in the table.
px_run list -p "$profile" -o json
expect_exit 0
expect_json '[.items[] | select(.kind == "SnapshotSet") | .snapshots[].transfer] | unique | join(",")' Done
px_run list -p "$profile"
expect_exit 0
expect_out_contains "TRANSFER"
expect_out_contains "mongo-data-mongo-0:Done,mongo-data-mongo-1:Done"

# Snapshot r2 with keep: 1 prunes r1: its backups first, then its snapshots.
px_run snapshot -p "$profile" --run r2 -o json
expect_exit 0
expect_json '.pruned | join(",")' r1
expect_equal "sets in the bucket after r2" "r2" \
    "$(bucket_metadata | jq -r '[.[]["pxclone.io/snapshot-set"]] | unique | join(",")')"
expect_equal "r1's snapshots in A" "" "$(sim_owned_snapshots r1)"
[[ -n $(sim_owned_snapshots r2) ]] || e2e_fail "r2's snapshots are gone"

# teardown --snapshots (dry run first: it names each backup's DELETE and sends nothing).
request_mark
px_run teardown -p "$profile" --run r2 --snapshots --dry-run
expect_exit 0
expect_out_contains "DELETE /v1/cloudbackups/backup/"
expect_no_mutations_since_mark
px_run teardown -p "$profile" --run r2 --snapshots --dry-run -o json
expect_exit 0
expect_json '.cloudBackups | length' 2
got=$(python3 "$E2E_DIR/check_schema.py" "$E2E_SRC/docs/schema" "$PX_OUT" json 2>&1) ||
    e2e_fail "the TeardownReport does not validate against its schema: $got"
expect_no_mutations_since_mark
px_run teardown -p "$profile" --run r2 --snapshots
expect_exit 0
expect_out_contains "cloud backup"
expect_equal "the bucket after teardown --snapshots" "" "$(bucket_backups)"
expect_equal "pxclone's snapshots in A" "" "$(sim_owned_snapshots)"
# A second teardown finds nothing and exits 0 (deletes are looked up first).
px_run teardown -p "$profile" --run r2 --snapshots
expect_exit 0

# B was only read: pxclone sent it no write (the credential is the administrator's).
expect_equal "pxclone's writes to B" 0 \
    "$(jq -rs "$E2E_JQ_DEFS pxclone_requests
        | map(select(mutating and ((is_px and px_path == \"/v1/credentials\") | not))) | length" \
        "$E2E_SIM_B_LOG")"
if grep -rqF SECRET-e2e-cross "$E2E_TMP"/run-*; then
    e2e_fail "a credential's secret key is in pxclone's output"
fi
e2e_done
