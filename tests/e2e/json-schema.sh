#!/usr/bin/env bash
# Every -o json|yaml document validates against the JSON Schema of its kind (docs/schema/): one
# run of each command against pxsim (snapshot, deploy-staging, extend, list, restore in place and
# --new-pvc, refresh, teardown dry and real, validate offline and --online, version, a --record file's
# result), a few in -o yaml, read back as YAML. And the schemas are strict: a document with a
# field renamed, or one left out, fails.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
python3 -c 'import jsonschema, yaml' 2>/dev/null ||
    { echo "$E2E_NAME: python3-jsonschema and python3-yaml needed (scripts/install-deps.sh)" >&2; exit 2; }
sim_start
schemas=$E2E_SRC/docs/schema
profile=$E2E_PROFILES/restore-portworx.yaml
csi=$E2E_PROFILES/restore-csi.yaml
ns=orders-stg-r1

# expect_kind KIND [json|yaml]: the last run succeeded and printed a valid document of KIND.
expect_kind() {
    expect_exit 0
    local form=${2:-json} got
    if [[ $form == json ]]; then
        expect_json .apiVersion pxclone.io/v1
        expect_json .kind "$1"
    else
        expect_out_contains "apiVersion: pxclone.io/v1"
        expect_out_contains "kind: $1"
    fi
    got=$(python3 "$E2E_DIR/check_schema.py" "$schemas" "$PX_OUT" "$form" 2>&1) ||
        e2e_fail "the $form output does not validate against its schema: $got"
}

px_run version -o json
expect_kind Version
px_run version -o yaml
expect_kind Version yaml
px_run validate -p "$profile" --run r1 -o json
expect_kind Profile
px_run validate -p "$profile" --run r1 -o yaml
expect_kind Profile yaml
px_run validate --online -p "$profile" --run r1 -o json
expect_kind ValidationReport

px_run snapshot -p "$profile" --run s1 -o json --record "$E2E_TMP/record.json"
expect_kind SnapshotSet
got=$(python3 "$E2E_DIR/check_schema.py" "$schemas" "$E2E_TMP/record.json" --pointer /result 2>&1) ||
    e2e_fail "the --record file's result does not validate: $got"
cp "$PX_OUT" "$E2E_TMP/snapshot.json"
px_run snapshot -p "$profile" --run s1 -o yaml
expect_kind SnapshotSet yaml
px_run snapshot -p "$csi" --run c1 -o json
expect_kind SnapshotSet
# One vocabulary: a csi snapshot's snapshotId is the same (namespace/name) in snapshot and list.
csi_ids=$(json_out '[.snapshots[].snapshotId] | sort | join(",")')
[[ $csi_ids == */* ]] || e2e_fail "snapshot's csi snapshotIds are not namespace/name: $csi_ids"
px_run list -p "$csi" -o json
expect_json '[.items[] | select(.kind == "SnapshotSet" and .snapshotSet == "c1")
    | .snapshots[].snapshotId] | sort | join(",")' "$csi_ids"

px_run deploy-staging -p "$profile" --run r1 --snapshot s1 -o json
expect_kind StagingEnvironment
px_run extend -p "$profile" --run r1 --ttl 48h --dry-run -o json
expect_kind ExtendReport
px_run extend -p "$profile" --run r1 --ttl never -o yaml
expect_kind ExtendReport yaml
px_run extend -p "$profile" --run r1 --ttl 24h -o json
expect_kind ExtendReport
expect_json .previousExpiresAt never
px_run restore -p "$profile" --run n1 --snapshot s1 --new-pvc copy -n "$ns" --from mongo-data-mongo-1 -o json
expect_kind RestoreReport
px_run list -p "$profile" -o json
expect_kind List
expect_json '[.items[] | .kind] | unique | join(",")' "SnapshotSet,StagingEnvironment"
px_run list -p "$profile" -o yaml
expect_kind List yaml

px_run restore -p "$profile" --run r1 --all --dry-run -o json
expect_kind RestoreReport
px_run restore -p "$profile" --run r1 --all -o yaml
expect_kind RestoreReport yaml
px_run restore -p "$profile" --run r1 --all --snapshot s1 -o json
expect_kind RestoreReport
px_run refresh -p "$profile" --run r1 --dry-run -o yaml
expect_kind RefreshReport yaml
px_run refresh -p "$profile" --run r1 -o json
expect_kind RefreshReport

px_run teardown -p "$profile" --run r1 --snapshots --dry-run -o json
expect_kind TeardownReport
px_run teardown -p "$profile" --run r1 --snapshots --dry-run -o yaml
expect_kind TeardownReport yaml
px_run teardown -p "$profile" --run r1 -o json
expect_kind TeardownReport
px_run teardown -p "$profile" --run r1 -o json
expect_kind TeardownReport
expect_json '.deleted | length' 0

# Strict: a renamed field, a missing one, an unknown kind's document each fail.
check_fails() { # NAME JQ-EDIT
    jq "$2" "$E2E_TMP/snapshot.json" >"$E2E_TMP/edited.json"
    if python3 "$E2E_DIR/check_schema.py" "$schemas" "$E2E_TMP/edited.json" >/dev/null 2>&1; then
        e2e_fail "the SnapshotSet schema accepts a document with $1"
    fi
}
check_fails "snapshotSet renamed" '.snapshot_set = .snapshotSet | del(.snapshotSet)'
check_fails "a snapshot's sizeBytes renamed" '.snapshots[0].size = .snapshots[0].sizeBytes | del(.snapshots[0].sizeBytes)'
check_fails "createdAt missing" 'del(.createdAt)'
check_fails "another apiVersion" '.apiVersion = "pxclone.io/v2"'
e2e_done
