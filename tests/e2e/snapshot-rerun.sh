#!/usr/bin/env bash
# Re-running a run id reuses its snapshots (found by labels) instead of making second ones;
# `-o env` prints shell-safe PXCLONE_SNAPSHOT_SET; a set an earlier attempt left half-made is
# completed (only the missing snapshots are created, between the hooks).
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
sim_start
profile=$E2E_PROFILES/names-portworx.yaml

px_run snapshot -p "$profile" --run e2e-again -o env
expect_exit 0
expect_equal "-o env" "PXCLONE_SNAPSHOT_SET='e2e-again'
PXCLONE_RUN='e2e-again'" "$(cat "$PX_OUT")"
expect_equal "sourced -o env" "e2e-again" "$(env -i bash -c 'source "$1" && echo "$PXCLONE_SNAPSHOT_SET"' _ "$PX_OUT")"
first=$(sim_owned_snapshots e2e-again)
first_ids=$(sim_get /_sim/state | jq -r '[.portworx[] | select(.labels["pxclone.io/run"] == "e2e-again") | .volume.id] | sort | .[]')

px_run snapshot -p "$profile" --run e2e-again -o json
expect_exit 0
expect_json '[.snapshots[] | .reused] | unique | tostring' '[true]'
expect_equal "snapshot ids" "$first_ids" "$(json_out '[.snapshots[].snapshotId] | sort | .[]')"
expect_equal "creates over both runs" 3 "$(count_requests POST /v1/volumes/snapshots)"
expect_equal "owned snapshots" "$first" "$(sim_owned_snapshots e2e-again)"
# Nothing to freeze the second time: the hooks ran once.
expect_equal "hook runs" "pre
post" "$(hook_log | cut -d' ' -f1)"

# An attempt that died after one snapshot: that one (labelled, of the right volume) is reused.
sim_restart
curl -sS --fail --max-time 20 -H "Authorization: Bearer $E2E_TOKEN" \
    "$SIM_URL/api/v1/namespaces/kube-system/services/portworx-api:9021/proxy/v1/volumes/snapshots" \
    -d '{"volume_id": "1100000000000007919", "name": "orders-e2e-half-mongo-data-mongo-1",
         "labels": {"app.kubernetes.io/managed-by": "pxclone", "pxclone.io/profile": "orders",
                    "pxclone.io/run": "e2e-half", "pxclone.io/role": "snapshot",
                    "pxclone.io/snapshot-set": "e2e-half", "pxclone.io/set-size": "3",
                    "pxclone.io/source": "prod/mongo-data-mongo-1"}}' >"$E2E_TMP/half.json" ||
    e2e_fail "could not seed the half-made set"
earlier=$(jq -r .snapshot_id "$E2E_TMP/half.json")
px_run snapshot -p "$profile" --run e2e-half -o json
expect_exit 0
expect_json '[.snapshots[] | "\(.pvc) \(.reused)"] | join(",")' \
    "mongo-data-mongo-0 false,mongo-data-mongo-1 true,mongo-data-mongo-2 false"
expect_json '.snapshots[1].snapshotId' "$earlier"
expect_err_contains "snapshot set e2e-half: 3 volumes of prod (2 to create)"
expect_equal "creates (1 seeded + 2)" 3 "$(count_requests POST /v1/volumes/snapshots)"
expect_equal "hook log" "pre run=e2e-half ns=prod pvcs=mongo-data-mongo-0 mongo-data-mongo-1 mongo-data-mongo-2 context=pxsim kubeconfig=set creates=1
post run=e2e-half ns=prod pvcs=mongo-data-mongo-0 mongo-data-mongo-1 mongo-data-mongo-2 context=pxsim kubeconfig=set creates=3" "$(hook_log)"
e2e_done
